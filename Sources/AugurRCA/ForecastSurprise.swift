import AugurCore
import AugurNumerics

/// What the saved models expected: a series with a trusted model (`augur retrain`) whose forecast
/// covers the analysed window is scored by how far it fell outside that forecast — its residual in
/// units of the forecast's own spread — instead of against its recent past. A daily ramp the model
/// expected is then no anomaly, and a ramp that failed to come is one.
package struct ForecastSurprise: Sendable {
    /// When the registry says it was trained to, and how far its forecast reaches.
    let trainedToMs: Int64, coversToMs: Int64
    let originMs: Int64, stepMs: Int64
    let point: [Double]
    /// The forecast's standard deviation per step, from its widest saved interval.
    let sigma: [Double]

    /// Normal quantiles of the interval levels models are saved with.
    package static let z: [String: Double] = ["99": 2.576, "95": 1.96, "90": 1.645, "80": 1.282]

    package init(trainedToMs: Int64, coversToMs: Int64, originMs: Int64, stepMs: Int64, point: [Double], sigma: [Double]) {
        (self.trainedToMs, self.coversToMs, self.originMs, self.stepMs, self.point, self.sigma) = (trainedToMs, coversToMs, originMs, stepMs, point, sigma)
    }

    /// Of a series' candidates, the newest registered that was trained before `startMs` and forecasts past `endMs`.
    static func covering(_ candidates: [ForecastSurprise]?, startMs: Int64, endMs: Int64) -> ForecastSurprise? {
        candidates?.last { $0.trainedToMs < startMs && $0.coversToMs >= endMs }
    }

    /// The series' evidence in `[t, t + after]` against the forecast: its largest standardised residual
    /// (the series regularised as its model saw it: the model's step, increases for counters), the
    /// first step beyond 3, the expected value there and the value seen. Nil when no step is covered.
    func evidence(_ series: Series, from t: Int64, to end: Int64) -> RootCauseAnalyzer.Evidence? {
        guard let r = try? Regularize.forForecasting(series, stepMs: stepMs) else { return nil }
        var best = 0.0, expected = 0.0, seen = 0.0, onset: Int64?
        var covered = false
        for (i, v) in r.values.enumerated() {
            let at = r.startMs + Int64(i) * stepMs
            let k = Int((at - originMs) / stepMs) - 1
            guard at >= t, at <= end, (at - originMs) % stepMs == 0, k >= 0, k < point.count else { continue }
            covered = true
            let residual = (v - point[k]) / sigma[k]
            if abs(residual) > abs(best) { (best, expected, seen) = (residual, point[k], v) }
            if onset == nil && abs(residual) > 3 { onset = at }
        }
        guard covered else { return nil }
        return RootCauseAnalyzer.Evidence(series: series.labels, score: abs(best), direction: best >= 0 ? 1 : -1, onsetMs: onset,
                                          baselineMedian: expected, peak: seen)
    }
}
