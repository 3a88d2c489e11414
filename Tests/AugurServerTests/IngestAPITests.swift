import AugurCore
import AugurIngest
import AugurStore
import AugurTestSupport
import Foundation
import Testing

@Suite struct IngestAPITests {
    let rw = ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf", "X-Prometheus-Remote-Write-Version": "0.1.0"]

    @Test func remoteWriteThenQueryRangeAndSeries() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                let base: Int64 = 1_700_000_000_000
                let series = (0..<3).map { i in syntheticSeries(Labels(name: "cpu", ["pod": "p\(i)"]), startMs: base, count: 120, seed: UInt64(i)) }
                let reply = try await client.post("/api/v1/write", Snappy.compress(RemoteWriteEncoder.encode(series)), headers: rw)
                #expect(reply.status == 204)

                let r = try await client.get("/api/v1/query_range?query=\(q(#"cpu{pod=~"p[01]"}"#))&start=\(base / 1000)&end=\(base / 1000 + 1785)&step=15s")
                #expect(r.status == 200)
                let data = r.json["data"] as? [String: Any]
                #expect(data?["resultType"] as? String == "matrix")
                let result = data?["result"] as? [[String: Any]] ?? []
                #expect(result.count == 2)
                let values = result.first?["values"] as? [[Any]] ?? []
                #expect(values.count == 120)
                #expect(values.first?[1] as? String == PrometheusValue(series[0].samples[0].value))

                let s = try await client.get("/api/v1/series?match[]=\(q("cpu"))&match[]=\(q("nothing"))")
                #expect((s.json["data"] as? [[String: String]])?.count == 3)

                let form = try await client.post("/api/v1/query_range", Array("query=cpu&start=\(base / 1000)&end=\(base / 1000 + 60)&step=15".utf8),
                                                 headers: ["Content-Type": "application/x-www-form-urlencoded"])
                #expect(((form.json["data"] as? [String: Any])?["result"] as? [Any])?.count == 3)

