package import AugurCore

/// How one workload is scaled: what a pod carries, how full it may run, how long it takes to start,
/// and how cautious the recommender is.
package struct ScalePolicy: Sendable, Equatable {
    /// Load one pod carries at 100 % (same unit as the load series).
    package var capacity: Double
    /// Utilisation the replicas are sized for (the HPA's target).
    package var target = 0.7
    /// Seconds from asking for a pod to its being ready.
    package var startupSeconds = 180.0
    /// Seconds between decisions.
    package var stepSeconds = 300.0
    package var minReplicas = 1
    package var maxReplicas = 10_000
    /// A lower recommendation takes effect only once it has been the highest for this long.
    package var downscaleStabilizationSeconds = 300.0
    /// The forecast bound sized for when there is no budget: the quantile of the peak load over the lead window.
    package var quantile = 0.9
    /// What the headroom may cost; with one, the quantile is chosen per decision (nil: always `quantile`).
    package var budget: ScaleBudget? = .standard
    /// How far back resolved forecasts calibrate the bound.
    package var calibrationSeconds = 7 * 86_400.0

    package init(capacity: Double) { self.capacity = capacity }

    /// Why a policy cannot be used, or nil.
    package var problem: String? {
        if !(capacity > 0 && capacity.isFinite) { return "capacity must be a positive number" }
        if !(target > 0 && target <= 1) { return "target must be in (0, 1]" }
        if !(startupSeconds >= 0) { return "start-up time must be >= 0" }
        if !(stepSeconds > 0) { return "step must be positive" }
        if !(0 <= minReplicas && minReplicas <= maxReplicas) { return "need 0 <= min replicas <= max replicas" }
        if !(quantile > 0 && quantile < 1) { return "quantile must be in (0, 1)" }
        if !(downscaleStabilizationSeconds >= 0) { return "stabilisation must be >= 0" }
        return nil
    }

    /// Replicas that carry `load` at the target utilisation, within the bounds.
    package func replicas(for load: Double) -> Int {
        let raw = (max(load, 0) / (capacity * target) - 1e-9).rounded(.up)
        return Int(min(Double(maxReplicas), max(Double(minReplicas), raw.isFinite ? raw : Double(maxReplicas))))
    }
}
