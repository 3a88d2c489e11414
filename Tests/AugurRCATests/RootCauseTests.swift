import AugurApp
import AugurCore
import AugurLogs
@testable import AugurRCA
import AugurStore
import AugurTestSupport
import Testing

@Suite(.ownThread) struct RootCauseTests {
    /// `cpu_usage` of each service every 30 s from 30 minutes before `t` to 5 after: 10 plus noise,
    /// plus the service's jump from `t` on (`pods`: with a `pod` label too).
    func writeCPU(_ store: Store, at t: Int64, _ jumps: [(String, Double)], rng: inout SplitMix64, pods: Bool = false) throws {
        var batch = AppendBatch()
        var cache: [Labels: Int64] = [:]
        for (service, jump) in jumps {
            let labels = Labels(name: "cpu_usage", pods ? ["service": service, "pod": "\(service)-1"] : ["service": service])
            for k in -60..<10 {
                batch.add(batch.ref(for: labels, in: store, cache: &cache), t + Int64(k) * 30_000, 10 + (k >= 0 ? jump : 0) + rng.nextGaussian())
            }
        }
        try store.append(batch)
    }

    /// Traced requests every 20 s from 30 minutes before `t` to 5 after, one trace each: `steps(d, j)`
    /// gives each line's milliseconds after the request's start and its service, with `d` the delay
    /// (1 s from `t` on, else 0) and `j` a few milliseconds of jitter.
    func writeTraces(_ store: Store, at t: Int64, rng: inout SplitMix64, _ steps: (_ d: Int64, _ j: Int64) -> [(Int64, String)]) throws {
        var logs: [LogRecord] = []
        for k in -90..<15 {
            let start = t + Int64(k) * 20_000
            let d: Int64 = k >= 0 ? 1_000 : 0
            let j = Int64(rng.nextGaussian().magnitude * 2)
            for (k2, (ms, service)) in steps(d, j).enumerated() {
                logs.append(LogRecord(timestampNs: (start + ms) * 1_000_000 + Int64(k2), labels: Labels([("service", service)]), line: "step \(k2)", traceId: "trace-\(k)"))
            }
        }
        _ = try LogPipeline(store: store).ingest(logs)
    }

