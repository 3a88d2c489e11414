import AugurApp
import AugurCore
import AugurDemo
import AugurIngest
import AugurLogs
import AugurRCA
import AugurStore
import AugurTestSupport
import Foundation
import Testing

@Suite struct RCAAPITests {
    /// The call graph from the configuration and from call-level metric labels (Istio's), with where
    /// each edge came from, as JSON and Graphviz DOT.
    @Test func graphComesFromConfigurationAndMetricLabels() async throws {
        try await withTestStore { store, path in
            let t: Int64 = 1_767_225_600_000
            let calls = [("productpage-v1", "reviews-v2"), ("reviews-v2", "ratings-v1"), ("unknown", "productpage-v1")]
            _ = try Ingestor(store: store).write(calls.map { from, to in
                Series(labels: Labels(name: "istio_requests_total", ["source_workload": from, "destination_workload": to, "response_code": "200"]), samples: [Sample(t, 1)])
            })
            var config = testConfig(path: path)
            config.graph.calls = [.init(from: "gateway", to: "productpage-v1")]
            try await withTestServer(config: config, store: store) { client in
                var edges: [[String: Any]] = []
                // Up to two minutes: the learning shares the background lane with every test server in the process.
                for _ in 0..<1200 where edges.count < 3 {
                    edges = (try await client.get("/api/v1/graph").json["edges"] as? [[String: Any]]) ?? []
                    if edges.count < 3 { try await Task.sleep(for: .milliseconds(100)) }
                }
                let described = Set(edges.map { "\($0["source"] as? String ?? "")>\($0["target"] as? String ?? "")@\($0["origin"] as? String ?? "")" })
                #expect(described == ["gateway>productpage-v1@config", "productpage-v1>reviews-v2@metrics", "reviews-v2>ratings-v1@metrics"], "the unknown source is no service: \(described)")
                let dot = try await client.get("/api/v1/graph?format=dot")
                #expect(dot.header("content-type") == "text/vnd.graphviz" && dot.text.contains(#""reviews-v2" -> "ratings-v1""#), "\(dot.text)")
            }
        }
    }

    /// With no graph configured and no call-level metric labels, the server learns the graph from the
    /// trace ids in its logs.
    @Test func graphIsLearnedFromTracesWhenNoneIsGiven() async throws {
        try await withTestStore { store, path in
            let now = WallClock.nowMs()
            var logs: [LogRecord] = []
            for k in 0..<5 {
                for (ms, service) in [(0, "frontend"), (10, "cart"), (40, "cart"), (100, "frontend")] {
                    logs.append(LogRecord(timestampNs: (now - 600_000 + Int64(k) * 1_000 + Int64(ms)) * 1_000_000, labels: Labels([("service", service)]),
                                          line: "step", traceId: "trace-\(k)"))
                }
            }
            _ = try LogPipeline(store: store).ingest(logs)
            try await withTestServer(config: testConfig(path: path), store: store) { client in
                var edges: [[String: Any]] = []
                for _ in 0..<1200 where edges.isEmpty {
                    edges = (try await client.get("/api/v1/graph").json["edges"] as? [[String: Any]]) ?? []
                    if edges.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
                }
                let described = edges.map { "\($0["source"] as? String ?? "")>\($0["target"] as? String ?? "")@\($0["origin"] as? String ?? "")" }
                #expect(described == ["frontend>cart@traces"], "\(described)")
            }
        }
    }

    /// With neither a graph, call-level labels nor traces, the server guesses the graph from the
    /// services whose metrics move together (both directions: correlation does not tell the caller).
    @Test func graphIsGuessedFromCorrelatedMetricsAsALastResort() async throws {
        try await withTestStore { store, path in
            let now = WallClock.nowMs()
            var rng = SplitMix64(seed: 3)
            var shared = 100.0, own = 100.0
            var samples: [String: [Sample]] = [:]
            for k in 0..<240 {
                shared = max(10, shared + 5 * rng.nextGaussian())
                own = max(10, own + 5 * rng.nextGaussian())
                let t = now - 3_600_000 + Int64(k) * 15_000
                for (service, load) in [("web", shared), ("api", 0.5 * shared), ("batch", own)] {
                    samples[service, default: []].append(Sample(t, load + rng.nextGaussian()))
                }
            }
            _ = try Ingestor(store: store).write(samples.map { Series(labels: Labels(name: "requests_per_second", ["service": $0.key]), samples: $0.value) })
            try await withTestServer(config: testConfig(path: path), store: store) { client in
                var edges: [[String: Any]] = []
                for _ in 0..<1200 where edges.isEmpty {
                    edges = (try await client.get("/api/v1/graph").json["edges"] as? [[String: Any]]) ?? []
                    if edges.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
                }
                let described = edges.map { "\($0["source"] as? String ?? "")>\($0["target"] as? String ?? "")@\($0["origin"] as? String ?? "")" }.sorted()
                #expect(described == ["api>web@correlation", "web>api@correlation"], "\(described)")
            }
        }
    }

