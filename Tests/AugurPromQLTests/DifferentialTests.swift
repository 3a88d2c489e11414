import AugurCore
import AugurIngest
import AugurStore
import AugurTestSupport
import Foundation
import Testing

/// Same data into Debian's Prometheus and into Augur, the same PromQL to both, the same answers back:
/// label sets exactly, values within 1e-9 relative, errors of the same type.
@Suite(.serialized) struct DifferentialTests {
    static let prometheus = "/usr/bin/prometheus", promtool = "/usr/bin/promtool"
    static var installed: Bool { FileManager.default.isExecutableFile(atPath: prometheus) && FileManager.default.isExecutableFile(atPath: promtool) }

    static let t0 = DifferentialData.startSeconds
    /// Instant-query times: mid-data, inside instance c's gap at the look-back's edge, just after instance d
    /// stopped, after it went stale, and past the end.
    /// stopped, after it went stale, past the end, and just after and well after a staleness marker.
    static let instantTimes: [Int64] = [t0 + 1800, t0 + 2700, t0 + 2707, t0 + 3607, t0 + 3950, t0 + 7200 + 120, t0 + 7200 + 665, t0 + 7200 + 1500]
    static let ranges: [(start: Int64, end: Int64, step: Int64)] = [(t0 + 600, t0 + 7200, 60), (t0 + 317, t0 + 7400, 37), (t0 + 7200, t0 + 9000, 30)]

    @Test(.enabled(if: installed, "Debian's prometheus and promtool are not installed (apt-get install prometheus): differential PromQL test skipped"))
    func augurAnswersAsPrometheusDoes() async throws {
        let data = DifferentialData.series()
        try await withTemporaryDirectory { dir in
            try DifferentialData.openMetrics(data).write(toFile: dir + "/data.om", atomically: true, encoding: .utf8)
            try await run(Self.promtool, ["tsdb", "create-blocks-from", "openmetrics", dir + "/data.om", dir + "/tsdb"])
            try "global: {}\n".write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
            let port = try freeLoopbackPort()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.prometheus)
            p.arguments = ["--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/tsdb", "--web.listen-address=127.0.0.1:\(port)", "--web.enable-remote-write-receiver",
                           "--storage.tsdb.retention.time=100y", "--log.level=error"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            defer { p.terminate(); p.waitUntilExit() }
            let prom = TestClient(port: port)
            try await waitUntilReady(prom)
            let staleWrite = Snappy.compress(RemoteWriteEncoder.encode(DifferentialData.staleSeries()))
            let remoteWrite = ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf", "X-Prometheus-Remote-Write-Version": "0.1.0"]
            let written = try await prom.post("/api/v1/write", staleWrite, headers: remoteWrite)
            try #require(written.status == 204, "Prometheus refused the remote-write: \(written.status) \(written.text)")
            try await withTestStore { store, _ in
                try await withTestServer(store: store) { augur in
                    for s in data {
                        let r: TestClient.Reply
                        do { r = try await augur.post("/api/v1/import/prometheus", Array(DifferentialData.exposition(s).utf8)) } catch { throw TestFailure("import of \(s.labels): \(error)") }
                        try #require(r.status == 200, "import: \(r.text)")
                    }
                    let augurWritten = try await augur.post("/api/v1/write", staleWrite, headers: remoteWrite)
                    try #require(augurWritten.status == 204, "Augur refused the remote-write: \(augurWritten.text)")
                    var mismatches: [String] = []
                    var answered = Set<String>()  // expressions with a non-empty answer somewhere: the test is not vacuous
                    let panels = try Self.dashboardQueries()
                    for expr in PromQLCorpus.expressions + panels {
                        for path in Self.queries(expr) {
                            let a: TestClient.Reply, b: TestClient.Reply
                            do { a = try await prom.get(path, headers: ["Accept-Encoding": "identity"]) } catch { throw TestFailure("Prometheus \(path): \(String(reflecting: error)) \(type(of: error))") }
                            do { b = try await augur.get(path) } catch { throw TestFailure("Augur \(path): \(error)") }
                            if Self.nonEmpty(a) { answered.insert(expr) }
                            if let why = Self.difference(expr, prometheus: a, augur: b) {
                                mismatches.append("\(expr) [\(path.prefix(28))…]: \(why.prefix(400))")
                                break  // one answer per expression is enough to show
                            }
                        }
                    }
                    print("differential PromQL: \(PromQLCorpus.expressions.count) expressions and \(panels.count) dashboard queries × \(Self.queries("x").count) queries, \(answered.count) with non-empty answers, \(mismatches.count) differ")
                    #expect(answered.count >= 150, "only \(answered.count) expressions have a non-empty answer")
                    let report = mismatches.prefix(40).joined(separator: "\n")
                    #expect(mismatches.isEmpty, "\(mismatches.count) of \(PromQLCorpus.expressions.count) expressions answer differently:\n\(report)")
                }
            }
        }
    }

