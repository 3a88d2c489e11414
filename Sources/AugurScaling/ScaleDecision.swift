/// One recommendation and everything it was computed from.
package struct ScaleDecision: Sendable, Equatable {
    /// Which input set the replica count.
    package enum Signal: String, Sendable {
        /// The calibrated forecast bound.
        case forecast
        /// The load observed now needs more than the forecast.
        case reactiveFloor = "reactive-floor"
        /// A floor in proportion to the last day's median or the observed load, which the budget's backtest found worth its cost.
        case floor
        /// The budget's backtest found that headroom buys nothing here: the minimum, so that the External
        /// metric leaves the HPA's own decision as it is.
        case noHeadroom = "no-headroom"
        /// No trustworthy forecast (too little history, or the input is stale): reactive behaviour.
        case fallback
    }

    /// Decision time (unix seconds).
    package var time: Double
    /// Ready pods wanted from `time + leadSeconds` until the next decision takes effect.
    package var replicas: Int
    /// The recommendation before downscale stabilisation.
    package var desired: Int
    package var forecastReplicas: Int?
    /// Replicas the currently observed load needs at the target.
    package var reactiveReplicas: Int
    package var observedLoad: Double?
    package var bound: LoadModel.Bound?
    /// The bound's quantile (nil: no headroom).
    package var quantile: Double?
    /// Pod-hours served over the budget's window as a share of its allowance (nil: no budget, no limit or no history).
    package var budgetUsed: Double?
    package var leadSeconds: Double
    package var capacity: Double
    package var signal: Signal
    /// Why the served value is what it is (and did or did not change).
    package var reason: String
}
