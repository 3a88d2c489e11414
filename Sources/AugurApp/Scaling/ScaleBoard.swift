package import AugurCore
package import AugurIngest
import AugurPromQL
package import AugurScaling
package import AugurStore
import Foundation
package import Logging
import Synchronization

/// The recommender's state for every configured workload: decides on each tick, records every
/// decision (SQLite and the `augur_recommended_replicas` series, then `onDecision`) and serves the
/// latest one to the KEDA metrics-api route, the gRPC external scaler and `/metrics`.
///
/// Ticks (the first one replays the warm-up history, seconds of model fits) run one at a time on the
/// background lane. Readers take the entries' lock only to copy one out.
package final class ScaleBoard: Sendable {
    struct Entry: Sendable {
        let workload: AugurConfig.Workload
        var recommender: Recommender?
        /// Milliseconds of the newest load sample fed to the recommender.
        var fedThroughMs: Int64 = .min
        var latest: ScaleDecision?
        /// Why there is no recommender (capacity cannot be derived yet).
        var problem: String?
    }

    let store: Store
    let ingestor: Ingestor
    let settings: AugurConfig.Scaling
    /// Hears each workload's newest decision: namespace, workload, replicas, whether it is a fallback,
    /// the share of its budget the last week used.
    let onDecision: @Sendable (String, String, Int, Bool, Double?) -> Void
    let logger: Logger
    private let entries: Mutex<[String: Entry]>
    private let serial = Mutex(())
    /// Keys in configuration order.
    package let keys: [String]

    package init(workloads: [AugurConfig.Workload], settings: AugurConfig.Scaling, store: Store, ingestor: Ingestor, logger: Logger,
                 onDecision: @escaping @Sendable (String, String, Int, Bool, Double?) -> Void) {
        self.store = store
        self.ingestor = ingestor
        self.settings = settings
        self.onDecision = onDecision
        self.logger = logger
        keys = workloads.map { Self.key($0.namespace, $0.name) }
        entries = Mutex(Dictionary(uniqueKeysWithValues: workloads.map { (Self.key($0.namespace, $0.name), Entry(workload: $0)) }))
    }

    package static func key(_ namespace: String, _ name: String) -> String { namespace + "/" + name }

    /// The served decision for a workload, or why there is none.
    package func current(namespace: String, workload: String) throws(ScaleError) -> (AugurConfig.Workload, ScaleDecision) {
        guard let e = entry(namespace, workload) else { throw ScaleError(.notFound, "no workload \(namespace)/\(workload) is configured") }
        guard let d = e.latest else {
            throw ScaleError(.notReady, "no recommendation for \(namespace)/\(workload) yet: \(e.problem ?? "the recommender has not run")")
        }
        return (e.workload, d)
    }

    package func workload(namespace: String, name: String) throws(ScaleError) -> AugurConfig.Workload {
        guard let e = entry(namespace, name) else { throw ScaleError(.notFound, "no workload \(namespace)/\(name) is configured") }
        return e.workload
    }

    private func entry(_ namespace: String, _ name: String) -> Entry? { entries.withLock { $0[Self.key(namespace, name)] } }

    /// One decision per workload at `nowMs` (after replaying the warm-up history the first time), on
    /// the background lane; ticks run one at a time.
    package func tick(nowMs: Int64) async {
        await WorkLane.background.run { [self] in
            serial.withLock { _ in
                for key in keys {
                    guard var e = entries.withLock({ $0[key] }) else { continue }
                    do {
                        let decisions = try advance(&e, nowMs: nowMs)
                        try record(e.workload, decisions)
                    } catch {
                        e.problem = "\(error)"
                        logger.warning("recommendation failed", metadata: ["augur.workload": "\(key)", "augur.error": "\(error)"])
                    }
                    entries.withLock { [e] in $0[key] = e }
                }
            }
        }
    }

    private func advance(_ e: inout Entry, nowMs: Int64) throws -> [ScaleDecision] {
        let w = e.workload
        let stepMs = settings.interval.ms, resolutionMs = w.resolution.ms
        var decisions: [ScaleDecision] = []
        if e.recommender == nil {
            let startMs = nowMs - settings.warmup.ms
            guard let capacity = try capacity(of: w, startMs: startMs, endMs: nowMs) else {
                e.problem = "capacity: no load and ready pods to derive it from yet"
                return []
            }
            var policy = ScalePolicy(capacity: capacity)
            policy.target = w.target
            policy.startupSeconds = w.startup.seconds
            policy.stepSeconds = Double(stepMs) / 1000
            policy.minReplicas = w.minReplicas
            policy.maxReplicas = w.maxReplicas
            policy.downscaleStabilizationSeconds = w.downscaleStabilization.seconds
            if let q = w.quantile { policy.quantile = q; policy.budget = nil } else { policy.budget = w.budget }
            if let problem = policy.problem { throw ScaleError(.badInput, "\(w.namespace)/\(w.name): \(problem)") }
            e.recommender = Recommender(policy: policy, sampleSeconds: Double(resolutionMs) / 1000)
            e.problem = nil
            // Replay the warm-up history decision by decision, so the bound starts calibrated.
            let load = try self.load(w, startMs: startMs, endMs: nowMs)
            var fed = 0
            // At most ~5,000 replayed decisions, however short the interval.
            let replayStepMs = max(stepMs, settings.warmup.ms / 5000)
            var t = startMs + replayStepMs
            while t < nowMs {
                while fed < load.count, load[fed].timestampMs <= t { e.recommender!.observe(time: Double(load[fed].timestampMs - resolutionMs) / 1000, value: load[fed].value); fed += 1 }
                decisions.append(e.recommender!.decide(at: Double(t) / 1000))
                t += replayStepMs
            }
            e.fedThroughMs = load.last?.timestampMs ?? startMs
        }
        let fresh = try load(w, startMs: e.fedThroughMs + 1, endMs: nowMs)
        for s in fresh where s.timestampMs > e.fedThroughMs {
            e.recommender!.observe(time: Double(s.timestampMs - resolutionMs) / 1000, value: s.value)
            e.fedThroughMs = s.timestampMs
        }
        let now = Double(nowMs) / 1000
        // Stale: no raw sample within `stale_after` (range evaluation would repeat the last value for its look-back).
        var recent = false
        for selector in try loadExpression(w).selectors where !recent {
            recent = try store.select(selector, startMs: nowMs - settings.staleAfter.ms, endMs: nowMs).contains { !$0.samples.isEmpty }
        }
        let decision = recent
            ? e.recommender!.decide(at: now)
            : e.recommender!.decideStale(at: now, why: "load input stale: no sample in the last \(settings.staleAfter)")
        decisions.append(decision)
        e.latest = decision
        return decisions
    }

    /// The load's PromQL expression; a bare selector of a counter is refused, with the expression to
    /// use: a counter's value only grows, so as a load it would pin the workload at its maximum.
    func loadExpression(_ w: AugurConfig.Workload) throws -> Expr {
        let expr = try Parser.parse(w.load)
        guard case .vector(let vs) = expr.unwrapped else { return expr }
        let declared = store.declaredTypes()
        let names = vs.selector.metricName.map { [$0] } ?? Set(store.series(matching: [vs.selector]).compactMap(\.name)).sorted()
        if let counter = names.first(where: { MetricMetadata.isCounter($0, declared: declared) }) {
            throw ScaleError(.badInput, "\(w.namespace)/\(w.name): load \"\(w.load)\" is the counter \(counter), whose value only grows; use its rate as the load: sum(rate(\(vs.selector)[5m]))")
        }
        return expr
    }

    /// The load at the workload's resolution: the expression's range evaluation, its series summed.
    package func load(_ w: AugurConfig.Workload, startMs: Int64, endMs: Int64) throws -> [Sample] {
        guard endMs >= startMs else { return [] }
        var sums: [Int64: Double] = [:]
        for s in try store.evaluate(try loadExpression(w), startMs: startMs, endMs: endMs, stepMs: w.resolution.ms) {
            for p in s.samples { sums[p.timestampMs, default: 0] += p.value }
        }
        return sums.keys.sorted().map { Sample($0, sums[$0]!) }
    }

    /// Capacity per pod at 100 %: configured, the concurrency target, or the 95th percentile of load
    /// per ready pod over the history.
    private func capacity(of w: AugurConfig.Workload, startMs: Int64, endMs: Int64) throws -> Double? {
        if w.concurrencyTarget > 0 { return w.concurrencyTarget }
        if w.capacity > 0 { return w.capacity }
        let load = try self.load(w, startMs: startMs, endMs: endMs)
        var podsWorkload = w
        podsWorkload.load = w.readyPods
        let pods = Dictionary(try self.load(podsWorkload, startMs: startMs, endMs: endMs).map { ($0.timestampMs, $0.value) }) { a, _ in a }
        let perPod = load.compactMap { s in pods[s.timestampMs].flatMap { $0 > 0 ? s.value / $0 : nil } }.sorted()
        guard !perPod.isEmpty, let p95 = Optional(perPod[min(perPod.count - 1, perPod.count * 95 / 100)]), p95 > 0 else { return nil }
        return p95
    }

    private func record(_ w: AugurConfig.Workload, _ decisions: [ScaleDecision]) throws {
        guard let last = decisions.last else { return }
        try store.recordScaleDecisions(decisions.map {
            ScaleDecisionRow(namespace: w.namespace, workload: w.name, timeMs: Int64(saturating: ($0.time * 1000).rounded()), replicas: $0.replicas,
                                   signal: $0.signal.rawValue, detail: $0.inputsJSON)
        })
        let labels = Labels(name: "augur_recommended_replicas", ["namespace": w.namespace, "workload": w.name])
        _ = try ingestor.write([Series(labels: labels, samples: decisions.map { Sample(Int64(saturating: ($0.time * 1000).rounded()), Double($0.replicas)) })])
        onDecision(w.namespace, w.name, last.replicas, last.signal == .fallback, last.budgetUsed)
    }
}

