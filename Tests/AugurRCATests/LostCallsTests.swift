import AugurApp
import AugurCore
@testable import AugurRCA
import AugurStore
import AugurTestSupport
import Testing

@Suite(.ownThread) struct LostCallsTests {
    /// web calls orders, orders calls stock and mail. From `t` on, orders fails before its calls to
    /// mail: mail serves nothing for three minutes, though nothing is wrong with it, while orders goes
    /// on being called. Every series wobbles; mail's fall is the one large move. Orders is the suspect,
    /// with the lost calls to mail as evidence; mail is not.
    @Test func aCalleeThatStopsWhileItsCallerGoesOnImplicatesTheCaller() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            var rng = SplitMix64(seed: 7)
            var batch = AppendBatch()
            var cache: [Labels: Int64] = [:]
            let level = ["web": 20.0, "orders": 4.0, "stock": 4.0, "mail": 2.0]
            for (service, usual) in level {
                let labels = Labels(name: "pod_workload_ops", ["service": service])
                for k in -30...5 {
                    let stopped = service == "mail" && (1...3).contains(k)
                    batch.add(batch.ref(for: labels, in: store, cache: &cache), t + Int64(k) * 60_000, stopped ? 0 : usual * (1 + 0.1 * rng.nextGaussian()))
                }
            }
            try store.append(batch)
            try store.replaceEdges([("web", "orders"), ("orders", "stock"), ("orders", "mail")].map { GraphEdge(source: $0.0, target: $0.1, origin: "test") }, origin: "test")
            let suspects = try RootCauseAnalyzer().rank(store, atMs: t)
            let top = try #require(suspects.first)
            #expect(top.service == "orders", "\(suspects.map { ($0.service, $0.score, $0.evidence.map { $0.series.description }) })")
            let lost = try #require(top.evidence.first { $0.series.name == LostCalls.metric })
            #expect(lost.series["callee"] == "mail" && lost.score >= RootCauseAnalyzer.clearScore && lost.onsetMs == t + 60_000)
            #expect(suspects.first { $0.service == "mail" }.map { $0.score < top.score } ?? true)
        }
    }

    /// When the caller's own traffic stopped too, the loss came from further up: no lost calls.
    @Test func aStopThatReachedTheCallerTooIsNotItsOwn() {
        let steady = (0..<12).map { _ in 4.0 }
        let stopped = LostCalls.Traffic(after: [Sample(0, 0), Sample(60_000, 0)], baseline: steady)
        let edges = [GraphEdge(source: "orders", target: "mail", origin: "test")]
        #expect(LostCalls.evidence(traffic: ["mail": stopped, "orders": stopped], edges: edges).isEmpty)
        let wentOn = LostCalls.Traffic(after: [Sample(0, 4), Sample(60_000, 3.5)], baseline: steady)
        #expect(LostCalls.evidence(traffic: ["mail": stopped, "orders": wentOn], edges: edges).map(\.0) == ["orders"])
        // A callee that often idles is not news when it idles again.
        let idle = LostCalls.Traffic(after: [Sample(0, 0)], baseline: steady.enumerated().map { $0.offset % 3 == 0 ? 0 : $0.element })
        #expect(LostCalls.evidence(traffic: ["mail": idle, "orders": wentOn], edges: edges).isEmpty)
        #expect(LostCalls.isTraffic("pod_workload_ops") && LostCalls.isTraffic("http_requests_per_second") && !LostCalls.isTraffic("http_requests_total"))
        #expect(!LostCalls.isTraffic("request_latency_seconds") && !LostCalls.isTraffic("cpu_usage"))
    }
}
