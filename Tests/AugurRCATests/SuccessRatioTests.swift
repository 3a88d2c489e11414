import AugurApp
import AugurCore
@testable import AugurRCA
import AugurStore
import AugurTestSupport
import Testing

@Suite(.ownThread) struct SuccessRatioTests {
    /// Every minute: web's success rate (percent) and each service's CPU, with noise. From `t` on, 5 %
    /// of web's requests fail. `cause`: a callee of web whose CPU rises at the same time, or nil.
    func write(_ store: Store, at t: Int64, cause: String?) throws {
        var rng = SplitMix64(seed: 11)
        var batch = AppendBatch()
        var cache: [Labels: Int64] = [:]
        for k in -30...5 {
            let ms = t + Int64(k) * 60_000
            batch.add(batch.ref(for: Labels(name: "success_rate", ["service": "web"]), in: store, cache: &cache), ms, k >= 0 ? 95 + rng.nextGaussian() * 0.2 : 100)
            for service in ["web", "cart", "ads"] {
                let jump = service == cause && k >= 0 ? 40.0 : 0
                batch.add(batch.ref(for: Labels(name: "cpu_usage", ["service": service]), in: store, cache: &cache), ms, 20 + jump + rng.nextGaussian())
            }
        }
        try store.append(batch)
        try store.replaceEdges([GraphEdge(source: "web", target: "cart", origin: "test"), GraphEdge(source: "web", target: "ads", origin: "test")], origin: "test")
    }

    /// 100 % → 95 % is failures from none to 5 %: it stands out, though it is 5 % of the level. With
    /// no callee standing out, web's failures are its own.
    @Test func aSuccessRateFallingFromItsCeilingStandsOut() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            try write(store, at: t, cause: nil)
            let top = try #require(try RootCauseAnalyzer().rank(store, atMs: t).first)
            #expect(top.service == "web" && top.evidence.first?.series.name == "success_rate" && top.score >= RootCauseAnalyzer.clearScore, "\(top)")
        }
    }

    /// When a callee stands out, web's failures are its callee's: the callee ranks first.
    @Test func aCallersFailuresAreItsCalleesWhenOneStandsOut() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            try write(store, at: t, cause: "ads")
            let suspects = try RootCauseAnalyzer().rank(store, atMs: t)
            #expect(suspects.first?.service == "ads", "\(suspects.map { ($0.service, $0.score) })")
            #expect(suspects.first { $0.service == "web" }?.evidence.contains { $0.series.name == "success_rate" } != true)
        }
    }
}
