import AugurApp
import AugurCore
import AugurForecast
import AugurServer
import AugurStore
import AugurTestSupport
import Foundation
import Logging
import Testing

@Suite struct RetrainTests {
    static let start: Int64 = 1_767_225_600_000

    func seed(_ store: Store, hours: Int = 24 * 21) throws {
        var batch = AppendBatch()
        var cache: [Labels: Int64] = [:]
        for (i, name) in ["load", "load", "load", "other"].enumerated() {
            let ref = batch.ref(for: Labels(name: name, ["pod": "p\(i)"]), in: store, cache: &cache)
            var rng = SplitMix64(seed: UInt64(i))
            for t in 0..<hours {
                let v: Double = 100 * Double(i + 1) + 20 * sin(2 * Double.pi * Double(t % 24) / 24) + rng.nextGaussian()
                batch.add(ref, Self.start + Int64(t) * 3_600_000, v)
            }
        }
        try store.append(batch)
    }

    func config(_ dir: String) -> AugurConfig.Forecasting {
        var f = AugurConfig.Forecasting()
        f.selectors = ["load"]
        f.horizon = ConfigDuration(seconds: 12 * 3600)
        f.modelsDir = dir + "/models"
        return f
    }

    @Test func retrainsSavesRegistersAndResumes() async throws {
        try await withTestStore { store, path in
            try seed(store)
            let dir = (path as NSString).deletingLastPathComponent
            let retrainer = Retrainer(store: store, config: config(dir), logger: Logger(label: "test"))
            let first = try await retrainer.run()
            #expect(first.matched == 3 && first.trained == 3 && first.failed == 0, "\(first)")
            let registered = try store.registeredModels()
            #expect(registered.count == 3)
            #expect(registered.allSatisfy { FileManager.default.fileExists(atPath: $0.path) && $0.trainedToMs == Self.start + Int64(24 * 21 - 1) * 3_600_000 })
            // Nothing new: everything is current.
            #expect(try await retrainer.run().skipped == 3)
            // New data for one series: only it is retrained.
            var batch = AppendBatch()
            var cache: [Labels: Int64] = [:]
            batch.add(batch.ref(for: Labels(name: "load", ["pod": "p1"]), in: store, cache: &cache), Self.start + Int64(24 * 21) * 3_600_000, 250)
            try store.append(batch)
            let third = try await retrainer.run()
            #expect(third.trained == 1 && third.skipped == 2, "\(third)")
        }
    }

    @Test func shardsPartitionTheSeries() async throws {
        try await withTestStore { store, path in
            try seed(store)
            let dir = (path as NSString).deletingLastPathComponent
            let retrainer = Retrainer(store: store, config: config(dir), logger: Logger(label: "test"))
            let a = try await retrainer.run(shard: (0, 2)), b = try await retrainer.run(shard: (1, 2))
            #expect(a.matched + b.matched == 3 && a.trained + b.trained == 3)
        }
    }

    @Test func savedForecastsAreServedAsSeries() async throws {
        try await withTestStore { store, path in
            try seed(store)
            let dir = (path as NSString).deletingLastPathComponent
            _ = try await Retrainer(store: store, config: config(dir), logger: Logger(label: "test")).run()
            try await withTestServer(store: store) { client in
                let first = Double(Self.start) / 1000 + Double(24 * 21) * 3600
                let r = try await client.get("/api/v1/query_range?query=\(q(#"augur_forecast{metric="load",pod="p0"}"#))&start=\(first)&end=\(first + 11 * 3600)&step=3600")
                let result = (r.json["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
                let quantiles = Set(result.compactMap { ($0["metric"] as? [String: String])?["quantile"] })
                #expect(quantiles == ["0.5", "0.1", "0.9", "0.025", "0.975"], "\(r.text.prefix(300))")
                #expect(result.allSatisfy { ($0["values"] as? [Any])?.count == 12 })
                let s = try await client.get("/api/v1/series?match[]=augur_forecast")
                #expect((s.json["data"] as? [Any])?.count == 15)
            }
        }
    }
}
