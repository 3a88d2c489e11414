package import AugurCore

/// A failure to fit or forecast a series.
package typealias ForecastError = CodedError<ForecastFault>
package enum ForecastFault: String, Sendable {
    /// Too few observations for the model or the requested seasonality.
    case tooShort
    /// Input the models cannot use (non-finite values after cleaning, bad horizon).
    case badInput
    /// A LAPACK routine reported failure (`info ≠ 0`).
    case numerical
}
