package import AugurCore
package import AugurStore

/// Evaluates threshold rules over stored series as Prometheus does over time: a series whose value
/// satisfies the comparison continuously for the rule's `for` fires (its start is when `for` was
/// met) and resolves at the first sample that does not satisfy it, or when the series goes stale.
package enum RuleEvaluator {
    /// Alerts (firing, and resolved ones as a firing then a resolved delivery) in `[startMs, endMs]`,
    /// ordered by time. `known` maps fingerprints of alerts already firing to their start, so an alert
    /// that began before the window keeps its start.
    package static func alerts(rules: [AlertRule], store: Store, startMs: Int64, endMs: Int64, known: [String: Int64] = [:]) throws -> [(atMs: Int64, alert: AlertmanagerPayload.Alert)] {
        var out: [(atMs: Int64, alert: AlertmanagerPayload.Alert)] = []
        for rule in rules {
            let (selector, op, threshold) = try rule.parsed()
            for series in try store.select(selector, startMs: startMs, endMs: endMs) {
                var labels = series.labels.dictionary.filter { $0.key != Labels.metricName }
                for (k, v) in rule.labels { labels[k] = v }
                labels["alertname"] = rule.name
                let fingerprint = AlertmanagerPayload.fingerprint(labels)
                var runStart: Int64?
                var firingSince: Int64?
                var last: Int64?
                func close(at t: Int64) {
                    if let since = firingSince {
                        let alert = AlertmanagerPayload.Alert(firing: false, labels: labels, annotations: rule.annotations, startsMs: since, endsMs: t, fingerprint: fingerprint)
                        out.append((t, alert))
                    }
                    runStart = nil
                    firingSince = nil
                }
                for sample in series.samples {
                    // A gap longer than Prometheus' look-back makes the series stale: the run ends.
                    if let l = last, sample.timestampMs - l > Store.lookbackMs { close(at: l + Store.lookbackMs) }
                    last = sample.timestampMs
                    guard !StaleMarker.isStale(sample.value), op.holds(sample.value, threshold) else { close(at: sample.timestampMs); continue }
                    if runStart == nil { runStart = sample.timestampMs }
                    if firingSince == nil, sample.timestampMs - runStart! >= rule.forDuration.ms {
                        let since = runStart == series.samples.first?.timestampMs ? known[fingerprint] ?? sample.timestampMs : sample.timestampMs
                        firingSince = since
                        out.append((since, AlertmanagerPayload.Alert(firing: true, labels: labels, annotations: rule.annotations, startsMs: since, endsMs: nil, fingerprint: fingerprint)))
                    }
                }
                if let l = last, endMs - l > Store.lookbackMs { close(at: l + Store.lookbackMs) }
            }
        }
        return out.sorted { $0.atMs < $1.atMs }
    }
}
