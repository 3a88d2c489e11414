package import AugurCore
import AugurNumerics
import Synchronization

/// Evaluates rules over stored series as Prometheus does over time: a series whose samples satisfy
/// the condition continuously for the rule's `for` fires (its start is when `for` was met) and
/// resolves at the first sample that does not satisfy it, or when the series goes stale.
package enum RuleEvaluator {
    /// Forecast rules refit each series once per this span and compare it with that forecast.
    package static let refitMs: Int64 = 3_600_000

    /// What `rule` reads over the evaluation window `[startMs, endMs]`: its selector, from when
    /// (a forecast rule fits on the week before each hour it checks).
    package static func reads(_ rule: AlertRule, startMs: Int64) throws(ConfigError) -> (selector: Selector, fromMs: Int64) {
        switch try rule.parsed() {
        case let .threshold(selector, _, _): return (selector, startMs)
        case let .outsideForecast(selector, _): return (selector, startMs - startMs % refitMs - ForecastBand.historyMs)
        case .promql: throw ConfigError("rule \(rule.name): a PromQL rule is evaluated by the engine, not from one selector")
        }
    }

    /// The alerts of `rule` (firing, and resolved ones as a firing then a resolved delivery) in
    /// `[startMs, endMs]` over `series` (what `reads` names), in series order. `known` maps
    /// fingerprints of alerts already firing to their start, so an alert that began before the window
    /// keeps its start. `bands` keeps forecasts between evaluations.
    package static func alerts(_ rule: AlertRule, series: [Series], startMs: Int64, endMs: Int64, known: [String: Int64] = [:],
                               bands: ForecastBandCache = ForecastBandCache()) throws(ConfigError) -> [(atMs: Int64, alert: AlertmanagerPayload.Alert)] {
        var out: [(atMs: Int64, alert: AlertmanagerPayload.Alert)] = []
        switch try rule.parsed() {
        case let .threshold(_, op, threshold):
            for s in series {
                let checks = s.samples.map { ($0.timestampMs, StaleMarker.isStale($0.value) ? false : op.holds($0.value, threshold), $0.value) }
                out += runs(rule, s.labels, checks, endMs: endMs, known: known)
            }
        case let .outsideForecast(_, level):
            for s in series {
                out += runs(rule, s.labels, outside(s, level: level, startMs: startMs, endMs: endMs, bands: bands), endMs: endMs, known: known)
            }
            bands.forget(before: startMs - startMs % refitMs)
        case .promql:
            throw ConfigError("rule \(rule.name): a PromQL rule is evaluated by the engine, not from one selector")
        }
        return out
    }

    /// For each sample in the window: whether it lies outside the `level` interval of the forecast
    /// fitted on the week before the hour it falls in, at the band's step (`ForecastBand.regular`;
    /// counters as increases per step). Samples with no forecast (less than three days of history) satisfy nothing.
    static func outside(_ series: Series, level: Double, startMs: Int64, endMs: Int64, bands: ForecastBandCache) -> [(Int64, Bool, Double)] {
        guard let regular = try? ForecastBand.regular(series), regular.values.count >= 2 else { return [] }
        let counter = Regularize.isCounter(series.labels)
        let key = "\(level) \(series.labels)"  // two rules on one series at different levels keep apart
        var checks: [(Int64, Bool, Double)] = []
        for sample in series.samples where sample.timestampMs >= startMs && sample.timestampMs <= endMs {
            let t = sample.timestampMs
            let slot = Int((t - regular.startMs) / regular.stepMs)
            let slotMs = regular.startMs + Int64(slot) * regular.stepMs
            guard !StaleMarker.isStale(sample.value), slot >= 0, slot < regular.values.count else { checks.append((t, false, sample.value)); continue }
            // A counter's step still under way has only part of its increase: judged when complete.
            if counter && slotMs + regular.stepMs > endMs { continue }
            let origin = t - t % refitMs
            let band = bands.band(key, origin: origin) { fitBand(regular, origin: origin, previous: bands.cached(key, origin: origin - refitMs), level: level) }
            let v = counter ? regular.values[slot] : sample.value
            guard let band, let k = band.index(at: slotMs) else { checks.append((t, false, v)); continue }
            checks.append((t, v < band.lower[k] || v > band.upper[k], v))
        }
        return checks
    }

    /// The band from `origin`, fitted on history in which the last hour's values outside the previous
    /// band are replaced by what it expected: an incident under way at the top of the hour is not
    /// learned as the new normal (it would resolve itself at the refit). Once the values look normal
    /// again, IncidentDetection cuts the rest of it, up to a day long; a longer change is a level
    /// shift, which the models must see.
    static func fitBand(_ regular: Regularize.Regular, origin: Int64, previous: ForecastBand?, level: Double) -> ForecastBand? {
        var values = regular.values
        if let previous {
            let first = max(0, Int((origin - refitMs - regular.startMs) / regular.stepMs))
            for slot in first..<min(values.count, Int((origin - regular.startMs) / regular.stepMs)) {
                guard let k = previous.index(at: regular.startMs + Int64(slot) * regular.stepMs) else { continue }
                if values[slot] < previous.lower[k] || values[slot] > previous.upper[k] { values[slot] = previous.point[k] }
            }
        }
        return ForecastBand.fit(Regularize.Regular(startMs: regular.startMs, stepMs: regular.stepMs, values: values), originMs: origin, horizonMs: refitMs, level: level)
    }

    /// Alerts from one series' checks (time, whether the condition holds, the value) in time order: a run
    /// of satisfied checks fires once it has lasted `for`, and resolves at the first check that fails
    /// (`keep_firing_for` later) or when the series goes stale. Annotations are expanded at firing.
    package static func runs(_ rule: AlertRule, _ seriesLabels: Labels, _ checks: [(Int64, Bool, Double)], endMs: Int64, known: [String: Int64]) -> [(atMs: Int64, alert: AlertmanagerPayload.Alert)] {
        var labels = seriesLabels.dictionary.filter { $0.key != Labels.metricName }
        for (k, v) in rule.labels { labels[k] = v }
        labels["alertname"] = rule.name
        let fingerprint = AlertmanagerPayload.fingerprint(labels)
        var out: [(atMs: Int64, alert: AlertmanagerPayload.Alert)] = []
        var runStart: Int64?
        var firingSince: Int64?
        var annotations = rule.annotations
        var last: Int64?
        var failingSince: Int64?
        func close(at t: Int64) {
            if let since = firingSince {
                out.append((t, AlertmanagerPayload.Alert(firing: false, labels: labels, annotations: annotations, startsMs: since, endsMs: t, fingerprint: fingerprint)))
            }
            runStart = nil
            firingSince = nil
            failingSince = nil
        }
        for (t, holds, value) in checks {
            // A gap longer than Prometheus' look-back makes the series stale: the run ends.
            if let l = last, t - l > StaleMarker.lookbackMs { close(at: l + StaleMarker.lookbackMs) }
            last = t
            guard holds else {
                // A firing alert keeps firing for keep_firing_for after its condition stops.
                if firingSince != nil, rule.keepFiringFor.ms > 0 {
                    if failingSince == nil { failingSince = t }
                    if t - failingSince! >= rule.keepFiringFor.ms { close(at: t) }
                } else {
                    close(at: t)
                }
                continue
            }
            failingSince = nil
            if runStart == nil { runStart = t }
            if firingSince == nil, t - runStart! >= rule.forDuration.ms {
                let since = runStart == checks.first?.0 ? known[fingerprint] ?? t : t
                firingSince = since
                annotations = rule.annotations.mapValues { AlertTemplate.expand($0, labels: labels, value: value) }
                out.append((since, AlertmanagerPayload.Alert(firing: true, labels: labels, annotations: annotations, startsMs: since, endsMs: nil, fingerprint: fingerprint)))
            }
        }
        if let l = last, endMs - l > StaleMarker.lookbackMs { close(at: l + StaleMarker.lookbackMs) }
        return out
    }
}

/// Forecast bands by series and origin, kept between rule evaluations so that each series is fitted
/// once per origin rather than on every evaluation.
package final class ForecastBandCache: Sendable {
    private let bands = Mutex<[String: [Int64: ForecastBand?]]>([:])

    package init() {}

    func band(_ series: String, origin: Int64, fit: () -> ForecastBand?) -> ForecastBand? {
        if let cached = bands.withLock({ $0[series]?[origin] }) { return cached }
        let band = fit()
        bands.withLock { $0[series, default: [:]][origin] = .some(band) }
        return band
    }

    /// The band already fitted for `origin`, if any.
    func cached(_ series: String, origin: Int64) -> ForecastBand? {
        bands.withLock { $0[series]?[origin] ?? nil }
    }

    /// Drops the bands of origins before `originMs`, which no later evaluation reaches.
    func forget(before originMs: Int64) {
        bands.withLock { all in
            for key in all.keys { all[key] = all[key]!.filter { $0.key >= originMs } }
        }
    }
}
