import AugurCore
import AugurForecast
import AugurStore
import Synchronization

/// What the saved models expected: a series with a trusted model (`augur retrain`) whose forecast
/// covers the analysed window is scored by how far it fell outside that forecast — its residual in
/// units of the forecast's own spread — instead of against its recent past. A daily ramp the model
/// expected is then no anomaly, and a ramp that failed to come is one.
struct ForecastSurprise: Sendable {
    /// When the registry says it was trained to, and how far its forecast reaches.
    let trainedToMs: Int64, coversToMs: Int64
    let originMs: Int64, stepMs: Int64
    let point: [Double]
    /// The forecast's standard deviation per step, from its widest saved interval.
    let sigma: [Double]

    /// Normal quantiles of the interval levels models are saved with.
    static let z: [String: Double] = ["99": 2.576, "95": 1.96, "90": 1.645, "80": 1.282]

    /// Model files parsed once per version (path and creation time): an incident's onset search ranks
    /// sixteen times.
    static let loaded = Mutex<[String: (createdMs: Int64, model: SavedModel?)]>([:])

    /// The saved model at `path`, parsed once per version.
    static func model(_ path: String, createdMs: Int64) -> SavedModel? {
        if let cached = loaded.withLock({ $0[path] }), cached.createdMs == createdMs { return cached.model }
        let model = try? SavedModel.load(path)
        loaded.withLock { $0[path] = (createdMs, model) }
        return model
    }

    /// The trusted models of `series` trained before `beforeMs` whose files parse, per series in the
    /// registry's order.
    static func candidates(_ store: Store, series: Set<Labels>, beforeMs: Int64) throws(StoreError) -> [Labels: [ForecastSurprise]] {
        var out: [Labels: [ForecastSurprise]] = [:]
        for m in try store.registeredModels() where m.trusted && m.trainedToMs < beforeMs && series.contains(m.series) {
            guard let saved = model(m.path, createdMs: m.createdMs),
                  let (level, widths) = saved.halfWidths.filter({ z[$0.key] != nil }).max(by: { Double($0.key)! < Double($1.key)! }),
                  let forecast = try? saved.forecast() else { continue }
            out[m.series, default: []].append(ForecastSurprise(
                trainedToMs: m.trainedToMs, coversToMs: saved.trainedToMs + Int64(saved.horizon) * saved.stepMs,
                originMs: saved.trainedToMs, stepMs: saved.stepMs, point: forecast.point, sigma: widths.map { max($0 / z[level]!, 1e-9) }))
        }
        return out
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
