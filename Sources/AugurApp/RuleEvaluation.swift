package import AugurCore
import AugurPromQL
package import AugurReports
package import AugurStore

extension RuleEvaluator {
    /// The alerts of `rules` over the stored series in `[startMs, endMs]`, ordered by time. A PromQL
    /// rule is evaluated at every `stepMs` (the rule interval), as Prometheus evaluates it: each
    /// element of its result at a step is an alert whose condition holds then.
    package static func alerts(rules: [AlertRule], store: Store, startMs: Int64, endMs: Int64, stepMs: Int64 = 30_000, known: [String: Int64] = [:],
                               bands: ForecastBandCache = ForecastBandCache()) throws -> [(atMs: Int64, alert: AlertmanagerPayload.Alert)] {
        var out: [(atMs: Int64, alert: AlertmanagerPayload.Alert)] = []
        for rule in rules {
            if case .promql(let text) = try rule.parsed() {
                out += try promqlAlerts(rule, expr: try Parser.parse(text), store: store, startMs: startMs, endMs: endMs, stepMs: stepMs, known: known)
                continue
            }
            let (selector, fromMs) = try reads(rule, startMs: startMs)
            out += try alerts(rule, series: try store.select(selector, startMs: fromMs, endMs: endMs), startMs: startMs, endMs: endMs, known: known, bands: bands)
        }
        return out.sorted { $0.atMs < $1.atMs }
    }

    static func promqlAlerts(_ rule: AlertRule, expr: Expr, store: Store, startMs: Int64, endMs: Int64, stepMs: Int64, known: [String: Int64]) throws -> [(atMs: Int64, alert: AlertmanagerPayload.Alert)] {
        let first = startMs - startMs % stepMs + (startMs % stepMs == 0 ? 0 : stepMs)
        let steps: [Int64] = Array(sequence(first: first) { $0 + stepMs }.prefix { $0 <= endMs })
        var out: [(atMs: Int64, alert: AlertmanagerPayload.Alert)] = []
        for s in try store.evaluate(expr, startMs: startMs, endMs: endMs, stepMs: stepMs).sorted(by: { $0.labels < $1.labels }) {
            let points = Dictionary(s.samples.map { ($0.timestampMs, $0.value) }) { a, _ in a }
            out += runs(rule, s.labels, steps.map { t in (t, points[t] != nil, points[t] ?? .nan) }, endMs: endMs, known: known)
        }
        return out
    }

    /// Each recording rule's result now, as the series it records (`record` as the name, the rule's labels added).
    package static func recordings(_ rules: [RecordingRule], store: Store, atMs: Int64) throws -> [Series] {
        var out: [Series] = []
        for rule in rules {
            let result = try Evaluator.instant(try Parser.parse(rule.expr), at: atMs, read: store.seriesReader)
            let elements: [(Labels, Double)]
            switch result {
            case .vector(let v): elements = v.map { ($0.labels, $0.value) }
            case .scalar(_, let v): elements = [(Labels([]), v)]
            default: elements = []
            }
            for (labels, value) in elements {
                var pairs = labels.pairs.filter { $0.name != Labels.metricName }.map { ($0.name, $0.value) }
                pairs += rule.labels.map { ($0.key, $0.value) }
                out.append(Series(labels: Labels([(Labels.metricName, rule.record)] + pairs), samples: [Sample(atMs, value)]))
            }
        }
        return out
    }
}
