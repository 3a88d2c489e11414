import AugurCore
import AugurIngest
import Foundation

/// libFuzzer harness for the wire decoders: the first byte picks one, the rest is its input. Every
/// decoder must return or throw its typed error for any bytes, never trap.
///
///     swift build -c release --scratch-path .build-fuzz --product augur-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
///     .build-fuzz/release/augur-fuzz -max_total_time=600 fuzz-corpus/     (scripts/fuzz does both)
///
/// Built without FUZZING it replays files instead (each once through its decoder), so the suite can
/// run a corpus through the same entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    WireFuzz.run(data[0], Array(UnsafeBufferPointer(start: data + 1, count: size - 1)))
    return 0
}

enum WireFuzz {
    static let decoders = 12
    static let limit = 8 << 20

    static func run(_ selector: UInt8, _ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        switch Int(selector) % decoders {
        case 0: _ = try? input.withUnsafeBytes { try Snappy.decompress($0, limit: limit) }
        case 1:
            _ = try? input.withUnsafeBytes { raw in
                let request = try DecodedWriteRequest(raw)
                for (i, e) in request.entries.enumerated() { _ = try? request.labels(of: e, in: raw, index: i) }
            }
        case 2: _ = try? ExpositionParser.parse(input, defaultTimestampMs: 0)
        case 3: _ = try? JSONLinesParser.parse(input)
        case 4: _ = try? LogBodies.jsonLines(input)
        case 5: _ = try? LogBodies.lokiJSON(input)
        case 6: _ = try? LogBodies.lokiProtobuf(input)
        case 7: _ = try? Gzip.decompress(input, limit: limit, format: "fuzz")
        case 8: _ = (TimeParsing.timestampMs(text), TimeParsing.durationMs(text), TimeParsing.timestampNs(text))
        case 9: _ = try? Selector(parsing: text)
        case 10:
            // A pattern and a subject, split at the first NUL.
            let parts = input.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
            if let re = try? ByteRegex(String(decoding: parts[0], as: UTF8.self), mode: .re2), parts.count == 2 {
                _ = Array(parts[1]).withUnsafeBufferPointer { re.firstMatch(in: $0, scratch: ByteRegex.Scratch()) }
            }
        default: _ = try? LogBodies.nezhaCSV(input, file: "fuzz.csv")
        }
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

/// SwiftPM links an executable's entry as `<module>_main`; here it hands control to libFuzzer's driver.
@_cdecl("augur_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc, values = argv
    return LLVMFuzzerRunDriver(&count, &values) { fuzzOne($0, $1) }
}
#else
/// Replays files (or every file under directories) through the harness; exits 0 when none trapped.
@main struct ReplayCorpus {
    static func main() {
        var files: [String] = []
        for arg in CommandLine.arguments.dropFirst() {
            var dir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: arg, isDirectory: &dir) else { continue }
            if dir.boolValue {
                files += (FileManager.default.enumerator(atPath: arg)?.compactMap { $0 as? String } ?? []).map { arg + "/" + $0 }
            } else {
                files.append(arg)
            }
        }
        var replayed = 0
        for f in files {
            guard let d = FileManager.default.contents(atPath: f), !d.isEmpty else { continue }
            let bytes = [UInt8](d)
            bytes.withUnsafeBufferPointer { _ = fuzzOne($0.baseAddress!, $0.count) }
            replayed += 1
        }
        print("replayed \(replayed) inputs")
    }
}
#endif
