import Foundation

/// Turns a load series into replica recommendations ahead of pod start-up, one decision per step.
///
/// At decision time `t` the bound on the peak load over `[t + start-up, t + start-up + step)` (the
/// time the pods asked for now are ready, until the next decision's pods are) is divided by
/// capacity × target; the load observed now is a floor; the result is clamped and a decrease waits
/// out the downscale stabilisation window. Only samples that ended by `t` are used.
package struct Recommender: Sendable {
    package let policy: ScalePolicy
    package private(set) var model: LoadModel
    package private(set) var last: ScaleDecision?
    private var recent: [(time: Double, desired: Int)] = []

    package init(policy: ScalePolicy, sampleSeconds: Double) {
        self.policy = policy
        model = LoadModel(sampleSeconds: sampleSeconds)
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
        let bound = model.bound(decision: time, start: start, end: start + policy.stepSeconds,
                                quantile: policy.quantile, calibrationSeconds: policy.calibrationSeconds)
        var forecast: Int?
        var signal = ScaleDecision.Signal.fallback
        var why: String
        if let bound, bound.calibrated {
            forecast = policy.replicas(for: bound.upper)
            signal = forecast! >= reactive ? .forecast : .reactiveFloor
            why = signal == .forecast
                ? "q\(Int(policy.quantile * 100)) peak \(Self.format(bound.upper)) by \(bound.model) needs \(forecast!)"
                : "observed load \(Self.format(observed ?? 0)) needs \(reactive), more than the forecast's \(forecast!)"
            if let note = bound.fallback { why += " (level-only: \(note))" }
        } else {
            why = "reactive: \(bound?.fallback ?? "no samples yet"); observed load needs \(reactive)"
        }
        let desired = max(forecast ?? reactive, reactive)
        return finish(time: time, desired: desired, forecast: forecast, reactive: reactive, observed: observed,
                      bound: bound, signal: signal, why: why)
    }

    /// The safe value when the input is stale or missing: the last good recommendation, floored by
    /// what the last observed load needs now; never lower.
    package mutating func decideStale(at time: Double, why: String) -> ScaleDecision {
        let reactive = policy.replicas(for: model.lastValue ?? 0)
        let desired = max(last?.replicas ?? reactive, reactive)
        return finish(time: time, desired: desired, forecast: nil, reactive: reactive, observed: model.lastValue, bound: nil,
                      signal: .fallback, why: "\(why): holding the last good recommendation, floored by the last observed load")
    }

    private mutating func finish(time: Double, desired: Int, forecast: Int?, reactive: Int, observed: Double?,
                                 bound: LoadModel.Bound?, signal: ScaleDecision.Signal, why: String) -> ScaleDecision {
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
                                     observedLoad: observed, bound: bound, quantile: policy.quantile, leadSeconds: leadSeconds,
                                     capacity: policy.capacity, signal: signal, reason: reason)
        last = decision
        return decision
    }

    static func format(_ x: Double) -> String { String(format: "%.4g", x) }
}
