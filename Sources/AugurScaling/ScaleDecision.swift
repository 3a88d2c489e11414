/// One recommendation and everything it was computed from.
package struct ScaleDecision: Sendable, Equatable {
    /// Which input set the replica count.
    package enum Signal: String, Sendable {
        /// The calibrated forecast bound.
        case forecast
        /// The load observed now needs more than the forecast.
        case reactiveFloor = "reactive-floor"
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
    package var quantile: Double
    package var leadSeconds: Double
    package var capacity: Double
    package var signal: Signal
    /// Why the served value is what it is (and did or did not change).
    package var reason: String
}
