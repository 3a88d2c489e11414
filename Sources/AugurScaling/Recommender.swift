import Foundation

/// Turns a load series into replica recommendations ahead of pod start-up, one decision per step.
///
/// At decision time `t` the bound on the peak load over `[t + start-up, t + start-up + step)` (the
/// time the pods asked for now are ready, until the next decision's pods are) is divided by
/// capacity × target; the result is clamped and a decrease waits out the downscale stabilisation
/// window. Only samples that ended by `t` are used. With a budget, the headroom (a bound's quantile,
/// a floor, or none at all) is chosen per decision by `BudgetedHeadroom`; without one the bound is
/// at the policy's fixed quantile, floored by what the load observed now needs.
package struct Recommender: Sendable {
    package let policy: ScalePolicy
    package private(set) var model: LoadModel
    package private(set) var headroom: BudgetedHeadroom?
    package private(set) var last: ScaleDecision?
    /// What each of `BudgetedHeadroom.candidates` asked for at the last decision (with a budget).
    package private(set) var lastCandidates: [Int] = []
    private var recent: [(time: Double, desired: Int)] = []

    package init(policy: ScalePolicy, sampleSeconds: Double) {
        self.policy = policy
        model = LoadModel(sampleSeconds: sampleSeconds)
        headroom = policy.budget.map { BudgetedHeadroom(policy: policy, budget: $0) }
    }

    package var leadSeconds: Double { policy.startupSeconds }

    /// Adds a sample (start time, value) that has ended.
    package mutating func observe(time: Double, value: Double) {
        model.append(time: time, value: value)
    }

    /// The recommendation at `time` from the samples observed so far.
    package mutating func decide(at time: Double) -> ScaleDecision {
        let observed = model.lastValue
        let reactive = policy.replicas(for: observed ?? 0)
        let start = time + policy.startupSeconds
        let choice = headroom?.choose(at: time, lead: policy.startupSeconds, load: model.samples)
        let bound = model.bound(decision: time, start: start, end: start + policy.stepSeconds,
                                quantile: choice?.headroom?.quantile ?? policy.quantile, calibrationSeconds: policy.calibrationSeconds)
        guard let choice else { return decideFixed(time: time, observed: observed, reactive: reactive, bound: bound) }
        let floorLoad = model.dayMedian
        /// What a setting asks for (nil: nothing beyond the HPA's own).
        func replicas(_ h: BudgetedHeadroom.Headroom) -> (forecast: Int?, floor: Int?) {
            let forecast = h.quantile.flatMap { q in bound.flatMap { $0.calibrated ? policy.replicas(for: model.upper(of: $0, at: q)) : nil } }
            let floor = [h.floorMargin.flatMap { m in floorLoad.map { m * $0 } }, h.observedMargin.flatMap { m in observed.map { m * $0 } }]
                .compactMap { $0 }.max().map(policy.replicas(for:))
            return (forecast, floor)
        }
        // Nothing asked for: the minimum, so that the External metric does not raise the HPA's own CPU-based decision.
        func served(_ r: (forecast: Int?, floor: Int?)) -> Int { max(r.forecast ?? 0, r.floor ?? 0, policy.minReplicas) }
        let (forecast, floor) = choice.headroom.map(replicas) ?? (nil, nil)
        var signal = ScaleDecision.Signal.noHeadroom
        var why: String
        if let f = forecast, f >= floor ?? 0, let bound {
            signal = .forecast
            why = "q\(BudgetedHeadroom.percent(choice.headroom!.quantile!)) peak \(Self.format(bound.upper)) by \(bound.model) needs \(f)"
            if let note = bound.fallback { why += " (level-only: \(note))" }
        } else if let floor, let h = choice.headroom {
            signal = .floor
            why = "\(h) (median \(Self.format(floorLoad ?? 0)), observed \(Self.format(observed ?? 0))) needs \(floor) at the target"
        } else {
            why = "the HPA's own: serving the minimum \(policy.minReplicas) so the External metric does not raise it (observed load \(Self.format(observed ?? 0)) needs \(reactive))"
        }
        why += "; " + choice.reason
        let decision = finish(time: time, desired: served((forecast, floor)), forecast: forecast, reactive: reactive, observed: observed, bound: bound,
                              quantile: signal == .forecast ? choice.headroom?.quantile : nil, budgetUsed: choice.budgetUsed, signal: signal, why: why)
        // Every setting's recommendation goes into the continuous backtest, the served one beside them.
        lastCandidates = BudgetedHeadroom.candidates.map { served(replicas($0)) }
        headroom!.record(time: time, candidates: lastCandidates, served: decision.replicas)
        return decision
    }

    /// Without a budget: the policy's quantile of the forecast bound, floored by the observed load.
    private mutating func decideFixed(time: Double, observed: Double?, reactive: Int, bound: LoadModel.Bound?) -> ScaleDecision {
        var forecast: Int?
        var signal = ScaleDecision.Signal.fallback
        var why: String
        if let bound, bound.calibrated {
            forecast = policy.replicas(for: bound.upper)
            signal = forecast! >= reactive ? .forecast : .reactiveFloor
            why = signal == .forecast
                ? "q\(BudgetedHeadroom.percent(policy.quantile)) peak \(Self.format(bound.upper)) by \(bound.model) needs \(forecast!)"
                : "observed load \(Self.format(observed ?? 0)) needs \(reactive), more than the forecast's \(forecast!)"
            if let note = bound.fallback { why += " (level-only: \(note))" }
        } else {
            why = "reactive: \(bound?.fallback ?? "no samples yet"); observed load needs \(reactive)"
        }
        return finish(time: time, desired: max(forecast ?? reactive, reactive), forecast: forecast, reactive: reactive, observed: observed,
                      bound: bound, quantile: policy.quantile, budgetUsed: nil, signal: signal, why: why)
    }

    /// The safe value when the input is stale or missing: the last good recommendation, floored by
    /// what the last observed load needs now; never lower.
    package mutating func decideStale(at time: Double, why: String) -> ScaleDecision {
        let reactive = policy.replicas(for: model.lastValue ?? 0)
        let desired = max(last?.replicas ?? reactive, reactive)
        let decision = finish(time: time, desired: desired, forecast: nil, reactive: reactive, observed: model.lastValue, bound: nil,
                              quantile: nil, budgetUsed: last?.budgetUsed, signal: .fallback, why: "\(why): holding the last good recommendation, floored by the last observed load")
        if headroom != nil { lastCandidates = BudgetedHeadroom.candidates.map { _ in desired } }
        headroom?.record(time: time, candidates: lastCandidates, served: decision.replicas)
        return decision
    }

    private mutating func finish(time: Double, desired: Int, forecast: Int?, reactive: Int, observed: Double?,
                                 bound: LoadModel.Bound?, quantile: Double?, budgetUsed: Double?, signal: ScaleDecision.Signal,
                                 why: String) -> ScaleDecision {
        let window = policy.downscaleStabilizationSeconds
        recent.removeAll { $0.time <= time - window }
        let held = recent.map(\.desired).max() ?? desired
        recent.append((time, desired))
        let served = max(desired, held)
        var reason = why
        switch (last?.replicas, served) {
        case (nil, _): reason += "; first decision"
        case (let before?, let now) where now > before: reason += "; up from \(before)"
        case (let before?, let now) where now < before: reason += "; down from \(before)"
        case (_, let now) where now > desired: reason += "; held at \(now) by the \(Int(window)) s downscale stabilisation"
        default: reason += "; unchanged"
        }
        let decision = ScaleDecision(time: time, replicas: served, desired: desired, forecastReplicas: forecast, reactiveReplicas: reactive,
                                     observedLoad: observed, bound: bound, quantile: quantile, budgetUsed: budgetUsed,
                                     leadSeconds: leadSeconds, capacity: policy.capacity, signal: signal, reason: reason)
        last = decision
        return decision
    }

    static func format(_ x: Double) -> String { String(format: "%.4g", x) }
}
