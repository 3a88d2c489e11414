import AugurCore
import AugurDemo
import AugurIngest
import AugurLogs
import AugurStore
import AugurTestSupport
import Foundation
import Testing

@Suite struct RCAAPITests {
    /// The demo system's injected incidents through the real server: the service at fault ranks
    /// first, and for the saturated pool the evidence names the pool.
    @Test func demoIncidentsAreFoundWithTheirEvidence() async throws {
        try await withTestStore { store, _ in
            let data = DemoSystem(endMs: 1_767_225_600_000).generate()
            try Ingestor(store: store).write(data.series)
            try store.replaceEdges(data.edges, origin: "demo")
            _ = try LogPipeline(store: store).ingest(data.logs.map {
                LogRecord(timestampNs: $0.ts * 1_000_000, labels: Labels([("service", $0.service), ("pod", $0.pod)]), line: $0.line)
            })
            try store.compact(force: true)
            try await withTestServer(store: store) { client in
                var ranks: [String: Int] = [:]
                for scenario in data.scenarios {
                    let r = try await client.post("/api/v1/rca", Array("{\"time\":\"\(scenario.startMs)\",\"window\":\"10m\"}".utf8))
                    #expect(r.status == 200, "\(r.text)")
                    let suspects = (r.json["data"] as? [String: Any])?["suspects"] as? [[String: Any]] ?? []
                    let names = suspects.compactMap { $0["service"] as? String }
                    ranks[scenario.id] = (names.firstIndex(of: scenario.service) ?? 99) + 1
                    if scenario.kind == .poolSaturation {
                        let evidence = suspects.first { $0["service"] as? String == scenario.service }?["evidence"] as? [[String: Any]] ?? []
                        let series = evidence.compactMap { ($0["series"] as? [String: String])?["__name__"] }
                        #expect(series.contains { $0.hasPrefix("db_pool") }, "the pool is named: \(series)")
                    }
                }
                print("demo RCA ranks of the true service: \(ranks.sorted { $0.key < $1.key })")
                #expect(ranks.values.allSatisfy { $0 == 1 }, "\(ranks)")
                #expect(try await client.post("/api/v1/rca", Array("{\"time\":\"soon\"}".utf8)).status == 400)
            }
        }
    }
}
