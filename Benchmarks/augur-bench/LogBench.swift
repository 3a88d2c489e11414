import AugurCommandLine
import ArgumentParser
import AsyncHTTPClient
import AugurCore
import AugurIngest
import AugurLogs
import AugurStore
import AugurTestSupport
import Foundation
import NIOCore
import NIOHTTP1

/// `augur-bench logs`: Loghub-2k accuracy per system with one setting, `logs parse` throughput on a
/// million lines, Loki push ingest through the HTTP server into SQLite, and bytes per stored line.
struct LogBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Loghub-2k GA/PA per system, parse lines/s on 1M lines, Loki push lines/s into SQLite, bytes per line.")

    @Option(help: "Loghub directory.")
    var loghub = "../shared/data/loghub"

    @Option(help: "LogPAI formats and masks per system (JSON).")
    var formats = "../shared/tools/loghub-formats.json"

    @Option(help: "Lines for the throughput runs.")
    var lines = 1_000_000

    struct System {
        let name: String
        let file: String
        let header: HeaderFormat
        let masks: [LogPattern]
    }

    func run() async throws {
        try await reportingFailures {
            guard let data = FileManager.default.contents(atPath: formats),
                  let json = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["systems"] as? [String: [String: Any]] else {
                throw ValidationError("cannot read \(formats) (pass --formats)")
            }
            let systems = try json.keys.sorted().map { name -> System in
                let s = json[name]!
                return System(name: name, file: loghub + "/" + (s["log_file"] as? String ?? ""), header: try HeaderFormat(s["log_format"] as? String ?? ""),
                              masks: try (s["masking_regexes"] as? [String] ?? []).map { (m) throws(LogPattern.Invalid) in try LogPattern(m) })
            }
            print("augur-bench logs — Loghub-2k, one setting for every system (similarity 0.5, depth 4), LogPAI formats and masks")
            print("system        GA      PA   templates (truth)")
            var gas: [Double] = []
            for system in systems {
                let raw = try rawLines(system.file)
                let (ids, texts, count) = parse(raw, system)
                let truth = try structured(system.file + "_structured.csv")
                let ga = groupingAccuracy(truth: truth.map(\.id), predicted: ids)
                let pa = Double(zip(truth, texts).filter { Self.normalised($0.template) == Self.normalised($1) }.count) / Double(truth.count)
                gas.append(ga)
                print(system.name.padding(toLength: 12, withPad: " ", startingAt: 0) + String(format: " %6.3f  %6.3f  %5d (%d)", ga, pa, count, Set(truth.map(\.id)).count))
            }
            print(String(format: "mean GA %.3f, lowest %.3f", gas.reduce(0, +) / Double(gas.count), gas.min() ?? 0))

            // Throughput: HDFS replicated to `lines` lines. Every line goes through header, masks and the
            // tree; nothing is cached per line, so repeats cost what new lines cost.
            let hdfs = systems.first { $0.name == "HDFS" } ?? systems[0]
            let sample = try rawLines(hdfs.file)
            let big = (0..<lines).map { sample[$0 % sample.count] }
            let started = ContinuousClock.now
            let (_, _, count) = parse(big, hdfs)
            let elapsed = seconds(ContinuousClock.now - started)
            print(String(format: "logs parse: %d %@ lines (2 masks) in %.2f s: %.0f lines/s on one core, %d templates", lines, hdfs.name, elapsed, Double(lines) / elapsed, count))

            // As a client that sends small pushes, and as Promtail and Alloy batch by default (up to 1 MiB
            // per push: about 7,000 of these lines).
            try await lokiIngest(systems, perRequest: 1_000)
            try await lokiIngest(systems, perRequest: 7_000)
        }
    }

    func rawLines(_ file: String) throws -> [ArraySlice<UInt8>] {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let bytes = [UInt8](data)
        return bytes.split(separator: 10, omittingEmptySubsequences: false).dropLast(bytes.last == 10 ? 1 : 0).map { $0.last == 13 ? $0.dropLast() : $0 }
    }

    /// What `augur logs parse` does: template id and text per line, and the number of templates.
    func parse(_ lines: [ArraySlice<UInt8>], _ system: System) -> ([String], [String], Int) {
        var options = TemplateMiner.Options()
        options.masks = system.masks
        let miner = TemplateMiner(options: options)
        let scratch = ByteRegex.Scratch()
        let assigned = lines.map { miner.add(system.header.content($0, scratch: scratch) ?? $0) }
        // Each template's id and text rendered once, as `logs parse` renders its CSV.
        var rendered: [Int: (id: String, text: String)] = [:]
        let rows = assigned.map { a -> (id: String, text: String) in
            let live = miner.resolve(a)
            if let r = rendered[live] { return r }
            let r = (String(miner.id(live)), miner.text(live))
            rendered[live] = r
            return r
        }
        return (rows.map(\.id), rows.map(\.text), miner.liveCount)
    }

    func structured(_ file: String) throws -> [(id: String, template: String)] {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        var rows = CSVReader(bytes: [UInt8](data), source: file).makeIterator()
        guard let header = rows.next()?.fields, let id = header.firstIndex(of: "EventId"), let template = header.firstIndex(of: "EventTemplate") else {
            throw ValidationError("\(file) has no EventId/EventTemplate columns")
        }
        var out: [(String, String)] = []
        while let row = rows.next() { out.append((row.fields[id], row.fields[template])) }
        return out
    }

    /// User plus system CPU time of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    static func normalised(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    /// Loki JSON pushes of `perRequest` lines (the Loghub lines, each system a stream, times advancing)
    /// from four concurrent clients, into a fresh store through the HTTP server with mining and FTS5.
    func lokiIngest(_ systems: [System], perRequest: Int) async throws {
        var pool: [(String, String)] = []
        for s in systems { for l in try rawLines(s.file) { pool.append((s.name.lowercased(), String(decoding: l, as: UTF8.self))) } }
        let total = min(lines, 400_000)
        let t0: Int64 = 1_767_225_600_000_000_000
        let bodies: [ByteBuffer] = stride(from: 0, to: total, by: perRequest).map { start in
            var streams: [String: [String]] = [:]
            for i in start..<min(start + perRequest, total) {
                let (service, line) = pool[i % pool.count]
                streams[service, default: []].append("[\"\(t0 + Int64(i) * 1_000_000)\",\(JSONText.string(line))]")
            }
            let body = "{\"streams\":[" + streams.map { "{\"stream\":{\"service\":\"\($0.key)\",\"job\":\"loghub\"},\"values\":[\($0.value.joined(separator: ","))]}" }.joined(separator: ",") + "]}"
            return ByteBuffer(string: body)
        }
        let dir = NSTemporaryDirectory() + "augur-log-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/augur.sqlite")
        let cpuBefore = Self.processCPUSeconds()
        let wall = try await withBenchServer(store: store) { port in
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for i in stride(from: worker, to: bodies.count, by: 4) {
                            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/loki/api/v1/push")
                            request.method = .POST
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(bodies[i])
                            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
                            guard response.status == .noContent else { throw ValidationError("push answered \(response.status.code)") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            return seconds(ContinuousClock.now - started)
        }
        let rate = Double(total) / wall
        let cpu = Self.processCPUSeconds() - cpuBefore
        let storage = try store.logStorage()
        let rawBytes = (0..<total).reduce(0) { $0 + pool[$1 % pool.count].1.utf8.count + 1 }
        print(String(format: "Loki push (JSON, %d lines per request, 4 clients) into SQLite with mining and FTS5: %.0f lines/s; %d lines stored; %.1f µs CPU per line (clients included), %.2f cores busy",
                     perRequest, rate, storage.lines, cpu / Double(total) * 1e6, cpu / wall))
        guard perRequest == 1_000 else { return }
        print(String(format: "storage: %.1f bytes per line (lines, streams, indexes and full-text index; raw text %.1f bytes per line)",
                     Double(storage.bytes) / Double(max(storage.lines, 1)), Double(rawBytes) / Double(total)))
    }
}
