import ArgumentParser
import AsyncHTTPClient
import AugurCommandLine
import AugurCore
import AugurIngest
import AugurStore
import Foundation
import NIOCore
import NIOHTTP1

/// `augur-bench promql`: dashboard queries on the same data in Augur and in Debian's Prometheus, in one run.
struct PromQLBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promql",
        abstract: "PromQL latency, p50 and p99, in Augur and in Prometheus on the same data (counters, a histogram, a 7-day series).")

    @Option(help: "Counters (24 h at 15 s each).")
    var counters = 1000

    @Option(help: "Runs of each query per system.")
    var runs = 10

    @Option(help: "Prometheus binary to compare with; 'none' for Augur alone.")
    var prometheus = "/usr/bin/prometheus"

    @Option(help: "Working directory (deleted afterwards).")
    var workdir = NSTemporaryDirectory() + "augur-bench-promql"

    static let endSeconds: Int64 = 1_767_225_600 + 7 * 86_400  // 2026-01-08T00:00:00Z

    /// The data: `counters` request counters over 24 h, 10 histograms of 20 buckets over 24 h, one gauge over 7 days.
    func data() -> [Series] {
        var rng = SplitMix64(seed: 7)
        let day = 5760, end = Self.endSeconds * 1000
        func times(_ n: Int) -> [Int64] { (0..<n).map { end - Int64(n - 1 - $0) * 15_000 } }
        var out: [Series] = []
        for i in 0..<counters {
            var v = 0.0
            out.append(Series(labels: Labels(name: "http_requests_total", ["service": "svc-\(i % 20)", "instance": "i-\(i)"]),
                              samples: times(day).map { v += Double(rng.next() % 50); return Sample($0, v) }))
        }
        let bounds = (0..<19).map { String(0.005 * pow(2, Double($0))) } + ["+Inf"]
        for h in 0..<10 {
            var counts = [Double](repeating: 0, count: bounds.count)
            var bucketSamples = [[Sample]](repeating: [], count: bounds.count)
            for t in times(day) {
                for _ in 0..<(rng.next() % 20) {
                    let k = Int(rng.next() % 20)
                    for b in k..<bounds.count { counts[b] += 1 }
                }
                for b in bounds.indices { bucketSamples[b].append(Sample(t, counts[b])) }
            }
            for (b, le) in bounds.enumerated() {
                out.append(Series(labels: Labels(name: "http_request_duration_seconds_bucket", ["service": "svc-\(h)", "le": le]), samples: bucketSamples[b]))
            }
        }
        var load = 1.0
        out.append(Series(labels: Labels(name: "node_load1", ["instance": "host-1"]), samples: times(7 * day).map {
            load = max(0, load + Double(Int(rng.next() % 201) - 100) / 1000)
            return Sample($0, load)
        }))
        return out
    }

    var queries: [(name: String, expr: String, start: Int64, step: Int)] {
        let day = Self.endSeconds - 86_400
        return [
            ("rate over \(counters) counters, 24 h at 15 s", "rate(http_requests_total[5m])", day, 15),
            ("sum by (service) of it", "sum by (service) (rate(http_requests_total[5m]))", day, 15),
            ("histogram_quantile(0.99) over 10 × 20 buckets", "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))", day, 15),
            ("7-day query_range of one series (60 s step)", #"node_load1{instance="host-1"}"#, Self.endSeconds - 7 * 86_400, 60),
        ]
    }

    func run() async throws {
        try await reportingFailures {
            try? FileManager.default.removeItem(atPath: workdir)
            try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: workdir) }
            let series = data()
            let total = series.reduce(0) { $0 + $1.samples.count }
            note("data: \(series.count) series, \(total) samples")
            let client = HTTPClient.shared
            let promRows = prometheus == "none" ? [] : try await prometheusRows(series, total: total, client: client)
            let store = try Store(path: workdir + "/augur.sqlite")
            var limits = AugurConfig.Limits()
            limits.maxSamplesPerQuery = 50_000_000  // Prometheus' default --query.max-samples
            let augurRows = try await withBenchServer(store: store, limits: limits) { port in
                for chunk in stride(from: 0, to: series.count, by: 20) {
                    let body = Snappy.compress(RemoteWriteEncoder.encode(Array(series[chunk..<min(chunk + 20, series.count)])))
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/write")
                    request.method = .POST
                    request.headers.add(name: "Content-Encoding", value: "snappy")
                    request.headers.add(name: "Content-Type", value: "application/x-protobuf")
                    request.body = .bytes(body)
                    let response = try await client.execute(request, timeout: .seconds(120))
                    guard response.status.code == 204 else { throw ValidationError("Augur refused the remote-write: \(response.status.code)") }
                }
                try store.compact(force: true)
                return try await measure("http://127.0.0.1:\(port)", client: client)
            }
            let none = (p50: Double.nan, p99: Double.nan)
            print("query".padding(toLength: 52, withPad: " ", startingAt: 0) + "  Augur p50 / p99 ms     Prometheus p50 / p99 ms")
            for (q, (a, p)) in zip(queries, zip(augurRows, promRows.isEmpty ? Array(repeating: none, count: queries.count) : promRows)) {
                let augur = "\(format(a.p50 * 1000)) / \(format(a.p99 * 1000))".padding(toLength: 23, withPad: " ", startingAt: 0)
                print(q.name.padding(toLength: 52, withPad: " ", startingAt: 0) + "  " + augur + "\(format(p.p50 * 1000)) / \(format(p.p99 * 1000))")
            }
        }
    }

    /// Prometheus reads the data as blocks (promtool), as it would hold history.
    func prometheusRows(_ series: [Series], total: Int, client: HTTPClient) async throws -> [(p50: Double, p99: Double)] {
        var text = ""
        text.reserveCapacity(total * 64)
        for s in series {
            let name = s.labels.description
            for p in s.samples { text += "\(name) \(p.value) \(p.timestampMs / 1000)\n" }
        }
        try (text + "# EOF\n").write(toFile: workdir + "/data.om", atomically: false, encoding: .utf8)
        text = ""
        let tool = Process()
        tool.executableURL = URL(fileURLWithPath: (prometheus as NSString).deletingLastPathComponent + "/promtool")
        tool.arguments = ["tsdb", "create-blocks-from", "openmetrics", workdir + "/data.om", workdir + "/prometheus/data"]
        tool.standardOutput = FileHandle.nullDevice
        try tool.run()
        tool.waitUntilExit()
        guard tool.terminationStatus == 0 else { throw ValidationError("promtool tsdb create-blocks-from failed") }
        return try await withPrometheus(prometheus, dir: workdir + "/prometheus", arguments: ["--storage.tsdb.retention.time=100y"]) { port in
            try await measure("http://127.0.0.1:\(port)", client: client)
        }
    }

    /// Each query `runs` times, the whole answer read; p50 and p99 in seconds.
    func measure(_ base: String, client: HTTPClient) async throws -> [(p50: Double, p99: Double)] {
        var rows: [(Double, Double)] = []
        var points: [Int] = []
        for q in queries {
            var times: [Double] = []
            let e = q.expr.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            for _ in 0..<runs {
                var request = HTTPClientRequest(url: "\(base)/api/v1/query_range?query=\(e)&start=\(q.start)&end=\(Self.endSeconds)&step=\(q.step)")
                request.headers.add(name: "Accept-Encoding", value: "identity")
                let started = ContinuousClock.now
                let response = try await client.execute(request, timeout: .seconds(300))
                let body = try await response.body.collect(upTo: 1 << 30)
                guard response.status == .ok else { throw ValidationError("\(base) \(q.expr): \(response.status.code) \(String(buffer: body).prefix(300))") }
                times.append(seconds(ContinuousClock.now - started))
                if times.count == 1 { points.append(body.readableBytesView.reduce(0) { $1 == UInt8(ascii: "[") ? $0 + 1 : $0 }) }
            }
            times.sort()
            rows.append((times[times.count / 2], times[min(times.count - 1, Int((Double(times.count) * 0.99).rounded(.up)) - 1)]))
        }
        note("\(base): answers of \(points.map(String.init).joined(separator: ", ")) brackets")
        return rows
    }
}