                let names = try await client.get("/api/v1/label/pod/values")
                #expect(names.json["data"] as? [String] == ["p0", "p1", "p2"])
            }
        }
    }

    @Test func textAndJSONImport() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                let t = try await client.post("/api/v1/import/prometheus", Array("# TYPE a gauge\na{x=\"1\"} 5 1700000000000\na{x=\"2\"} 6\n".utf8))
                #expect(t.status == 200)
                #expect(t.json["samples"] as? Int == 2)
                let j = try await client.post("/api/v1/import/json", Array("{\"metric\":{\"__name__\":\"b\"},\"values\":[1,\"NaN\"],\"timestamps\":[1700000000000,1700000015000]}\n".utf8))
                #expect(j.status == 200)
                let v = try await client.get("/api/v1/query?query=b&time=1700000015")
                let result = (v.json["data"] as? [String: Any])?["result"] as? [[String: Any]]
                #expect((result?.first?["value"] as? [Any])?[1] as? String == "NaN")
            }
        }
    }

    @Test(arguments: BadInputCorpus.cases)
    func badInputGetsAProblemAndChangesNothing(_ bad: BadInput) async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                // A good write first, so "unchanged" is checked against a non-empty store.
                _ = try await client.post("/api/v1/import/prometheus", Array("seed 1 1700000000000\n".utf8))
                let before = store.stats()
                let reply = try await client.post(bad.path, bad.body, headers: bad.headers)
                #expect(reply.status == bad.status, "\(bad.name): \(reply.text)")
                #expect(reply.header("Content-Type") == "application/problem+json")
                let problem = reply.json
                #expect(problem["status"] as? Int == bad.status)
                #expect((problem["detail"] as? String)?.isEmpty == false)
                for (k, v) in bad.members { #expect("\(problem[k] ?? "missing")" == v, "\(bad.name): \(k) in \(reply.text)") }
                let after = store.stats()
                #expect(after.samples == before.samples && after.series == before.series, "\(bad.name) changed the store")
            }
        }
    }

    @Test func oversizedBodyIs413AndUnknownRouteIs404() async throws {
        try await withTestStore { store, path in
            var config = testConfig(path: path)
            config.server.maxBodyBytes = 4096
            try await withTestServer(config: config, store: store) { client in
                let big = try await client.post("/api/v1/import/prometheus", Array(repeating: UInt8(ascii: "#"), count: 10_000))
                #expect(big.status == 413)
                #expect(big.header("Content-Type") == "application/problem+json")
                let missing = try await client.get("/api/v1/nothing")
                #expect(missing.status == 404)
                #expect(missing.json["title"] as? String == "Not found")
                // Prometheus' own routes answer errors in Prometheus' shape, which promtool and Grafana read.
                let badQuery = try await client.get("/api/v1/query_range?query=\(q("sum(rate(x[5m])"))&start=0&end=1&step=1")
                #expect(badQuery.status == 400)
                #expect(badQuery.json["status"] as? String == "error")
                #expect(badQuery.json["errorType"] as? String == "bad_data")
                #expect((badQuery.json["error"] as? String)?.contains("parse error") == true)
                let noStep = try await client.get("/api/v1/query_range?query=x&start=0&end=1")
                #expect(noStep.status == 400)
            }
        }
    }

    @Test func tokensSeparateReadAndWrite() async throws {
        try await withTestStore { store, path in
            var config = testConfig(path: path)
            config.server.readToken = "r-token"
            config.server.writeToken = "w-token"
            try await withTestServer(config: config, store: store) { client in
                let body = Array("up 1\n".utf8)
                #expect(try await client.post("/api/v1/import/prometheus", body).status == 401)
                #expect(try await client.post("/api/v1/import/prometheus", body, headers: ["Authorization": "Bearer nope"]).status == 401)
                #expect(try await client.post("/api/v1/import/prometheus", body, headers: ["Authorization": "Bearer r-token"]).status == 403)
                #expect(try await client.post("/api/v1/import/prometheus", body, headers: ["Authorization": "Bearer w-token"]).status == 200)
                #expect(try await client.get("/api/v1/series?match[]=up").status == 401)
                #expect(try await client.get("/api/v1/series?match[]=up", headers: ["Authorization": "Bearer w-token"]).status == 403)
                #expect(try await client.get("/api/v1/series?match[]=up", headers: ["Authorization": "Bearer r-token"]).status == 200)
                #expect(try await client.get("/metrics").status == 401)
                #expect(try await client.get("/healthz").status == 200)
                #expect(try await client.get("/readyz").status == 200)
                let denied = try await client.get("/api/v1/labels")
                #expect(denied.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
                #expect(denied.header("Content-Type") == "application/json")
                #expect(denied.json["status"] as? String == "error")
                let deniedOwn = try await client.get("/api/v1/incidents")
                #expect(deniedOwn.header("Content-Type") == "application/problem+json")
            }
        }
    }

    @Test func ownMetricsAndGraph() async throws {
        try await withTestStore { store, _ in
            try store.replaceEdges([GraphEdge(source: "frontend", target: "checkout", origin: "dependency.csv")], origin: "dependency.csv")  // imported: config edges belong to the configuration
            try await withTestServer(store: store) { client in
                _ = try await client.post("/api/v1/import/prometheus", Array("a 1\nb 2\n".utf8))
                let m = try await client.get("/metrics")
                #expect(m.text.contains("augur_ingested_samples_total 2"))
                #expect(m.text.contains("augur_database_size_bytes "))
                #expect(m.text.contains("augur_http_request_duration_seconds_bucket{route=\"/api/v1/import/prometheus\",method=\"POST\",le=\"+Inf\"} 1"))
                let g = try await client.get("/api/v1/graph")
                #expect((g.json["edges"] as? [[String: Any]])?.first?["source"] as? String == "frontend")
                let dot = try await client.get("/api/v1/graph?format=dot")
                #expect(dot.text.contains("\"frontend\" -> \"checkout\""))
            }
        }
    }

    @Test func scrapesConfiguredTargets() async throws {
        // Augur scrapes a second Augur's /metrics in the text format (pull mode).
        try await withTestStore { target, _ in
            try await withTestServer(store: target) { targetClient in
                try await withTemporaryDirectory { dir in
                    let store = try Store(path: dir + "/s.sqlite")
                    var config = testConfig(path: store.path)
                    config.scrape = [AugurConfig.ScrapeJob(job: "augur", targets: ["127.0.0.1:\(targetClient.port)"], interval: ConfigDuration(seconds: 1))]
                    try await withTestServer(config: config, store: store) { client in
                        // A bound for a loaded CI machine (other suites' setup holds the shared threads), not a timing.
                        let deadline = ContinuousClock.now + .seconds(60)
                        var found = 0
                        while ContinuousClock.now < deadline && found == 0 {
                            let r = try await client.get("/api/v1/series?match[]=\(q(#"augur_series{job="augur"}"#))")
                            found = (r.json["data"] as? [Any])?.count ?? 0
                            if found == 0 { try await Task.sleep(for: .milliseconds(200)) }
                        }
                        #expect(found == 1)
                        let up = try await client.get("/api/v1/query?query=\(q(#"up{job="augur"}"#))")
                        #expect(up.text.contains("\"1\""))
                    }
                }
            }
        }
    }
}

/// Prometheus' rendering of a value in query results.
func PrometheusValue(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
}

