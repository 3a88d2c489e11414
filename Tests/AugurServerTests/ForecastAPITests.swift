import AugurCore
import AugurTestSupport
import Foundation
import Testing

@Suite struct ForecastAPITests {
    static func daily(_ n: Int, level: Double = 100, seed: UInt64 = 1) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { t in
            let season: Double = 20 * sin(2 * Double.pi * Double(t % 24) / 24)
            return level + season + rng.nextGaussian()
        }
    }

    @Test func postForecastsASeriesInTheBody() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                let values = Self.daily(24 * 20)
                let body = try JSONSerialization.data(withJSONObject: ["values": values, "horizon": 24, "season": [24], "level": [80, 95]])
                let r = try await client.post("/api/v1/forecast", Array(body), headers: ["Content-Type": "application/json"])
                #expect(r.status == 200, "\(r.text)")
                let j = r.json
                #expect((j["values"] as? [[Any]])?.count == 24)
                #expect(j["period"] as? Int == 24)
                #expect((j["backtest_mase"] as? [String: Any])?.isEmpty == false)
                let intervals = j["intervals"] as? [String: [String: [[Any]]]]
                #expect(intervals?["80"]?["lower"]?.count == 24 && intervals?["95"]?["upper"]?.count == 24)
                // Within two units of the true pattern on the first step (noise σ = 1).
                let first = Double(((j["values"] as? [[Any]])?.first?[1] as? String) ?? "") ?? .nan
                #expect(abs(first - 100) < 3, "\(first)")
            }
        }
    }

    @Test func getForecastsEveryMatchingSeriesFromTheStore() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                var lines = ""
                for i in 0..<3 {
                    let values = Self.daily(24 * 21, level: Double(100 * (i + 1)), seed: UInt64(i))
                    let stamps = (0..<values.count).map { 1_767_225_600_000 + Int64($0) * 3_600_000 }
                    let v = values.map { String($0) }.joined(separator: ","), t = stamps.map { String($0) }.joined(separator: ",")
                    lines += "{\"metric\":{\"__name__\":\"load\",\"pod\":\"p\(i)\"},\"values\":[\(v)],\"timestamps\":[\(t)]}\n"
                }
                #expect(try await client.post("/api/v1/import/json", Array(lines.utf8)).status == 200)
                let r = try await client.get("/api/v1/forecast?query=load&horizon=12h&level=95")
                #expect(r.status == 200, "\(r.text)")
                let data = r.json["data"] as? [[String: Any]] ?? []
                #expect(data.count == 3)
                for item in data {
                    let values = item["values"] as? [[Any]] ?? []
                    #expect(values.count == 12)
                    // The first point is one step (an hour) after the last sample.
                    #expect((values.first?[0] as? Double) == Double(1_767_225_600 + (24 * 21) * 3600))
                    #expect((item["metric"] as? [String: String])?["__name__"] == "load")
                }
            }
        }
    }

    @Test func detectedIncidentsAreLeftOutAndReported() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                var values = Self.daily(24 * 21)
                for i in (24 * 19 + 2)..<(24 * 19 + 8) { values[i] = 0 }  // a six-hour outage two days ago
                let start: Int64 = 1_767_225_600_000
                let v = values.map { String($0) }.joined(separator: ","), t = (0..<values.count).map { String(start + Int64($0) * 3_600_000) }.joined(separator: ",")
                #expect(try await client.post("/api/v1/import/json", Array("{\"metric\":{\"__name__\":\"load\"},\"values\":[\(v)],\"timestamps\":[\(t)]}\n".utf8)).status == 200)
                let r = try await client.get("/api/v1/forecast?query=load&horizon=24&model=snaive")
                let item = (r.json["data"] as? [[String: Any]])?.first ?? [:]
                let windows = item["excluded_incidents"] as? [[String: Double]] ?? []
                #expect(windows.count == 1 && windows.first?["start"] == Double(start / 1000 + (24 * 19 + 2) * 3600)
                        && windows.first?["end"] == Double(start / 1000 + (24 * 19 + 8) * 3600), "\(r.text)")
                // Seasonal naive repeats the last day: the outage's hours come back at their normal level.
                let points = (item["values"] as? [[Any]] ?? []).compactMap { Double($0[1] as? String ?? "") }
                #expect(points.count == 24 && points.allSatisfy { $0 > 70 }, "\(points)")
                let kept = try await client.get("/api/v1/forecast?query=load&horizon=24&model=snaive&detect_incidents=false")
                #expect((kept.json["data"] as? [[String: Any]])?.first?["excluded_incidents"] == nil)
                #expect(try await client.get("/api/v1/forecast?query=load&horizon=24&detect_incidents=maybe").status == 400)
            }
        }
    }

    @Test func badForecastRequestsAreProblems() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                #expect(try await client.get("/api/v1/forecast?query=load").status == 400)
                #expect(try await client.get("/api/v1/forecast?query=load&horizon=12&model=magic").status == 400)
                let short = try JSONSerialization.data(withJSONObject: ["values": [1.0], "horizon": 3])
                let r = try await client.post("/api/v1/forecast", Array(short))
                #expect(r.status == 422)
                #expect(r.header("Content-Type") == "application/problem+json")
                #expect(try await client.post("/api/v1/forecast", Array("{".utf8)).status == 400)
            }
        }
    }
}

@Suite struct CalendarAPITests {
    @Test func declareListAndRefuse() async throws {
        try await withTestStore { store, path in
            var config = testConfig(path: path)
            config.forecasting.events = [.init(name: "nightly-batch", kind: "event", schedule: "0 2 * * *", duration: ConfigDuration(seconds: 1800))]
            try await withTestServer(config: config, store: store) { client in
                let ok = try await client.post("/api/v1/calendar", Array(#"{"name":"failover","kind":"exclude","start":"2026-11-03T14:10:00Z","end":"2026-11-03T15:00:00Z"}"#.utf8))
                #expect(ok.status == 201)
                let list = try await client.get("/api/v1/calendar").json["events"] as? [[String: String]] ?? []
                #expect(list.map { "\($0["name"]!)/\($0["source"]!)" }.sorted() == ["failover/api", "nightly-batch/config"])
                let bad = try await client.post("/api/v1/calendar", Array(#"{"name":"x","kind":"exclude","start":"2026-11-03T15:00:00Z","end":"2026-11-03T14:00:00Z"}"#.utf8))
                #expect(bad.status == 400)
                #expect(bad.header("Content-Type") == "application/problem+json")
            }
        }
    }
}
