import ArgumentParser
import AsyncHTTPClient
import AugurCommandLine
import AugurCore
import AugurIngest
import AugurServer
import AugurStore
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// `augur-bench`: Augur's benchmarks, built beside the product but not in it (`swift build -c release`
/// makes `.build/release/augur-bench`).
@main
struct AugurBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augur-bench", abstract: "Augur's benchmarks (build with -c release).",
        subcommands: [IngestBench.self, ForecastBench.self, LogBench.self, ScaleBench.self, SoakBench.self, PromQLBench.self])
}

/// `augur-bench ingest`: remote-write ingest through HTTP, beside Debian's Prometheus on the same load.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Remote-write throughput (Augur and Prometheus), raw SQLite insert rate, bytes/sample, query latency.")

    @Option(help: "Series per scrape.")
    var series = 1000

    @Option(help: "Scrapes at 15 s intervals (5760 = 24 h).")
    var scrapes = 5760

    @Option(help: "Concurrent client connections.")
    var connections = 4

    @Option(help: "Request sizes in samples, comma-separated (500 is Prometheus' default max_samples_per_send).")
    var shapes = "500,5000"

    @Option(help: "Prometheus binary to compare with; 'none' to skip.")
    var prometheus = "/usr/bin/prometheus"

    @Option(help: "Working directory (deleted afterwards).")
    var workdir = NSTemporaryDirectory() + "augur-bench"

    func run() async throws {
        try await reportingFailures {
            try? FileManager.default.removeItem(atPath: workdir)
            try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: workdir) }
            let sizes = shapes.split(separator: ",").compactMap { Int($0) }
            guard !sizes.isEmpty else { throw ValidationError("--shapes needs sample counts such as 500,5000") }
            let load = ScrapeLoad(series: series, scrapes: scrapes)
            note("load: \(series) series × \(scrapes) scrapes at 15 s = \(load.totalSamples) samples; \(connections) connections")
            let client = HTTPClient.shared
            var rows: [(String, String)] = []
            var augurRates: [Int: Double] = [:]
            for size in sizes {
                let started = ContinuousClock.now
                let requests = load.requests(samplesPerRequest: size, shards: connections)
                note("encoded \(requests.joined().count) requests of \(size) samples in \(format(seconds(ContinuousClock.now - started)))s")
                let dir = "\(workdir)/augur-\(size)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                let store = try Store(path: dir + "/augur.sqlite")
                let (rate, queries) = try await withBenchServer(store: store) { port in
                    let rate = try await send(requests, to: "http://127.0.0.1:\(port)/api/v1/write", client: client, samples: load.totalSamples)
                    try store.compact(force: true)
                    let stored = store.stats().samples
                    guard stored == load.totalSamples else { throw ValidationError("store holds \(stored) samples, \(load.totalSamples) were sent") }
                    let queries = try await queryLatency(client: client, port: port, endMs: load.endMs)
                    return (rate, queries)
                }
                augurRates[size] = rate
                rows.append(("augur remote-write, \(size) samples/request", "\(format(rate / 1e6)) M samples/s"))
                if size == sizes.max() {
                    try store.checkpoint()
                    let usage = try store.diskUsage()
                    let n = Double(load.totalSamples)
                    rows.append(("augur bytes/sample on disk: file / chunk payloads", "\(format(Double(usage.fileBytes) / n)) / \(format(Double(usage.chunkPayloadBytes) / n)) (free pages \(usage.freeBytes / 1024) KiB)"))
                    rows.append(("augur query_range 24h, 1 series, p50 / p99", "\(format(queries.one.p50 * 1000)) / \(format(queries.one.p99 * 1000)) ms"))
                    rows.append(("augur query_range 24h, 100 series, p50 / p99", "\(format(queries.hundred.p50 * 1000)) / \(format(queries.hundred.p99 * 1000)) ms"))
                }
                if prometheus != "none" {
                    let promDir = "\(workdir)/prom-\(size)"
                    let rate = try await withPrometheus(prometheus, dir: promDir) { port in
                        try await send(requests, to: "http://127.0.0.1:\(port)/api/v1/write", client: client, samples: load.totalSamples)
                    }
                    rows.append(("prometheus 2.42 remote-write receiver, \(size) samples/request", "\(format(rate / 1e6)) M samples/s"))
                    if size == sizes.max() {
                        rows.append(("prometheus bytes/sample on disk (blocks + WAL + head chunks)", format(Double(directorySize(promDir + "/data")) / Double(load.totalSamples))))
                    }
                    rows.append(("augur ÷ prometheus, \(size) samples/request", format(augurRates[size]! / rate)))
                }
            }
            let raw = try rawInsert(samples: min(load.totalSamples, 2_000_000), series: series, batch: 5000, directory: workdir)
            rows.append(("raw SQLite insert loop (row per sample, 5000/txn)", "\(format(raw.rate / 1e6)) M samples/s, \(format(raw.bytesPerSample)) bytes/sample"))
            for size in sizes { rows.append(("augur \(size)/request ÷ raw SQLite insert loop", format(augurRates[size]! / raw.rate))) }
            let width = rows.map(\.0.count).max() ?? 0
            print("augur-bench ingest — \(series) series × \(scrapes) scrapes (15 s), \(connections) connections, \(ProcessInfo.processInfo.activeProcessorCount) cores")
            for (k, v) in rows { print(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v) }
        }
    }

    /// Sends every request over `connections` keep-alive connections; returns samples per second.
    /// Sends each shard's requests in order on its own connection, as Prometheus' remote-write shards do
    /// (a series always goes to the same shard, so its samples arrive in order). Shards move in rounds of
    /// 16 requests so they stay within minutes of each other, as live shards do: Prometheus refuses
    /// samples more than an hour older than its head. Returns samples per second.
    func send(_ shards: [[ByteBuffer]], to url: String, client: HTTPClient, samples: Int) async throws -> Double {
        let started = ContinuousClock.now
        let round = 16
        let rounds = (shards.map(\.count).max() ?? 0 + round - 1) / round + 1
        for r in 0..<rounds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for requests in shards {
                    let slice = requests.indices.clamped(to: (r * round)..<min((r + 1) * round, requests.count))
                    group.addTask {
                        for i in slice {
                            var request = HTTPClientRequest(url: url)
                            request.method = .POST
                            request.headers.add(name: "Content-Encoding", value: "snappy")
                            request.headers.add(name: "Content-Type", value: "application/x-protobuf")
                            request.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
                            request.body = .bytes(requests[i])
                            let response = try await client.execute(request, timeout: .seconds(60))
                            let body = try await response.body.collect(upTo: 1 << 20)
                            guard (200..<300).contains(response.status.code) else {
                                throw ValidationError("\(url) answered \(response.status.code): \(String(buffer: body))")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        return Double(samples) / seconds(ContinuousClock.now - started)
    }

    func queryLatency(client: HTTPClient, port: Int, endMs: Int64) async throws -> (one: (p50: Double, p99: Double), hundred: (p50: Double, p99: Double)) {
        func measure(_ query: String, expecting series: Int) async throws -> (p50: Double, p99: Double) {
            var times: [Double] = []
            let q = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            for _ in 0..<60 {
                let url = "http://127.0.0.1:\(port)/api/v1/query_range?query=\(q)&start=\(Double(endMs) / 1000 - 86400)&end=\(Double(endMs) / 1000)&step=60"
                let started = ContinuousClock.now
                let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
                let body = try await response.body.collect(upTo: 256 << 20)
                guard response.status == .ok else { throw ValidationError("query_range answered \(response.status.code)") }
                let found = String(buffer: body).components(separatedBy: "\"metric\":").count - 1
                guard found == series else { throw ValidationError("\(query) returned \(found) series, expected \(series)") }
                times.append(seconds(ContinuousClock.now - started))
            }
            times.sort()
            return (times[times.count / 2], times[min(times.count - 1, Int(Double(times.count) * 0.99))])
        }
        return (try await measure(#"node_load1{instance="10.0.0.1:9100"}"#, expecting: 1), try await measure(#"{job="node",instance="10.0.0.1:9100"}"#, expecting: 100))
    }
}

/// A node-exporter-like load: realistic label sets and value shapes (counters, slowly moving gauges, constants).
struct ScrapeLoad {
    let series: Int
    let scrapes: Int
    let startMs: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z

    var totalSamples: Int { series * scrapes }
    var endMs: Int64 { startMs + Int64(scrapes - 1) * 15_000 }

    func labels(_ i: Int) -> Labels {
        let instance = "10.0.0.\(i / 100 + 1):9100"
        let base = ["instance": instance, "job": "node"]
        switch i % 100 {
        case 0..<80: return Labels(name: "node_cpu_seconds_total", base.merging(["cpu": String(i % 100 / 8), "mode": ["idle", "user", "system", "iowait", "irq", "softirq", "steal", "nice"][i % 8]]) { a, _ in a })
        case 80..<88: return Labels(name: "node_network_receive_bytes_total", base.merging(["device": "eth\(i % 8)"]) { a, _ in a })
        case 88..<94: return Labels(name: "node_filesystem_avail_bytes", base.merging(["device": "/dev/sda\(i % 6)", "fstype": "ext4", "mountpoint": "/mnt/\(i % 6)"]) { a, _ in a })
        case 94: return Labels(name: "node_load1", base)
        case 95: return Labels(name: "node_memory_MemAvailable_bytes", base)
        case 96: return Labels(name: "node_boot_time_seconds", base)
        case 97: return Labels(name: "up", base)
        case 98: return Labels(name: "node_context_switches_total", base)
        default: return Labels(name: "process_resident_memory_bytes", base)
        }
    }

    /// The value of series `i` at scrape `k`, deterministic.
    func value(_ i: Int, _ k: Int) -> Double {
        var rng = SplitMix64(seed: UInt64(i) &* 1_000_003 &+ UInt64(k))
        let r = Double(rng.next() % 1000) / 1000
        switch i % 100 {
        // CPU seconds at USER_HZ (0.01 s) resolution: idle runs near 15 s per scrape, the other modes slower.
        case 0..<80: return Double(k * (i % 8 == 0 ? 1_380 : 40 + (i % 8) * 9) + Int(r * 7)) / 100
        case 80..<88: return Double(k * 150_000 + Int(r * 20_000))
        case 88..<94: return Double(50_000_000_000 - (k / 40) * 4096 * 25)
        case 94: return (1.5 + sin(Double(k) / 200) + r * 0.2).rounded(toPlaces: 2)
        case 95: return Double(8_000_000_000 + (Int(r * 64) - 32) * 4096 * 16)
        case 96: return 1_766_000_000
        case 97: return 1
        case 98: return Double(k * 4_000 + Int(r * 500))
        default: return Double(30_000_000 + (k / 20) * 4096)
        }
    }

    /// Snappy-compressed WriteRequests in Prometheus' shape: one TimeSeries (full labels) per sample,
    /// series split over `shards` by index, each shard's samples in scrape order.
    func requests(samplesPerRequest: Int, shards: Int) -> [[ByteBuffer]] {
        let labelSets = (0..<series).map(labels)
        return (0..<shards).map { shard in
            var out: [ByteBuffer] = []
            var batch: [Series] = []
            batch.reserveCapacity(samplesPerRequest)
            for k in 0..<scrapes {
                for i in stride(from: shard, to: series, by: shards) {
                    batch.append(Series(labels: labelSets[i], samples: [Sample(startMs + Int64(k) * 15_000, value(i, k))]))
                    if batch.count == samplesPerRequest {
                        out.append(ByteBuffer(bytes: Snappy.compress(RemoteWriteEncoder.encode(batch))))
                        batch.removeAll(keepingCapacity: true)
                    }
                }
            }
            if !batch.isEmpty { out.append(ByteBuffer(bytes: Snappy.compress(RemoteWriteEncoder.encode(batch)))) }
            return out
        }
    }
}

extension Double {
    func rounded(toPlaces p: Int) -> Double {
        let f = pow(10, Double(p))
        return (self * f).rounded() / f
    }
}

func directorySize(_ path: String) -> Int {
    let fm = FileManager.default
    let files = fm.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
    return files.reduce(0) { total, rel in
        total + (((try? fm.attributesOfItem(atPath: path + "/" + rel))?[.size] as? NSNumber)?.intValue ?? 0)
    }
}

func format(_ v: Double) -> String { String(format: v >= 100 ? "%.0f" : (v >= 10 ? "%.1f" : "%.2f"), v) }

/// Runs Augur in this process on a loopback port for the duration of `body`.
func withBenchServer<T: Sendable>(store: Store, limits: AugurConfig.Limits = AugurConfig.Limits(), _ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
    let config = { var c = AugurConfig(); c.server.listen = "127.0.0.1:0"; c.storage.path = store.path; c.limits = limits; return c }()
    let logger = { var l = Logger(label: "augur-bench"); l.logLevel = .warning; return l }()
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    return try await runUntilDone(AugurApplication.serviceGroup(config: config, store: store, logger: logger) { continuation.yield($0) }) {
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ValidationError("server did not report a port") }
        return try await body(port)
    }
}

/// Starts Debian's Prometheus with its remote-write receiver on a free loopback port.
func withPrometheus<T>(_ prometheus: String, dir: String, arguments: [String] = [], _ body: (Int) async throws -> T) async throws -> T {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let port = 19090 + Int.random(in: 0..<500)
    try "global:\n  scrape_interval: 1h\n".write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: prometheus)
    process.arguments = ["--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data", "--web.listen-address=127.0.0.1:\(port)",
                         "--web.enable-remote-write-receiver", "--log.level=warn"] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    defer { process.terminate(); process.waitUntilExit() }
    let client = HTTPClient.shared
    for _ in 0..<300 {
        if let r = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/-/ready"), timeout: .seconds(1)), r.status == .ok { break }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await body(port)
}
