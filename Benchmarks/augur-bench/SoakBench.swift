import AugurCommandLine
import ArgumentParser
import AsyncHTTPClient
import AugurCore
import AugurIngest
import Foundation
import NIOCore
import NIOHTTP1

/// `augur-bench soak`: a real `augur serve` under mixed load for a few minutes — remote-write, Loki
/// pushes and a fixed-window `query_range` — reporting per interval the throughput, errors, the
/// query's p50/p99 and the server's resident memory, so that one can see both level off.
struct SoakBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "soak", abstract: "Mixed remote-write, Loki and query load on a real server; throughput, errors, p99 and memory over time.")

    @Option(help: "The augur binary to run (default: the one beside augur-bench).")
    var augur: String?

    @Option(help: "Minutes to run.")
    var minutes = 3.0

    @Option(help: "Samples per second, by remote-write (200 series per request).")
    var samplesPerSecond = 2000

    @Option(help: "Log lines per second, by Loki push (100 lines per request).")
    var linesPerSecond = 1000

    @Option(help: "query_range requests per second: the last 15 minutes of 100 series at 15 s.")
    var queriesPerSecond = 5.0

    @Option(help: "Seconds per reported interval.")
    var interval = 30.0

    @Option(help: "Working directory (deleted afterwards).")
    var workdir = NSTemporaryDirectory() + "augur-soak"

    /// What one interval saw.
    actor Tally {
        var samples = 0, lines = 0, errors = 0, latencies: [Double] = []
        func add(samples s: Int = 0, lines l: Int = 0, error: Bool = false, latency: Double? = nil) {
            samples += s; lines += l
            if error { errors += 1 }
            if let latency { latencies.append(latency) }
        }
        func take() -> (Int, Int, Int, [Double]) {
            defer { (samples, lines, errors, latencies) = (0, 0, 0, []) }
            return (samples, lines, errors, latencies.sorted())
        }
    }

    func run() async throws {
        try await reportingFailures {
            try? FileManager.default.removeItem(atPath: workdir)
            try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: workdir) }
            let (server, port) = try startServer()
            defer { server.terminate(); server.waitUntilExit() }
            let base = "http://127.0.0.1:\(port)"
            let tally = Tally()
            let deadline = ContinuousClock.now + .seconds(minutes * 60)
            note("soak: \(samplesPerSecond) samples/s, \(linesPerSecond) lines/s, \(queriesPerSecond) queries/s for \(minutes) min against PID \(server.processIdentifier)")
            print("| t (s) | samples/s | lines/s | errors | query p50 (ms) | query p99 (ms) | RSS (MiB) |")
            print("| --- | --- | --- | --- | --- | --- | --- |")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await paced(every: 200.0 / Double(samplesPerSecond), until: deadline) { k in
                    let nowMs = WallClock.nowMs()
                    let series = (0..<200).map { i in Series(labels: Labels(name: "soak_value", ["job": "soak", "instance": "i\(i % 100)", "shard": "\(i / 100)"]),
                                                            samples: [Sample(nowMs, Double(k % 1000) + Double(i))]) }
                    let ok = await post(base + "/api/v1/write", Snappy.compress(RemoteWriteEncoder.encode(series)),
                                        ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"])
                    await tally.add(samples: ok ? 200 : 0, error: !ok)
                } }
                group.addTask { try await paced(every: 100.0 / Double(linesPerSecond), until: deadline) { k in
                    let ns = WallClock.nowMs() * 1_000_000
                    let values = (0..<100).map { i in "[\"\(ns + Int64(i))\",\"request \(k * 100 + i) served in \(i % 37)ms for user u\(i % 13)\"]" }
                    let body = "{\"streams\":[{\"stream\":{\"service\":\"soak\",\"pod\":\"soak-\(k % 4)\"},\"values\":[\(values.joined(separator: ","))]}]}"
                    let ok = await post(base + "/loki/api/v1/push", Array(body.utf8), ["Content-Type": "application/json"])
                    await tally.add(lines: ok ? 100 : 0, error: !ok)
                } }
                group.addTask { try await paced(every: 1 / queriesPerSecond, until: deadline) { _ in
                    let end = Double(WallClock.nowMs()) / 1000
                    let url = base + "/api/v1/query_range?query=soak_value%7Bshard%3D%220%22%7D&start=\(end - 900)&end=\(end)&step=15"
                    let started = ContinuousClock.now
                    let ok = await get(url)
                    await tally.add(error: !ok, latency: seconds(ContinuousClock.now - started))
                } }
                group.addTask {
                    var t = 0.0
                    while ContinuousClock.now < deadline {
                        try await Task.sleep(for: .seconds(interval))
                        t += interval
                        let (s, l, e, lat) = await tally.take()
                        func pct(_ p: Double) -> String { lat.isEmpty ? "–" : String(format: "%.1f", 1000 * lat[min(lat.count - 1, Int(Double(lat.count) * p))]) }
                        print("| \(Int(t)) | \(Int(Double(s) / interval)) | \(Int(Double(l) / interval)) | \(e) | \(pct(0.5)) | \(pct(0.99)) | \(rssMiB(server.processIdentifier)) |")
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Calls `body(k)` every `period` seconds (k counts from 0) until `deadline`, without drift; never
    /// when the period is not finite (a rate of 0 turns that load off).
    func paced(every period: Double, until deadline: ContinuousClock.Instant, _ body: @escaping @Sendable (Int) async -> Void) async throws {
        guard period.isFinite, period > 0 else { return }
        let start = ContinuousClock.now
        var k = 0
        while ContinuousClock.now < deadline {
            await body(k)
            k += 1
            let next = start + .seconds(period * Double(k))
            if next > .now { try await Task.sleep(until: next) }
        }
    }

    func post(_ url: String, _ body: [UInt8], _ headers: [String: String]) async -> Bool {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        request.body = .bytes(ByteBuffer(bytes: body))
        guard let r = try? await HTTPClient.shared.execute(request, timeout: .seconds(30)) else { return false }
        _ = try? await r.body.collect(upTo: 1 << 20)
        return (200..<300).contains(r.status.code)
    }

    func get(_ url: String) async -> Bool {
        guard let r = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30)) else { return false }
        _ = try? await r.body.collect(upTo: 64 << 20)
        return r.status == .ok
    }

    /// The server's resident set from /proc.
    func rssMiB(_ pid: Int32) -> String {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return "?" }
        return String(format: "%.0f", kb / 1024)
    }

    /// `augur serve` (the `augur` beside this binary, or `--augur`) on a fresh store and a free port, read from its log.
    func startServer() throws -> (Process, Int) {
        let p = Process()
        let me = URL(fileURLWithPath: CommandLine.arguments[0], relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        p.executableURL = augur.map { URL(fileURLWithPath: $0) } ?? me.deletingLastPathComponent().appendingPathComponent("augur")
        p.arguments = ["serve", "--db", workdir + "/augur.sqlite", "--listen", "127.0.0.1:0", "--log-level", "info"]
        let pipe = Pipe()
        p.standardError = pipe
        p.standardOutput = pipe
        try p.run()
        var text = ""
        while let chunk = try pipe.fileHandleForReading.read(upToCount: 1), !chunk.isEmpty {
            text += String(decoding: chunk, as: UTF8.self)
            if let r = text.range(of: "augur.port="), let end = text[r.upperBound...].firstIndex(where: { !$0.isNumber }), let port = Int(text[r.upperBound..<end]) {
                // Keep draining the server's output so it never blocks on a full pipe.
                let handle = pipe.fileHandleForReading
                Thread.detachNewThread { while (try? handle.read(upToCount: 4096))?.isEmpty == false {} }
                return (p, port)
            }
        }
        throw ValidationError("augur serve exited before listening: \(text)")
    }
}
