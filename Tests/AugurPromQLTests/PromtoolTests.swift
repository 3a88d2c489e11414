import AugurCore
import AugurIngest
import AugurTestSupport
import Foundation
import Testing

/// promtool, Prometheus' own client, against Augur: every query command succeeds, and a refused query
/// shows Augur's message (which promtool can only read from Prometheus' error shape).
@Suite struct PromtoolTests {
    static let promtool = "/usr/bin/promtool"

    func run(_ args: [String]) async throws -> (status: Int32, out: String, err: String) {
        try await runProcess(Self.promtool, args)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: promtool), "Debian's promtool is not installed (apt-get install prometheus): promtool test skipped"))
    func promtoolQueriesAugur() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                let now = WallClock.nowMs() / 1000 * 1000
                let series = ["api", "db"].map { service in
                    Series(labels: Labels(name: "http_requests_total", ["service": service, "job": "web"]),
                           samples: (0..<120).map { Sample(now - Int64(119 - $0) * 15_000, Double($0 * (service == "api" ? 10 : 3))) })
                }
                let written = try await client.post("/api/v1/write", Snappy.compress(RemoteWriteEncoder.encode(series)),
                                                    headers: ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"])
                try #require(written.status == 204)
                let url = client.base
                let instant = try await run(["query", "instant", url, "sum by (service) (rate(http_requests_total[5m]))"])
                #expect(instant.status == 0, "\(instant.err)")
                #expect(instant.out.contains("{service=\"api\"} => 0.6") && instant.out.contains("{service=\"db\"} => 0.2"), "\(instant.out)")
                let range = try await run(["query", "range", "--start=\(now / 1000 - 600)", "--end=\(now / 1000)", "--step=60s", url, "sum(rate(http_requests_total[5m]))"])
                #expect(range.status == 0, "\(range.err)")
                #expect(range.out.contains("{} =>") && range.out.contains("0.8"), "\(range.out)")
                let found = try await run(["query", "series", "--match=http_requests_total{service=\"db\"}", url])
                #expect(found.status == 0 && found.out.contains("service=\"db\"") && !found.out.contains("service=\"api\""), "\(found.out) \(found.err)")
                let values = try await run(["query", "labels", url, "service"])
                #expect(values.status == 0 && values.out.split(separator: "\n") == ["api", "db"], "\(values.out) \(values.err)")
                let refused = try await run(["query", "instant", url, "sum(rate(http_requests_total[5m])"])
                #expect(refused.status != 0 && refused.err.contains("parse error"), "\(refused.err)")
                let scalar = try await run(["query", "instant", url, "1+1"])  // Grafana's "Save & test"
                #expect(scalar.status == 0 && scalar.out.contains("2"), "\(scalar.out) \(scalar.err)")
                // The shipped dashboard's panels answer on a live Augur.
                for expr in try DifferentialTests.dashboardQueries() {
                    let r = try await run(["query", "range", "--start=\(now / 1000 - 600)", "--end=\(now / 1000)", "--step=60s", url, expr])
                    #expect(r.status == 0, "\(expr): \(r.err)")
                }
            }
        }
    }
}

/// `/api/v1/metadata` serves what exposition `# TYPE`/`# HELP` declared, in Prometheus' shape.
@Suite struct MetadataTests {
    @Test func expositionTypesAreServedAsMetadata() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                let body = "# HELP jobs_done_total Jobs done.\\nline two\n# TYPE jobs_done_total counter\njobs_done_total 3\n# TYPE queue_depth gauge\nqueue_depth 7\n"
                #expect(try await client.post("/api/v1/import/prometheus", Array(body.utf8)).status == 200)
                let all = try await client.get("/api/v1/metadata").json["data"] as? [String: [[String: String]]] ?? [:]
                #expect(all["jobs_done_total"]?.first == ["type": "counter", "help": "Jobs done.\nline two", "unit": ""])
                #expect(all["queue_depth"]?.first?["type"] == "gauge")
                let one = try await client.get("/api/v1/metadata?metric=queue_depth").json["data"] as? [String: Any] ?? [:]
                #expect(Array(one.keys) == ["queue_depth"])
                #expect(try await client.get("/api/v1/metadata?limit=x").json["errorType"] as? String == "bad_data")
                #expect(try await client.get("/api/v1/query_exemplars?query=\(q("jobs_done_total"))&start=0&end=1").json["data"] as? [Any] != nil)
                #expect(try await client.get("/-/healthy").status == 200)
                #expect(try await client.get("/-/ready").status == 200)
            }
        }
    }
}
