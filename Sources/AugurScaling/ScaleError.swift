package import AugurCore

/// A load trace, policy or workload the recommender cannot use.
package typealias ScaleError = CodedError<ScaleFault>
package enum ScaleFault: String, Sendable {
    /// A trace or parameter that does not parse or is out of range.
    case badInput
    /// No such workload.
    case notFound
    /// The workload has no recommendation yet.
    case notReady
}
