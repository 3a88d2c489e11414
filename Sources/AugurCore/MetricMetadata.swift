/// What a metric is, as its exporter declared it (`# TYPE`/`# HELP`, remote-write metadata).
package struct MetricMetadata: Sendable, Equatable {
    /// Prometheus' metric types (remote-write's `MetricType` enum, in its order).
    package enum Kind: String, Sendable, CaseIterable {
        case unknown, counter, gauge, histogram, gaugehistogram, summary, info, stateset
    }

    package var name: String
    package var type: Kind
    package var help: String
    package var unit: String

    package init(name: String, type: Kind, help: String = "", unit: String = "") {
        self.name = name
        self.type = type
        self.help = help
        self.unit = unit
    }

    /// Whether a series of this name counts up (its rate is the quantity): declared a counter, or a
    /// histogram's or summary's `_bucket`/`_count`/`_sum`, or, undeclared, named as Prometheus' naming
    /// conventions name counters.
    package static func isCounter(_ series: String, declared: [String: Kind]) -> Bool {
        if let kind = declared[series] { return kind == .counter }
        for suffix in ["_bucket", "_count", "_sum"] where series.hasSuffix(suffix) {
            let family = String(series.dropLast(suffix.count))
            if let kind = declared[family] { return kind == .histogram || kind == .summary || (suffix == "_count" && kind == .counter) }
        }
        if series.hasSuffix("_total"), let kind = declared[String(series.dropLast(6))] { return kind == .counter }
        return series.hasSuffix("_total") || series.hasSuffix("_bucket") || series.hasSuffix("_count") || series.hasSuffix("_sum")
    }
}
