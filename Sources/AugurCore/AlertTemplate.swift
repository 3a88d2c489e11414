/// The part of Prometheus' alert templating that rule files use: `{{ $labels.name }}`, `{{ $value }}`,
/// `{{ $value | humanize }}`, `{{ humanize $value }}`, `{{ $externalLabels… }}` aside. An action it
/// does not know is left as written, so the text still shows what was meant.
package enum AlertTemplate {
    package static func expand(_ template: String, labels: [String: String], value: Double) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { out += rest[open.lowerBound...]; return out }
            let action = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "-", with: "")
            out += evaluate(String(action).trimmingCharacters(in: .whitespaces), labels: labels, value: value) ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    private static func evaluate(_ action: String, labels: [String: String], value: Double) -> String? {
        let words = action.split(separator: " ").filter { $0 != "|" }.map(String.init)
        let humanized = words.contains("humanize")
        for w in words {
            if w == "$value" || w == ".Value" { return humanized ? humanize(value) : format(value) }
            if w.hasPrefix("$labels.") { return labels[String(w.dropFirst(8))] ?? "" }
            if w.hasPrefix(".Labels.") { return labels[String(w.dropFirst(8))] ?? "" }
        }
        return nil
    }

    /// Go's %g-like plain form of a value (Prometheus prints `$value` with strconv's 'g').
    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(exactly: v) ?? 0) }
        return "\(v)"
    }

    /// Prometheus' `humanize`: SI prefixes, 4 significant digits (1234567 → 1.235M, 0.0012 → 1.2m).
    package static func humanize(_ v: Double) -> String {
        if v == 0 || !v.isFinite { return format(v) }
        let big = [(1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        let small = [(1e-3, "m"), (1e-6, "u"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f"), (1e-18, "a"), (1e-21, "z"), (1e-24, "y")]
        let a = abs(v)
        if a >= 1 {
            for (scale, prefix) in big where a >= scale { return significant(v / scale) + prefix }
            return significant(v)
        }
        for (scale, prefix) in small where a >= scale { return significant(v / scale) + prefix }
        return significant(v / 1e-24) + "y"
    }

    /// Four significant digits without trailing zeros, as Go's %.4g.
    private static func significant(_ v: Double) -> String {
        let digits = max(0, 3 - integerDigits(abs(v)) + 1)
        var text = String(format: "%.\(digits)f", v)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// Digits before the point (1 for values under 10).
    private static func integerDigits(_ v: Double) -> Int {
        var n = 1, x = v
        while x >= 10 { x /= 10; n += 1 }
        return n
    }
}

import Foundation
