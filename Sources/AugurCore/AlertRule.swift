import Foundation

/// A threshold alert rule: `<selector> <op> <number>` held for `for` (Prometheus' `for:`).
/// Only this expression form is evaluated; anything else is refused when the rule is loaded.
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
    package var labels: [String: String]
    package var annotations: [String: String]

    package init(name: String, expr: String, forDuration: ConfigDuration, labels: [String: String] = [:], annotations: [String: String] = [:]) {
        self.name = name
        self.expr = expr
        self.forDuration = forDuration
        self.labels = labels
        self.annotations = annotations
    }

    enum CodingKeys: String, CodingKey { case name, expr, forDuration = "for", labels, annotations }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        expr = try c.decode(String.self, forKey: .expr)
        forDuration = try c.decodeIfPresent(ConfigDuration.self, forKey: .forDuration) ?? ConfigDuration(ms: 0)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations) ?? [:]
    }

    /// The expression split into its selector, comparison and threshold.
    package func parsed() throws(ConfigError) -> (selector: Selector, op: Op, threshold: Double) {
        // The comparison is the last operator outside the selector's braces and quotes.
        let chars = Array(expr)
        var depth = 0, quoted = false, at: Int?
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\"" && (i == 0 || chars[i - 1] != "\\") { quoted.toggle() }
            if !quoted {
                if c == "{" { depth += 1 } else if c == "}" { depth -= 1 } else if depth == 0, "<>=!".contains(c) { at = i; break }
            }
            i += 1
        }
        guard let at else { throw ConfigError("rule \(name): expr \"\(expr)\" must be <selector> <op> <number> (op one of > >= < <= == !=); other PromQL is not evaluated by Augur") }
        var opEnd = at + 1
        if opEnd < chars.count, chars[opEnd] == "=" { opEnd += 1 }
        let opText = String(chars[at..<opEnd])
        let lhs = String(chars[..<at]).trimmingCharacters(in: .whitespaces), rhs = String(chars[opEnd...]).trimmingCharacters(in: .whitespaces)
        guard let op = Op(rawValue: opText), let threshold = Double(rhs), threshold.isFinite else {
            throw ConfigError("rule \(name): expr \"\(expr)\" must be <selector> <op> <number> (op one of > >= < <= == !=); other PromQL is not evaluated by Augur")
        }
        do { return (try Selector(parsing: lhs), op, threshold) } catch {
            throw ConfigError("rule \(name): \"\(lhs)\" is not a series selector Augur can evaluate (\(error.detail)); functions, aggregations and arithmetic are not supported")
        }
    }

    /// Out of the box: p99 latency above 500 ms and error ratio above 1 %, each for 2 minutes.
    package static let builtIn: [AlertRule] = [
        AlertRule(name: "HighLatencyP99", expr: "http_request_duration_seconds{quantile=\"0.99\"} > 0.5", forDuration: ConfigDuration(seconds: 120),
                  labels: ["severity": "critical"], annotations: ["summary": "p99 latency above 500 ms for 2 minutes"]),
        AlertRule(name: "HighErrorRate", expr: "http_error_ratio > 0.01", forDuration: ConfigDuration(seconds: 120),
                  labels: ["severity": "warning"], annotations: ["summary": "error rate above 1 % for 2 minutes"]),
    ]
}