    /// Three services; at t the payment service's CPU jumps and its error template surges, while the
    /// others only wobble: payment ranks first, with the CPU series and the template as evidence.
    @Test func theServiceThatChangedMostRanksFirst() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            var rng = SplitMix64(seed: 3)
            try writeCPU(store, at: t, [("frontend", 0), ("checkout", 0), ("payment", 40)], rng: &rng, pods: true)
            let pipeline = try LogPipeline(store: store)
            // Logs were collected before the incident too (a heartbeat); then the errors surge.
            let heartbeat = (1...30).map { i in
                LogRecord(timestampNs: (t - Int64(i) * 60_000) * 1_000_000, labels: Labels([("service", "payment")]), line: "heartbeat ok")
            }
            let logs = heartbeat + (0..<30).map { i in
                LogRecord(timestampNs: (t + Int64(i) * 10_000) * 1_000_000, labels: Labels([("service", "payment")]), line: "charge \(i) failed: connection refused")
            }
            _ = try pipeline.ingest(logs)
            let suspects = try RootCauseAnalyzer().rank(store, atMs: t)
            #expect(suspects.first?.service == "payment", "\(suspects.map { ($0.service, $0.score) })")
            let evidence = suspects.first?.evidence ?? []
            #expect(evidence.contains { $0.series.name == "cpu_usage" && $0.direction == 1 && ($0.onsetMs ?? 0) >= t })
            #expect(evidence.contains { $0.series.name == LogPipeline.templateMetric })
            #expect(suspects.count == 3)
        }
    }

    /// Whole-number series (connections in use) have count noise: an idle pool's 0 → 1 is not news,
    /// a pool filling to its limit is; a fractional series flat at zero that moves is (a latency appearing).
    @Test func wholeNumberSeriesAreScoredWithCountNoise() {
        let labels = Labels(name: "db_pool_active_connections", ["service": "payment"])
        let idle = [Double](repeating: 0, count: 30)
        let blip = RootCauseAnalyzer.evidence(labels, baseline: idle, after: [Sample(0, 0), Sample(60_000, 1)])
        #expect((blip?.score ?? 99) <= 1, "\(String(describing: blip))")
        let full = RootCauseAnalyzer.evidence(labels, baseline: idle.enumerated().map { Double($0.offset % 3) }, after: [Sample(0, 20)])
        #expect((full?.score ?? 0) >= 5, "\(String(describing: full))")
        let latency = RootCauseAnalyzer.evidence(Labels(name: "latency_seconds", [:]), baseline: idle, after: [Sample(0, 0.2)])
        #expect((latency?.score ?? 0) >= 10, "\(String(describing: latency))")
    }

    /// A network delay on a service whose own metrics stay flat: in traced logs, the gaps after its
    /// lines (its responses reaching the caller) grow from milliseconds to a second, and it ranks first.
    @Test func traceHandOffsInLogsFindADelayTheMetricsMiss() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            var rng = SplitMix64(seed: 5)
            try writeCPU(store, at: t, [("frontend", 0), ("cart", 0), ("catalogue", 0)], rng: &rng)
            // frontend → cart → frontend → catalogue → frontend, times in ms after the request arrived.
            try writeTraces(store, at: t, rng: &rng) { d, j in
                [(0, "frontend"), (5, "cart"), (8 + d + j, "frontend"), (10 + d + j, "catalogue"), (13 + d + 2 * j, "frontend")]
            }
            let suspects = try RootCauseAnalyzer().rank(store, atMs: t)
            #expect(suspects.first?.service == "cart", "\(suspects.map { ($0.service, $0.score) })")
            let handoff = try #require(suspects.first?.evidence.first { $0.series.name == TraceHandoffs.metric })
            #expect(handoff.direction == 1 && handoff.peak > 1 && handoff.baselineMedian < 0.01, "\(handoff)")
        }
    }

    /// A delayed service slows several hand-offs, each shared with one neighbour: the service in most of
    /// them is the suspect, not the busy hub that shares one of them among many.
    @Test func theServiceInMostSlowedHandOffsIsTheSuspect() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            var rng = SplitMix64(seed: 6)
            try writeCPU(store, at: t, [("preserve", 0), ("basic", 0), ("travel", 0), ("station", 0)], rng: &rng)
            // basic's lines are followed late by preserve's and travel's once basic is delayed.
            try writeTraces(store, at: t, rng: &rng) { d, j in
                [(0, "preserve"), (5, "basic"), (8 + d + j, "preserve"), (10 + d + j, "travel"), (12 + d + j, "basic"),
                 (15 + 2 * d + j, "travel"), (18 + 2 * d + j, "preserve"), (20 + 2 * d + j, "station"), (23 + 2 * d + 2 * j, "preserve")]
            }
            let suspects = try RootCauseAnalyzer().rank(store, atMs: t)
            #expect(suspects.first?.service == "basic", "\(suspects.map { ($0.service, $0.score) })")
            let implicated = suspects.filter { $0.evidence.contains { $0.series.name == TraceHandoffs.metric } }.map(\.service)
            #expect(implicated == ["basic"], "the slowed hand-offs are all explained by basic")
        }
    }

    /// A delayed service whose slowed hand-offs each go to a leaf that talks to nobody else: every leaf
    /// has all of its (one) hand-offs slowed, the delayed service four of five; it is still the one that
    /// explains them, and the only one implicated.
    @Test func aDelayedServiceIsChosenOverTheLeavesItTalksTo() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            var rng = SplitMix64(seed: 7)
            try writeCPU(store, at: t, [("gateway", 0), ("orders", 0), ("mail", 0), ("sms", 0), ("audit", 0), ("ledger", 0)], rng: &rng)
            // gateway → orders, then orders (delayed from t on) reaches each leaf late.
            try writeTraces(store, at: t, rng: &rng) { d, j in
                [(0, "gateway"), (3, "orders"), (6 + d + j, "mail"), (9 + d + j, "orders"), (12 + 2 * d + j, "sms"),
                 (15 + 2 * d + j, "orders"), (18 + 3 * d + j, "audit"), (21 + 3 * d + j, "orders"), (24 + 4 * d + j, "ledger")]
            }
            let suspects = try RootCauseAnalyzer().rank(store, atMs: t)
            #expect(suspects.first?.service == "orders", "\(suspects.map { ($0.service, $0.score) })")
            let implicated = suspects.filter { $0.evidence.contains { $0.series.name == TraceHandoffs.metric } }.map(\.service)
            #expect(implicated == ["orders"], "\(implicated)")
        }
    }

    /// The call graph from traces in logs: a call lies inside its caller's lines of the same trace.
    @Test func callGraphIsLearnedFromTraceIntervals() {
        var lines: [(traceId: String, timestampNs: Int64, service: String)] = []
        for k in 0..<5 {
            // frontend [0, 100] calls cart [10, 40] (which calls redis [20, 30]) and catalogue [50, 90];
            // the logger, logging once, spans no interval.
            for (ms, service) in [(0, "frontend"), (10, "cart"), (20, "redis"), (30, "redis"), (40, "cart"), (50, "catalogue"), (60, "logger"),
                                  (90, "catalogue"), (100, "frontend")] {
                lines.append(("t\(k)", Int64(k * 1_000 + ms) * 1_000_000, service))
            }
        }
        let edges = GraphLearner.fromTraces(lines)
        #expect(edges.map { "\($0.source)>\($0.target)" } == ["cart>redis", "frontend>cart", "frontend>catalogue"])
        #expect(edges.allSatisfy { $0.origin == "traces" && $0.weight == 5 })
        #expect(GraphLearner.fromTraces(Array(lines.prefix(18))).isEmpty, "two traces are too few")
    }

    /// A network delay on a callee shows only in its callers' view of their calls: per-call series
    /// (source/target, or Istio's source_workload/destination_workload) are evidence about the callee.
    @Test func callSeriesImplicateTheCallee() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            var rng = SplitMix64(seed: 8)
            var batch = AppendBatch()
            var cache: [Labels: Int64] = [:]
            let calls = [Labels(name: "call_latency_s", ["source": "frontend", "target": "cart"]),
                         Labels(name: "istio_request_duration_seconds", ["source_workload": "checkout", "destination_workload": "cart"]),
                         Labels(name: "call_latency_s", ["source": "frontend", "target": "currency"])]
            for labels in calls {
                for k in -60..<10 {
                    let delay = labels["target"] == "currency" || k < 0 ? 0.0 : 0.1
                    batch.add(batch.ref(for: labels, in: store, cache: &cache), t + Int64(k) * 30_000, 0.01 + delay + 0.001 * rng.nextGaussian())
                }
            }
            try store.append(batch)
            let suspects = try RootCauseAnalyzer().rank(store, atMs: t)
            #expect(suspects.first?.service == "cart", "\(suspects.map { ($0.service, $0.score) })")
            #expect(suspects.first?.evidence.count == 2, "both callers' views are cart's evidence")
        }
    }

    @Test func aReferencePeriodIsTheBaselineWhenStored() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            var batch = AppendBatch()
            var cache: [Labels: Int64] = [:]
            // Only data after t, plus a fault-free reference period days earlier.
            for (service, level) in [("a", 5.0), ("b", 5.0)] {
                let live = Labels(name: "latency", ["service": service])
                let normal = Labels(name: "latency", ["service": service, "period": "normal"])
                for k in 0..<20 {
                    batch.add(batch.ref(for: live, in: store, cache: &cache), t + Int64(k) * 15_000, service == "b" ? 50 : level + Double(k % 3))
                    batch.add(batch.ref(for: normal, in: store, cache: &cache), t - 3 * 86_400_000 + Int64(k) * 15_000, level + Double(k % 3))
                }
            }
            try store.append(batch)
            #expect(try RootCauseAnalyzer().rank(store, atMs: t).first?.service == "b")
        }
    }

    /// A deploy on a service whose series moved right after it raises that service and appears with a
    /// strong link; changes on a service that did not move, changes after the onset, and changes off
    /// the symptom's path along the call graph count for nothing.
    @Test func changesLinkOnlyWhenTheAnomalyFollowsThemOnThePath() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            var rng = SplitMix64(seed: 8)
            try writeCPU(store, at: t, [("web", 0), ("api", 40), ("db", 30), ("cache", 0)], rng: &rng)
            let analyzer = RootCauseAnalyzer()
            #expect(try analyzer.rank(store, atMs: t).first?.service == "api", "without changes the bigger jump leads")
            _ = try store.recordChange(ChangeEvent(timeMs: t - 5 * 60_000, service: "db", kind: .deploy, description: "db v2.1"))
            _ = try store.recordChange(ChangeEvent(timeMs: t - 10 * 60_000, service: "cache", kind: .config, description: "ttl 30s"))
            _ = try store.recordChange(ChangeEvent(timeMs: t + 4 * 60_000, service: "api", kind: .featureFlag, description: "new checkout"))
            let ranked = try analyzer.rank(store, atMs: t)
            #expect(ranked.first?.service == "db", "\(ranked.map { ($0.service, $0.score) })")
            let db = try #require(ranked.first)
            #expect(db.changes.count == 1 && db.changes.first?.strength == .strong && db.changes.first?.lagMs == 5 * 60_000, "\(db.changes)")
            #expect(ranked.allSatisfy { $0.service == "db" || $0.changes.isEmpty }, "the cache did not move; the api moved before its flag")
            // Seen on web, which calls api only: db's deploy is off the path.
            try store.replaceEdges([GraphEdge(source: "web", target: "api", weight: 1, origin: "test")], origin: "test")
            let fromWeb = try analyzer.rank(store, atMs: t, symptoms: ["web"])
            #expect(fromWeb.first?.service == "api" && fromWeb.allSatisfy(\.changes.isEmpty), "\(fromWeb.map { ($0.service, $0.changes.count) })")
            try store.replaceEdges([GraphEdge(source: "web", target: "api", weight: 1, origin: "test"), GraphEdge(source: "api", target: "db", weight: 1, origin: "test")], origin: "test")
            #expect(try analyzer.rank(store, atMs: t, symptoms: ["web"]).first?.service == "db")
        }
    }
}
