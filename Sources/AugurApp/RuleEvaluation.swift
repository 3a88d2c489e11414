package import AugurCore
package import AugurReports
package import AugurStore

extension RuleEvaluator {
    /// The alerts of `rules` over the stored series in `[startMs, endMs]`, ordered by time.
    package static func alerts(rules: [AlertRule], store: Store, startMs: Int64, endMs: Int64, known: [String: Int64] = [:],
                               bands: ForecastBandCache = ForecastBandCache()) throws -> [(atMs: Int64, alert: AlertmanagerPayload.Alert)] {
        var out: [(atMs: Int64, alert: AlertmanagerPayload.Alert)] = []
        for rule in rules {
            let (selector, fromMs) = try reads(rule, startMs: startMs)
            out += try alerts(rule, series: try store.select(selector, startMs: fromMs, endMs: endMs), startMs: startMs, endMs: endMs, known: known, bands: bands)
        }
        return out.sorted { $0.atMs < $1.atMs }
    }
}
