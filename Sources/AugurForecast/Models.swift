/// The models Augur forecasts with. Each fits on a history and forecasts `horizon` steps.
package enum ModelKind: String, Sendable, CaseIterable, Codable {
    case snaive, naive2, theta, ets, mstl, global, lstm, ensemble
}

package protocol Forecaster: Sendable {
    var kind: ModelKind { get }
    /// Fits on `y`; `period` 1 means no seasonality.
    func fit(_ y: [Double], period: Int) throws(ForecastError) -> FittedModel
}

extension Forecaster {
    /// Point forecasts for steps 1…horizon after `y`.
    package func forecast(_ y: [Double], horizon: Int, period: Int) throws(ForecastError) -> [Double] {
        try fit(y, period: period).forecast(horizon: horizon)
    }
}

/// Same season last cycle: ŷ_{n+h} = y_{n+h−m·⌈h/m⌉}.
package struct SeasonalNaive: Forecaster {
    package var kind: ModelKind { .snaive }
    package init() {}

    package func fit(_ y: [Double], period: Int) throws(ForecastError) -> FittedModel {
        let m = max(1, period)
        guard y.count >= m else { throw ForecastError(.tooShort, "seasonal naive needs one full season (\(m)) of history, got \(y.count)") }
        return .seasonalNaive(lastCycle: Array(y.suffix(m)))
    }
}

/// M4's Naive2: naive on the seasonally adjusted series (classical multiplicative decomposition,
/// applied when the 90 % autocorrelation test finds seasonality), reseasonalised.
package struct Naive2: Forecaster {
    package var kind: ModelKind { .naive2 }
    package init() {}

    package func fit(_ y: [Double], period: Int) throws(ForecastError) -> FittedModel {
        guard !y.isEmpty else { throw ForecastError(.tooShort, "empty history") }
        let d = Deseasonalized(y, period: period)
        return .naive2(last: d.values.last!, season: d.seasonIndices)
    }
}

/// The Theta method as the M4 benchmark runs it (Assimakopoulos & Nikolopoulos 2000, in the form of
/// Hyndman & Billah 2003): simple exponential smoothing plus half the slope of a linear trend, on the
/// seasonally adjusted series: ŷ_{n+h} = ℓ_n + b/2·((h−1) + 1/α − (1−α)^n/α).
package struct Theta: Forecaster {
    package var kind: ModelKind { .theta }
    package init() {}

    package func fit(_ y: [Double], period: Int) throws(ForecastError) -> FittedModel {
        guard y.count >= 3 else { throw ForecastError(.tooShort, "theta needs at least 3 observations") }
        let d = Deseasonalized(y, period: period)
        let x = d.values
        let n = x.count
        // Slope of the linear trend through the data (θ = 0 line), by least squares on [1, t].
        var design = [Double](repeating: 1, count: 2 * n)
        for t in 0..<n { design[n + t] = Double(t + 1) }
        let b = try BLAS.leastSquares(design, rows: n, cols: 2, x)[1]
        let (alpha, level) = SES.fit(x)
        return .theta(level: level, slope: b, alpha: alpha, count: n, season: d.seasonIndices)
    }
}

/// Simple exponential smoothing with α chosen by least squares of one-step errors.
enum SES {
    static func fit(_ x: [Double]) -> (alpha: Double, level: Double) {
        func run(_ a: Double) -> (sse: Double, level: Double) {
            var l = x[0], sse = 0.0
            for t in 1..<x.count {
                let e = x[t] - l
                sse += e * e
                l += a * e
            }
            return (sse, l)
        }
        let alpha = Optimize.goldenSection(lower: 0.001, upper: 0.999) { run($0).sse }
        return (alpha, run(alpha).level)
    }
}

#if canImport(Glibc)
import AugurCore
package import AugurNumerics
import Glibc
#else
import Darwin
#endif
