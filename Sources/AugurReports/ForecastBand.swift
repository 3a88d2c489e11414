package import AugurCore
package import AugurNumerics
import AugurForecast

/// What a model fitted on the history before an origin expected next, with an interval around it:
/// the band forecast rules compare observations with, and report charts draw behind the actual values.
package struct ForecastBand: Sendable {
    /// Time of the last history value; forecast step k (0-based) is at `originMs + (k + 1) × stepMs`.
    package let originMs: Int64
    package let stepMs: Int64
    package let lower: [Double]
    package let point: [Double]
    package let upper: [Double]

    /// History the model sees, and the least it needs: three days, as the seasonality test needs three
    /// cycles to see a daily one; with less, the daily swing is forecast as a trend and flagged.
    package static let historyMs: Int64 = 7 * 86_400_000
    static let minimumHistoryMs: Int64 = 3 * 86_400_000

    /// `series` as the models see it: increases for counters, regular steps of five minutes or the
    /// series' own if coarser (a day of 288 steps fits in a fifth of a second, of 1440 in a second).
    package static func regular(_ series: Series) throws(ForecastError) -> Regularize.Regular {
        let r = try Regularize.forForecasting(series)
        return r.stepMs < 300_000 ? try Regularize.forForecasting(series, stepMs: 300_000) : r
    }

    /// The band from `originMs` on: fitted on the week of `regular` before it.
    package static func fit(_ regular: Regularize.Regular, originMs: Int64, horizonMs: Int64, level: Double) -> ForecastBand? {
        let step = regular.stepMs
        let first = max(0, Int((originMs - historyMs - regular.startMs + step - 1) / step))
        let end = min(regular.values.count, Int((originMs - regular.startMs + step - 1) / step))
        guard end - first >= 2 else { return nil }
        let history = Regularize.Regular(startMs: regular.startMs + Int64(first) * step, stepMs: step, values: Array(regular.values[first..<end]))
        return fit(history, horizonMs: originMs - history.endMs + horizonMs, level: level)
    }

    /// The forecast step covering `t` (the first one at or after it), nil outside the forecast.
    package func index(at t: Int64) -> Int? {
        guard t > originMs else { return nil }
        let k = Int((t - originMs + stepMs - 1) / stepMs) - 1
        return k < point.count ? k : nil
    }

    /// Fits the engine's backtest-chosen model on `history` and forecasts `horizonMs` beyond its end
    /// with a `level` interval. Incidents in the history are replaced by what was expected there, so
    /// an earlier outage widens no band. Nil when the history is shorter than three days.
    package static func fit(_ history: Regularize.Regular, horizonMs: Int64, level: Double) -> ForecastBand? {
        guard history.values.count >= 2, history.endMs - history.startMs >= minimumHistoryMs else { return nil }
        let (period, clean) = IncidentDetection().periodAndCleaned(history.values, candidates: Regularize.candidatePeriods(stepMs: history.stepMs))
        let horizon = max(1, Int((horizonMs + history.stepMs - 1) / history.stepMs))
        guard let result = try? ForecastEngine().forecast(clean, horizon: horizon, period: period, model: nil, levels: [level]),
              let band = result.intervals[level] else { return nil }
        return ForecastBand(originMs: history.endMs, stepMs: history.stepMs, lower: band.lower, point: result.point, upper: band.upper)
    }
}