extension ScaleBoard {
    /// The reactive HPA and Augur's recorded decisions through it, replayed on the load of `[startMs, endMs]`:
    /// the continuous backtest on live data. Nil when there is too little load or no recommender yet.
    /// Blocking (a store read and two replays): callers run it off the cooperative threads.
    package func comparison(namespace: String, name: String, startMs: Int64, endMs: Int64, decisions: [ScaleDecisionRow]) throws -> (hpa: HPASimulation.Score, augur: HPASimulation.Score)? {
        guard let e = entry(namespace, name), let policy = e.recommender?.policy else { return nil }
        let res = e.workload.resolution.ms
        let load = try load(e.workload, startMs: startMs, endMs: endMs)
        guard load.count >= 2 else { return nil }
        let trace = LoadTrace(times: load.map { Double($0.timestampMs - res) / 1000 }, values: load.map(\.value))
        let sim = HPASimulation(policy: policy, warmupSeconds: 0)
        return (sim.run(trace), sim.run(trace, recommendations: decisions.map { (Double($0.timeMs) / 1000, $0.replicas) }))
    }
}

extension ScaleDecision {
    /// Everything the decision was computed from, as JSON (stored per decision, listed by the history route).
    package var inputsJSON: String {
        var forecast = "null"
        if let b = bound {
            forecast = "{\"point\":\(Self.number(b.point)),\"upper\":\(Self.number(b.upper)),\"quantile\":\(Self.number(quantile)),\"model\":\(JSONText.string(b.model)),\"calibrated\":\(b.calibrated),\"fallback\":\(b.fallback.map(JSONText.string) ?? "null")}"
        }
        return "{\"time\":\(Self.jsonTime(time)),\"replicas\":\(replicas),\"desired\":\(desired),\"forecast_replicas\":\(forecastReplicas.map(String.init) ?? "null"),\"reactive_replicas\":\(reactiveReplicas),\"observed_load\":\(Self.number(observedLoad)),\"forecast\":\(forecast),\"budget_used_ratio\":\(Self.number(budgetUsed)),\"lead_seconds\":\(Self.number(leadSeconds)),\"capacity_per_pod\":\(Self.number(capacity)),\"signal\":\(JSONText.string(signal.rawValue)),\"reason\":\(JSONText.string(reason))}"
    }

    /// A JSON string of Unix seconds in ISO 8601.
    package static func jsonTime(_ seconds: Double) -> String {
        JSONText.string(Date(timeIntervalSince1970: seconds).formatted(.iso8601))
    }

    /// A JSON number to six significant digits, or null.
    package static func number(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "null" }
        return String(format: "%.6g", x)
    }
}
