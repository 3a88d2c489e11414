import AugurApp
import AugurCore
import AugurDemo
import AugurIngest
import AugurLogs
import AugurStore
import AugurTestSupport
import Foundation
import Hummingbird
import Synchronization
import Testing

/// A local webhook receiver: every POST body it got, by path.
final class WebhookReceiver: Sendable {
    let bodies = Mutex<[(path: String, body: String)]>([])

    func run<T: Sendable>(_ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/**") { request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            self.bodies.withLock { $0.append((request.uri.path, String(buffer: bytes))) }
            return Response(status: .ok)
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await app.runService(); return nil }
            var it = ports.makeAsyncIterator()
            guard let port = await it.next() else { throw TestFailure("receiver did not start") }
            let result = try await body(port)
            group.cancelAll()
            return result
        }
    }
}

@Suite(.serialized) struct IncidentAPITests {
    func alert(_ name: String, _ service: String, status: String = "firing", starts: Int64, ends: Int64? = nil, fingerprint: String) -> String {
        let endsAt = ends.map { "\"\(Date(timeIntervalSince1970: Double($0) / 1000).formatted(.iso8601))\"" } ?? "\"0001-01-01T00:00:00Z\""
        return "{\"status\":\"\(status)\",\"labels\":{\"alertname\":\"\(name)\",\"service\":\"\(service)\",\"severity\":\"critical\"},\"annotations\":{\"summary\":\"\(name) on \(service)\"},"
            + "\"startsAt\":\"\(Date(timeIntervalSince1970: Double(starts) / 1000).formatted(.iso8601))\",\"endsAt\":\(endsAt),\"fingerprint\":\"\(fingerprint)\"}"
    }

    func payload(_ alerts: String...) -> [UInt8] {
        Array("{\"version\":\"4\",\"groupKey\":\"{}:{}\",\"status\":\"firing\",\"receiver\":\"augur\",\"alerts\":[\(alerts.joined(separator: ","))]}".utf8)
    }

    /// A small system: web → api → db, and an unrelated batch job; api's latency jumps at t.
    func seed(_ store: Store, t: Int64) throws {
        try store.replaceEdges([GraphEdge(source: "web", target: "api", weight: 1, origin: "test"), GraphEdge(source: "api", target: "db", weight: 1, origin: "test")], origin: "test")
        var rng = SplitMix64(seed: 9)
        var series: [Series] = []
        for service in ["web", "api", "db", "batch"] {
            let samples = stride(from: t - 3_600_000, through: t + 20 * 60_000, by: 60_000).map { ts in
                Sample(ts, (service == "db" && ts >= t ? 2.0 : 0.1) + 0.005 * rng.nextGaussian())
            }
            series.append(Series(labels: Labels(name: "http_request_duration_seconds", ["service": service, "quantile": "0.5"]), samples: samples))
        }
        _ = try Ingestor(store: store).write(series)
    }

    func noRules(_ path: String) -> AugurConfig {
        var c = testConfig(path: path)
        c.incidents.rules = []
        return c
    }

    @Test func alertmanagerDeliveriesOpenJoinAndCloseIncidentsOnce() async throws {
        try await withTestStore { store, path in
            let t = WallClock.nowMs() - 3_600_000
            try seed(store, t: t)
            try await withTestServer(config: noRules(path), store: store) { client in
                // The database was deployed just before its latency rose: the report's chain says so.
                let deploy = try await client.post("/api/v1/events", Array("{\"time\":\"\(t - 60_000)\",\"service\":\"db\",\"kind\":\"deploy\",\"description\":\"db 15.2\"}".utf8))
                #expect(deploy.status == 201)
                let first = try await client.post("/api/v1/alerts/alertmanager", payload(alert("HighLatency", "web", starts: t + 120_000, fingerprint: "f1")))
                #expect(first.status == 200, "\(first.text)")
                #expect(((first.json["data"] as? [String: Any])?["opened"] as? [Int])?.count == 1)
                // Alertmanager retries: the same alert again changes nothing.
                let again = try await client.post("/api/v1/alerts/alertmanager", payload(alert("HighLatency", "web", starts: t + 120_000, fingerprint: "f1")))
                #expect((again.json["data"] as? [String: Any])?["duplicates"] as? Int == 1)
                // A neighbour in the call graph joins; an unrelated service opens its own incident.
                let joined = try await client.post("/api/v1/alerts/alertmanager", payload(alert("HighLatency", "api", starts: t + 180_000, fingerprint: "f2"),
                                                                                        alert("JobSlow", "batch", starts: t + 190_000, fingerprint: "f3")))
                let data = joined.json["data"] as? [String: Any]
                #expect((data?["joined"] as? [Int])?.count == 1 && (data?["opened"] as? [Int])?.count == 1, "\(joined.text)")
                var list = (try await client.get("/api/v1/incidents").json["data"] as? [[String: Any]]) ?? []
                #expect(list.count == 2)
                let web = try #require(list.first { $0["service"] as? String == "web" })
                let id = try #require(web["id"] as? Int)
                #expect(web["top_suspect"] as? String == "db", "RCA at the onset names the database: \(web)")
                let md = try await client.get("/api/v1/incidents/\(id)/report.md").text
                #expect(md.contains("db: deploy of db (db 15.2)") && md.contains("strong link"), "\(md)")

                // Resolutions close the incident once both of its alerts resolved.
                _ = try await client.post("/api/v1/alerts/alertmanager", payload(alert("HighLatency", "web", status: "resolved", starts: t + 120_000, ends: t + 900_000, fingerprint: "f1")))
                #expect((try await client.get("/api/v1/incidents/\(id)").json["data"] as? [String: Any]).flatMap { ($0["incident"] as? [String: Any])?["status"] as? String } == "open")
                _ = try await client.post("/api/v1/alerts/alertmanager", payload(alert("HighLatency", "api", status: "resolved", starts: t + 180_000, ends: t + 960_000, fingerprint: "f2")))
                let detail = try #require(try await client.get("/api/v1/incidents/\(id)").json["data"] as? [String: Any])
                #expect((detail["incident"] as? [String: Any])?["status"] as? String == "resolved")
                let kinds = (detail["timeline"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
                #expect(kinds.filter { $0 == "alert-fired" }.count == 2 && kinds.contains("rca") && kinds.contains("resolved"), "\(kinds)")
                // Both RCA runs are kept (the open and the join).
                #expect((detail["analyses"] as? [[String: Any]])?.count == 2)

                // Feedback, acknowledgement and the figures on /metrics.
                #expect(try await client.post("/api/v1/incidents/\(id)/feedback", Array("{\"cause\":\"db\"}".utf8)).status == 200)
                #expect(try await client.post("/api/v1/incidents/999/acknowledge", []).status == 404)
                let metrics = try await client.get("/metrics").text
                #expect(metrics.contains("augur_incident_mttr_seconds 840"), "MTTR of the resolved incident: 14 minutes")
                #expect(metrics.contains("augur_incident_mttr_window_seconds{window=\"7d\"} 840") && metrics.contains("augur_incident_mttr_window_seconds{window=\"28d\"} 840"))
                #expect(metrics.contains("augur_rca_accuracy_at1 1"))

                // Manual incidents.
                let manual = try await client.post("/api/v1/incidents", Array("{\"service\":\"api\",\"description\":\"checkout slow for EU users\",\"time\":\"\(t + 60_000)\"}".utf8))
                #expect(manual.status == 201 && manual.header("location")?.hasPrefix("/api/v1/incidents/") == true, "\(manual.text)")
                list = (try await client.get("/api/v1/incidents").json["data"] as? [[String: Any]]) ?? []
                #expect(list.count == 3)
                #expect(try await client.post("/api/v1/incidents", Array("{\"description\":\"x\"}".utf8)).status == 400)

                // Bad payloads: problems naming the field, and nothing written (the valid first alert neither).
                let bad: [(String, String)] = [
                    ("{\"version\":\"3\",\"alerts\":[]}", "version"),
                    ("{\"version\":\"4\",\"alerts\":[]}", "alerts"),
                    (String(decoding: payload(alert("A", "web", starts: t, fingerprint: "n1"), "{\"status\":\"firing\",\"labels\":{\"alertname\":\"B\"}}"), as: UTF8.self), "alerts[1].startsAt"),
                    ("{\"version\":\"4\",\"alerts\":[{\"status\":\"burning\",\"labels\":{\"alertname\":\"C\"},\"startsAt\":\"2026-01-01T00:00:00Z\"}]}", "alerts[0].status"),
                    ("not json", ""),
                ]
                for (body, field) in bad {
                    let r = try await client.post("/api/v1/alerts/alertmanager", Array(body.utf8))
                    #expect(r.status == 400 && r.header("content-type") == "application/problem+json", "\(body) → \(r.status)")
                    if !field.isEmpty { #expect(r.json["field"] as? String == field, "\(r.text)") }
                }
                #expect(((try await client.get("/api/v1/incidents").json["data"] as? [[String: Any]]) ?? []).count == 3)
            }
        }
    }

    /// The demo system with nothing but the built-in rules: its incidents open by themselves, name
    /// the injected cause, and their reports carry the chain down to the pool's limit. Notifications
    /// reach a local receiver in both formats.
    @Test func demoIncidentsOpenFromTheBuiltInRules() async throws {
        try await withTestStore { store, path in
            // Generating and storing two days of the demo takes seconds: off the cooperative threads.
            let data = try await offPool {
                let data = DemoSystem(endMs: WallClock.nowMs()).generate()
                try Ingestor(store: store).write(data.series)
                try store.replaceEdges(data.edges, origin: "demo")
                _ = try LogPipeline(store: store).ingest(data.logs.map {
                    LogRecord(timestampNs: $0.ts * 1_000_000, labels: Labels([("service", $0.service), ("pod", $0.pod), ("level", $0.level)]), line: $0.line)
                })
                try store.compact(force: true)
                return data
            }
            let receiver = WebhookReceiver()
            try await receiver.run { port in
                var config = testConfig(path: path)
                config.incidents.notify = [.init(url: "http://127.0.0.1:\(port)/generic"), .init(url: "http://127.0.0.1:\(port)/slack", format: "slack")]
                try await withTestServer(config: config, store: store) { client in
                    // The rules' first evaluation delivers the history's alerts as one batch, analysed and
                    // notified before it counts as done on /metrics.
                    var evaluated = false
                    for _ in 0..<3000 where !evaluated {
                        evaluated = try await client.get("/metrics").text.contains("augur_rule_evaluations_total{result=\"ok\"} ")
                        if !evaluated { try await Task.sleep(for: .milliseconds(100)) }
                    }
                    #expect(evaluated, "the rules' first evaluation did not finish within 5 minutes")
                    let incidents = (try await client.get("/api/v1/incidents").json["data"] as? [[String: Any]]) ?? []
                    #expect(incidents.count >= 3, "\(incidents) \(data.scenarios)")
                    for scenario in data.scenarios where scenario.kind != .cpuStress {
                        let match = incidents.first {
                            let started = Int64(($0["started"] as? Double ?? 0) * 1000)
                            return started >= scenario.startMs && started <= scenario.endMs + 600_000
                        }
                        #expect(match?["top_suspect"] as? String == scenario.service, "\(scenario.id): \(String(describing: match))")
                    }
                    #expect(incidents.allSatisfy { $0["source"] as? String == "rule" })
                    let pool = try #require(incidents.first { $0["top_suspect"] as? String == "payment" })
                    let id = try #require(pool["id"] as? Int)
                    let md = try await client.get("/api/v1/incidents/\(id)/report.md")
                    #expect(md.header("content-type")?.hasPrefix("text/markdown") == true)
                    #expect(md.text.contains("Call path: frontend → checkout → payment"), "\(md.text)")
                    #expect(md.text.contains("db_pool_active_connections reached db_pool_max_connections = 20"))
                    #expect(md.text.contains("## Postmortem (draft)"))
                    #expect(md.text.contains("## Charts") && md.text.contains("where the forecast's 95 % interval was"), "charts with their forecast band")
                    for incident in incidents {
                        let html = try await client.get("/api/v1/incidents/\(incident["id"] as? Int ?? 0)/report.html").text
                        #expect(html.hasPrefix("<!doctype html>") && html.contains("<svg") && !html.contains("<script"))
                    }
                    let poolPage = try await client.get("/api/v1/incidents/\(id)/report.html").text
                    #expect(poolPage.contains("<polygon") && poolPage.contains("95 % forecast interval"), "the forecast band behind the actual values")
                    let bodies = receiver.bodies.withLock { $0 }
                    #expect(bodies.filter { $0.path == "/generic" }.count == incidents.count)
                    let slack = try #require(bodies.first { $0.path == "/slack" })
                    #expect(slack.body.hasPrefix("{\"text\":") && slack.body.contains("/incidents/"))
                }
            }
        }
    }
}

/// The pages in Debian's headless Chromium, opened from the real server: the content is there, the
/// feedback form works without script, and screenshots are kept as test artefacts.
@Suite struct IncidentPageTests {
    static let chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    func chromium(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.chromiumPath!)
        // Root in CI containers needs --no-sandbox; a throwaway profile keeps runs apart.
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(NSTemporaryDirectory())augur-chromium-\(UUID().uuidString)"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.enabled(if: IncidentPageTests.chromiumPath != nil, "Debian's chromium is not installed (scripts/bootstrap installs it)"))
    func pagesRenderInHeadlessChromium() async throws {
        try await withTestStore { store, path in
            let t = WallClock.nowMs() - 3_600_000
            let fixture = IncidentAPITests()
            try fixture.seed(store, t: t)
            try await withTestServer(config: fixture.noRules(path), store: store) { client in
                let r = try await client.post("/api/v1/alerts/alertmanager", fixture.payload(fixture.alert("HighLatency", "web", starts: t + 120_000, fingerprint: "p1")))
                let id = try #require(((r.json["data"] as? [String: Any])?["opened"] as? [Int])?.first)
                let artefacts = repositoryRoot + "/.build/test-artifacts"
                try FileManager.default.createDirectory(atPath: artefacts, withIntermediateDirectories: true)

                let list = try chromium(["--dump-dom", "\(client.base)/incidents"])
                #expect(list.contains("<h1>Incidents</h1>") && list.contains("HighLatency on web") && list.contains("MTTR by week") && list.contains("Time to resolve"), "\(list.prefix(400))")
                let page = try chromium(["--dump-dom", "\(client.base)/incidents/\(id)"])
                for part in ["Incident #\(id)", "Suspects", "Evidence chain", "Dependency graph", "<svg", "Timeline", "Postmortem (draft)", "Confirm root cause"] {
                    #expect(page.contains(part), "the report page shows \(part)")
                }
                #expect(page.contains("<td>db</td>"), "the database is among the suspects")
                for (name, url) in [("incidents", "/incidents"), ("incident-\(id)", "/incidents/\(id)")] {
                    _ = try chromium(["--window-size=1200,1400", "--screenshot=\(artefacts)/\(name).png", client.base + url])
                    let size = (try? FileManager.default.attributesOfItem(atPath: "\(artefacts)/\(name).png")[.size] as? Int) ?? 0
                    #expect(size > 10_000, "screenshot \(name).png written (\(size) bytes)")
                }
                print("screenshots: \(artefacts)/incidents.png, \(artefacts)/incident-\(id).png")

                // The page's form posts without script: a 303 back to the page (the client follows it), which shows the cause.
                let form = try await client.request("POST", "/incidents/\(id)/feedback", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Array("cause=db".utf8))
                #expect(form.status == 200 && form.text.contains("Root cause confirmed by the operator: <strong>db</strong>"), "\(form.status)")
                let detail = try await client.get("/api/v1/incidents/\(id)").json["data"] as? [String: Any]
                #expect((detail?["incident"] as? [String: Any])?["confirmed_cause"] as? String == "db")
            }
        }
    }
}
