/// A failure to fit or forecast a series.
package struct ForecastError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        /// Too few observations for the model or the requested seasonality.
        case tooShort
        /// Input the models cannot use (non-finite values after cleaning, bad horizon).
        case badInput
        /// A LAPACK routine reported failure (`info ≠ 0`).
        case numerical
    }

    package let code: Code
    package let detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    package var description: String { detail }
}
