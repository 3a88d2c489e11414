import Foundation

/// An alerting rule as Prometheus writes one: an expression whose result elements are alerts once
/// they have held for `for`, kept firing `keep_firing_for` after they stop. `<selector> <op> <number>`
/// is checked sample by sample; `outside_forecast(…)` is Augur's own; any other PromQL is evaluated
/// by the PromQL engine at the rule interval.
package struct AlertRule: Sendable, Equatable, Codable {
    package enum Op: String, Sendable, Codable, CaseIterable {
        case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<=", equal = "==", notEqual = "!="

        package func holds(_ a: Double, _ b: Double) -> Bool {
            switch self {
            case .greater: a > b
            case .greaterOrEqual: a >= b
            case .less: a < b
            case .lessOrEqual: a <= b
            case .equal: a == b
            case .notEqual: a != b
            }
        }
    }

    package var name: String
    package var expr: String
    package var forDuration: ConfigDuration
    package var keepFiringFor = ConfigDuration(ms: 0)
    package var labels: [String: String]
    package var annotations: [String: String]

    package init(name: String, expr: String, forDuration: ConfigDuration, labels: [String: String] = [:], annotations: [String: String] = [:]) {
        self.name = name
        self.expr = expr
        self.forDuration = forDuration
        self.labels = labels
        self.annotations = annotations
    }

    enum CodingKeys: String, CodingKey { case name, expr, forDuration = "for", keepFiringFor = "keep_firing_for", labels, annotations }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        expr = try c.decode(String.self, forKey: .expr)
        forDuration = try c.decodeIfPresent(ConfigDuration.self, forKey: .forDuration) ?? ConfigDuration(ms: 0)
        keepFiringFor = try c.decodeIfPresent(ConfigDuration.self, forKey: .keepFiringFor) ?? ConfigDuration(ms: 0)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations) ?? [:]
    }

    /// What a rule's expression asks of each selected series, sample by sample.
    package enum Condition: Sendable {
        /// `<selector> <op> <number>`.
        case threshold(Selector, Op, Double)
        /// `outside_forecast(<selector>, <level %>)`: observed outside the interval at that level of a
        /// forecast fitted on the history before it (level 99 when omitted).
        case outsideForecast(Selector, level: Double)
        /// Any other expression: PromQL, checked where the engine is (the configuration loader).
        case promql(String)
    }

    /// The expression as a condition; anything else is refused with what Augur can evaluate.
    package func parsed() throws(ConfigError) -> Condition {
        let text = expr.trimmingCharacters(in: .whitespaces)
        let function = "outside_forecast("
        guard text.hasPrefix(function) && text.hasSuffix(")") else {
            guard let (lhs, op, rhs) = Self.split(text, atFirstOf: "<>=!") else { return .promql(text) }
            var opText = op
            var threshold = rhs
            if threshold.hasPrefix("=") { opText += "="; threshold.removeFirst() }
            guard let op = Op(rawValue: opText), let value = Double(threshold.trimmingCharacters(in: .whitespaces)), value.isFinite,
                  let selector = try? Selector(parsing: lhs.trimmingCharacters(in: .whitespaces)) else { return .promql(text) }
            return .threshold(selector, op, value)
        }
        let inner = String(text.dropFirst(function.count).dropLast())
        guard let (lhs, _, rhs) = Self.split(inner, atFirstOf: ",") else { return .outsideForecast(try selector(inner), level: 0.99) }
        guard let percent = Double(rhs.trimmingCharacters(in: .whitespaces)), percent > 0, percent < 100 else {
            throw ConfigError("rule \(name): outside_forecast level \"\(rhs.trimmingCharacters(in: .whitespaces))\" must be a percentage between 0 and 100, e.g. 99")
        }
        return .outsideForecast(try selector(lhs), level: percent / 100)
    }

    private func selector(_ text: String) throws(ConfigError) -> Selector {
        let text = text.trimmingCharacters(in: .whitespaces)
        do { return try Selector(parsing: text) } catch {
            throw ConfigError("rule \(name): \"\(text)\" is not a series selector Augur can evaluate (\(error.detail)); functions, aggregations and arithmetic are not supported")
        }
    }

    /// `text` split at the first of `separators` outside the selector's braces and quotes: the part
    /// before, the separator, the part after.
    private static func split(_ text: String, atFirstOf separators: String) -> (String, String, String)? {
        let chars = Array(text)
        var depth = 0, quoted = false
        for (i, c) in chars.enumerated() {
            if c == "\"" && (i == 0 || chars[i - 1] != "\\") { quoted.toggle() }
            guard !quoted else { continue }
            if c == "{" { depth += 1 } else if c == "}" { depth -= 1 } else if depth == 0, separators.contains(c) {
                return (String(chars[..<i]), String(c), String(chars[(i + 1)...]))
            }
        }
        return nil
    }

    /// Out of the box: p99 latency above 500 ms and error ratio above 1 %, each for 2 minutes.
    package static let builtIn: [AlertRule] = [
        AlertRule(name: "HighLatencyP99", expr: "http_request_duration_seconds{quantile=\"0.99\"} > 0.5", forDuration: ConfigDuration(seconds: 120),
                  labels: ["severity": "critical"], annotations: ["summary": "p99 latency above 500 ms for 2 minutes"]),
        AlertRule(name: "HighErrorRate", expr: "http_error_ratio > 0.01", forDuration: ConfigDuration(seconds: 120),
                  labels: ["severity": "warning"], annotations: ["summary": "error rate above 1 % for 2 minutes"]),
    ]
}

/// A recording rule: `expr` evaluated every rule interval, its result stored as series named `record`
/// (with `labels` added), as Prometheus records one.
package struct RecordingRule: Sendable, Equatable, Codable {
    package var record: String
    package var expr: String
    package var labels: [String: String]

    package init(record: String, expr: String, labels: [String: String] = [:]) {
        self.record = record
        self.expr = expr
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey { case record, expr, labels }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        record = try c.decode(String.self, forKey: .record)
        expr = try c.decode(String.self, forKey: .expr)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }
}