    /// Change events through the real server: Augur's JSON and ArgoCD's webhook are stored and listed,
    /// bad ones are RFC 9457 problems naming the field, and RCA links the deploy its anomaly followed.
    @Test func changeEventsAreRecordedAndLinkedByRCA() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            var series: [Series] = []
            for (service, jump) in [("frontend", 0.0), ("checkout", 30.0), ("payment", 30.0)] {
                var rng = SplitMix64(seed: 2)  // the same noise: checkout and payment moved alike
                series.append(Series(labels: Labels(name: "cpu_usage", ["service": service]), samples: (-60..<10).map { k in
                    Sample(t + Int64(k) * 30_000, 10 + (k >= 0 ? jump : 0) + rng.nextGaussian())
                }))
            }
            _ = try Ingestor(store: store).write(series)
            try store.replaceEdges([GraphEdge(source: "frontend", target: "checkout", weight: 1, origin: "test"), GraphEdge(source: "checkout", target: "payment", weight: 1, origin: "test")], origin: "test")
            try await withTestServer(store: store) { client in
                let deploy = try await client.post("/api/v1/events", Array("{\"time\":\"\(Double(t - 3 * 60_000) / 1000)\",\"service\":\"payment\",\"kind\":\"deploy\",\"description\":\"payment v1.8.0\",\"labels\":{\"image\":\"payment:1.8.0\"}}".utf8))
                #expect(deploy.status == 201, "\(deploy.text)")
                let argo = """
                    {"app":"checkout","revision":"9f2c1e4b7a6d5c3e","phase":"Succeeded","namespace":"shop","finishedAt":"\(TimeParsing.rfc3339(t - 90 * 60_000))","repoURL":"https://git.example/shop.git","health":"Healthy"}
                    """
                let synced = try await client.post("/api/v1/events/argocd", Array(argo.utf8))
                #expect(synced.status == 201, "\(synced.text)")
                #expect((synced.json["data"] as? [String: Any])?["description"] as? String == "ArgoCD synced checkout to 9f2c1e4b7a6d (Succeeded)")
                let listed = (try await client.get("/api/v1/events?start=\(Double(t - 7_200_000) / 1000)&end=\(Double(t) / 1000)").json["data"] as? [[String: Any]]) ?? []
                #expect(listed.compactMap { $0["source"] as? String } == ["argocd", "api"], "oldest first: \(listed)")
                #expect(((try await client.get("/api/v1/events?service=payment&start=\(Double(t - 3_600_000) / 1000)&end=\(Double(t) / 1000)").json["data"] as? [[String: Any]]) ?? []).count == 1)

                let bad: [(String, String, String)] = [
                    ("/api/v1/events", "{\"kind\":\"deploy\"}", "service"),
                    ("/api/v1/events", "{\"service\":\"a\",\"kind\":\"rollout\"}", "kind"),
                    ("/api/v1/events", "{\"service\":\"a\",\"kind\":\"deploy\",\"time\":\"yesterday\"}", "time"),
                    ("/api/v1/events", "{\"service\":\"a\",\"kind\":\"deploy\",\"labels\":{\"n\":1}}", "labels"),
                    ("/api/v1/events/argocd", "{\"revision\":\"abc\"}", "app"),
                    ("/api/v1/events", "[1,2]", ""),
                ]
                for (path, body, field) in bad {
                    let r = try await client.post(path, Array(body.utf8))
                    #expect(r.status == 400 && r.header("content-type") == "application/problem+json", "\(body) → \(r.status)")
                    if !field.isEmpty { #expect(r.json["field"] as? String == field, "\(r.text)") }
                }
                #expect(((try await client.get("/api/v1/events?start=0").json["data"] as? [[String: Any]]) ?? []).count == 2, "nothing half-written")

                // Both moved; payment's deploy 3 minutes before its onset is a strong link, the checkout
                // sync 90 minutes before a weak one.
                let r = try await client.post("/api/v1/rca", Array("{\"time\":\"\(t)\",\"symptom\":{\"service\":\"frontend\"}}".utf8))
                let suspects = (r.json["data"] as? [String: Any])?["suspects"] as? [[String: Any]] ?? []
                #expect(suspects.first?["service"] as? String == "payment", "\(r.text)")
                let link = (suspects.first?["changes"] as? [[String: Any]])?.first
                #expect(link?["link"] as? String == "strong" && link?["lag_seconds"] as? Double == 180 && link?["description"] as? String == "payment v1.8.0", "\(String(describing: link))")
                let checkout = suspects.first { $0["service"] as? String == "checkout" }
                #expect((checkout?["changes"] as? [[String: Any]])?.first?["link"] as? String == "weak")
            }
        }
    }

    /// The demo system's injected incidents through the real server: the service at fault ranks
    /// first, and for the saturated pool the evidence names the pool.
    @Test func demoIncidentsAreFoundWithTheirEvidence() async throws {
        try await withTestStore { store, _ in
            // Generating and storing two days of the demo takes seconds: off the cooperative threads.
            let data = try await offPool {
                let data = DemoSystem(endMs: 1_767_225_600_000).generate()
                try Ingestor(store: store).write(data.series)
                try store.replaceEdges(data.edges, origin: "demo")
                _ = try LogPipeline(store: store).ingest(data.logs.map {
                    LogRecord(timestampNs: $0.ts * 1_000_000, labels: Labels([("service", $0.service), ("pod", $0.pod)]), line: $0.line)
                })
                try store.compact(force: true)
                return data
            }
            try await withTestServer(store: store) { client in
                var ranks: [String: Int] = [:]
                for scenario in data.scenarios {
                    let r = try await client.post("/api/v1/rca", Array("{\"time\":\"\(scenario.startMs)\",\"window\":\"10m\"}".utf8))
                    #expect(r.status == 200, "\(r.text)")
                    let suspects = (r.json["data"] as? [String: Any])?["suspects"] as? [[String: Any]] ?? []
                    let names = suspects.compactMap { $0["service"] as? String }
                    // The answer says what it looked at: at least the 10 minutes asked for, from the start.
                    let looked = (r.json["data"] as? [String: Any])?["looked_at"] as? [String: Any]
                    let window = looked?["window"] as? [String: Double]
                    #expect(window?["start"] == Double(scenario.startMs) / 1000 && (window?["end"] ?? 0) >= Double(scenario.startMs + 600_000) / 1000, "\(String(describing: looked))")
                    #expect((looked?["series"] as? Int ?? 0) > 0 && looked?["after_samples"] as? Int == RootCauseAnalyzer.defaultAfterSamples)
                    ranks[scenario.id] = (names.firstIndex(of: scenario.service) ?? 99) + 1
                    if scenario.kind == .poolSaturation {
                        let evidence = suspects.first { $0["service"] as? String == scenario.service }?["evidence"] as? [[String: Any]] ?? []
                        let series = evidence.compactMap { ($0["series"] as? [String: String])?["__name__"] }
                        #expect(series.contains { $0.hasPrefix("db_pool") }, "the pool is named: \(series)")
                        // Seen at the frontend: the chain walks the call graph down to the pool.
                        let seen = try await client.post("/api/v1/rca", Array("{\"time\":\"\(scenario.startMs)\",\"window\":\"10m\",\"symptom\":{\"service\":\"frontend\"}}".utf8))
                        let top = ((seen.json["data"] as? [String: Any])?["suspects"] as? [[String: Any]])?.first
                        let chain = top?["chain"] as? [String: Any]
                        #expect(chain?["path"] as? [String] == ["frontend", "checkout", "payment"], "\(String(describing: chain))")
                        let summary = chain?["summary"] as? String ?? ""
                        #expect(summary.hasPrefix("frontend ") && summary.contains("→ payment db_pool"), "\(summary)")
                    }
                }
                print("demo RCA ranks of the true service: \(ranks.sorted { $0.key < $1.key })")
                #expect(ranks.values.allSatisfy { $0 == 1 }, "\(ranks)")
                #expect(try await client.post("/api/v1/rca", Array("{\"time\":\"soon\"}".utf8)).status == 400)
            }
        }
    }
}