    /// Every panel query of the Grafana dashboard Augur ships, its `$metric` set to a series of the data.
    static func dashboardQueries() throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/server/grafana/augur.json"))
        let dashboard = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let panels = dashboard["panels"] as? [[String: Any]] ?? []
        let exprs = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(exprs.count >= 10, "the dashboard has \(exprs.count) queries")
        return exprs.map { $0.replacingOccurrences(of: "$metric", with: "memory_bytes") }
    }

    static func queries(_ expr: String) -> [String] {
        instantTimes.map { "/api/v1/query?query=\(q(expr))&time=\($0)" }
            + ranges.map { "/api/v1/query_range?query=\(q(expr))&start=\($0.start)&end=\($0.end)&step=\($0.step)" }
    }

    private func waitUntilReady(_ client: TestClient) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let r = try? await client.get("/-/ready"), r.status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("Prometheus did not become ready within 60 s")
    }

    private func run(_ tool: String, _ args: [String]) async throws {
        let r = try await runProcess(tool, args)
        guard r.status == 0 else { throw TestFailure("\(tool) \(args.joined(separator: " ")) failed: \(r.err)") }
    }

    // MARK: Comparing answers

    static func nonEmpty(_ r: TestClient.Reply) -> Bool {
        guard let data = r.json["data"] as? [String: Any] else { return false }
        if let list = data["result"] as? [Any], !list.isEmpty, !(data["resultType"] as? String == "scalar") { return true }
        return data["resultType"] as? String == "scalar" || data["resultType"] as? String == "string"
    }

    /// Why two answers differ, or nil when they agree.
    static func difference(_ expr: String, prometheus a: TestClient.Reply, augur b: TestClient.Reply) -> String? {
        let ja = a.json, jb = b.json
        guard let sa = ja["status"] as? String else { return "Prometheus answered \(a.status) \(a.text.prefix(200))" }
        guard let sb = jb["status"] as? String else { return "Augur answered \(b.status) without a status string: \(b.text.prefix(200))" }
        if sa == "error" || sb == "error" {
            guard sa == sb else { return "Prometheus: \(sa) \(a.text.prefix(300)); Augur: \(sb) \(b.text.prefix(300))" }
            let (ea, eb) = (ja["errorType"] as? String ?? "", jb["errorType"] as? String ?? "")
            return ea == eb && a.status == b.status ? nil : "error types differ: \(a.status) \(ea) vs \(b.status) \(eb) (\(jb["error"] ?? ""))"
        }
        let (da, db) = (ja["data"] as? [String: Any] ?? [:], jb["data"] as? [String: Any] ?? [:])
        guard let ta = da["resultType"] as? String, ta == db["resultType"] as? String else { return "result types differ: \(da["resultType"] ?? "") vs \(db["resultType"] ?? "")" }
        switch ta {
        case "scalar", "string":
            return point(da["result"], db["result"])
        case "vector":
            let (va, vb) = (da["result"] as? [[String: Any]] ?? [], db["result"] as? [[String: Any]] ?? [])
            guard va.count == vb.count else { return "\(va.count) vs \(vb.count) elements: \(labelSets(va)) vs \(labelSets(vb))" }
            let ordered = expr.hasPrefix("sort")
            let (xa, xb) = ordered ? (va, vb) : (sorted(va), sorted(vb))
            for (x, y) in zip(xa, xb) {
                guard (x["metric"] as? [String: String]) == (y["metric"] as? [String: String]) else { return "labels differ: \(x["metric"] ?? "") vs \(y["metric"] ?? "")" }
                if let why = point(x["value"], y["value"]) { return "\(x["metric"] ?? ""): \(why)" }
            }
            return nil
        default:
            let (ma, mb) = (sorted(da["result"] as? [[String: Any]] ?? []), sorted(db["result"] as? [[String: Any]] ?? []))
            guard ma.count == mb.count else { return "\(ma.count) vs \(mb.count) series: \(labelSets(ma)) vs \(labelSets(mb))" }
            for (x, y) in zip(ma, mb) {
                guard (x["metric"] as? [String: String]) == (y["metric"] as? [String: String]) else { return "labels differ: \(x["metric"] ?? "") vs \(y["metric"] ?? "")" }
                let (pa, pb) = (x["values"] as? [Any] ?? [], y["values"] as? [Any] ?? [])
                guard pa.count == pb.count else { return "\(x["metric"] ?? ""): \(pa.count) vs \(pb.count) points" }
                for (p, r) in zip(pa, pb) { if let why = point(p, r) { return "\(x["metric"] ?? ""): \(why)" } }
            }
            return nil
        }
    }

    private static func labelSets(_ v: [[String: Any]]) -> String {
        v.prefix(6).map { ($0["metric"] as? [String: String]).map { Labels($0.map { ($0.key, $0.value) }).description } ?? "?" }.joined(separator: " ")
    }

    private static func sorted(_ v: [[String: Any]]) -> [[String: Any]] {
        v.sorted { key($0) < key($1) }
    }

    private static func key(_ e: [String: Any]) -> Labels { Labels((e["metric"] as? [String: String] ?? [:]).map { ($0.key, $0.value) }) }

    /// `[t, "v"]` pairs: the same time, and values equal within 1e-9 relative (NaN equals NaN).
    private static func point(_ a: Any?, _ b: Any?) -> String? {
        guard let x = a as? [Any], let y = b as? [Any], x.count == 2, y.count == 2 else { return "malformed point" }
        guard let tx = (x[0] as? NSNumber)?.doubleValue, let ty = (y[0] as? NSNumber)?.doubleValue, tx == ty else { return "times differ: \(x[0]) vs \(y[0])" }
        guard let vx = x[1] as? String, let vy = y[1] as? String else { return "values are not strings" }
        if vx == vy { return nil }
        guard let dx = Double(vx.replacingOccurrences(of: "Inf", with: "inf")), let dy = Double(vy.replacingOccurrences(of: "Inf", with: "inf")) else { return "values \(vx) vs \(vy)" }
        if dx.isNaN && dy.isNaN { return nil }
        if dx == dy { return nil }
        let scale = Swift.max(abs(dx), abs(dy))
        return abs(dx - dy) <= 1e-9 * scale ? nil : "at \(x[0]): \(vx) vs \(vy)"
    }
}
