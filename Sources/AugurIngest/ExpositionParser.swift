package import AugurCore

/// Prometheus text exposition format 0.0.4 (and OpenMetrics' `# EOF`):
/// `name{label="value",...} value [timestamp_ms]`, `# HELP` / `# TYPE` comments.
package enum ExpositionParser {
    /// Parses a scrape or import body. Samples without a timestamp get `defaultTimestampMs`;
    /// `extraLabels` (e.g. `job`, `instance`) are added unless the line sets them.
    package static func parse(_ text: String, defaultTimestampMs: Int64, extraLabels: [String: String] = [:]) throws(IngestError) -> [Series] {
        try parse(Array(text.utf8), defaultTimestampMs: defaultTimestampMs, extraLabels: extraLabels)
    }

    /// The same over raw bytes: lines end in LF or CRLF (split on bytes: Swift's `Character` makes
    /// "\r\n" one grapheme, so splitting a `String` on "\n" never sees a CRLF line end), and every
    /// byte must be UTF-8.
    package static func parse(_ body: [UInt8], defaultTimestampMs: Int64, extraLabels: [String: String] = [:]) throws(IngestError) -> [Series] {
        var bad = BadRecords.strict
        return try parse(body, defaultTimestampMs: defaultTimestampMs, extraLabels: extraLabels, bad: &bad)
    }

    /// The same, skipping malformed lines into `bad` unless it is strict (file imports).
    package static func parse(_ body: [UInt8], defaultTimestampMs: Int64, extraLabels: [String: String] = [:], bad: inout BadRecords) throws(IngestError) -> [Series] {
        var order: [Labels] = []
        var bySeries: [Labels: [Sample]] = [:]
        var lineNo = 0
        for rawLine in body.split(separator: 10, omittingEmptySubsequences: false) {
            lineNo += 1
            let line = rawLine.last == 13 ? rawLine.dropLast() : rawLine
            try bad.record { () throws(IngestError) in
                guard String(validating: line, as: UTF8.self) != nil else {
                    throw IngestError(.malformed, format: "prometheus text", "line is not valid UTF-8", line: lineNo)
                }
                let trimmed = line.drop { $0 == 32 || $0 == 9 }
                if trimmed.isEmpty || trimmed.first == UInt8(ascii: "#") { return }
                var p = LineParser(Array(trimmed), line: lineNo)
                var (labels, sample) = try p.parseSample(defaultTimestampMs: defaultTimestampMs)
                for (k, v) in extraLabels where labels[k] == nil { labels = labels.adding(k, v) }
                if bySeries[labels] == nil { order.append(labels) }
                bySeries[labels, default: []].append(sample)
            }
        }
        return order.map { Series(labels: $0, samples: bySeries[$0]!) }
    }
}

private struct LineParser {
    let u: [UInt8]
    var i = 0
    let line: Int

    init(_ u: [UInt8], line: Int) {
        self.u = u
        self.line = line
    }

    func fail(_ what: String, field: String? = nil) -> IngestError {
        IngestError(.malformed, format: "prometheus text", "\(what) (column \(i + 1))", line: line, field: field)
    }

    mutating func parseSample(defaultTimestampMs: Int64) throws(IngestError) -> (Labels, Sample) {
        let name = readName(colon: true)
        guard !name.isEmpty else { throw fail("expected a metric name", field: "metric") }
        var pairs: [(String, String)] = [(Labels.metricName, name)]
        skipSpace()
        if peek == UInt8(ascii: "{") {
            i += 1
            skipSpace()
            while peek != UInt8(ascii: "}") {
                let label = readName(colon: false)
                guard !label.isEmpty else { throw fail("expected a label name", field: "labels") }
                skipSpace()
                guard peek == UInt8(ascii: "=") else { throw fail("expected '=' after label \(label)", field: label) }
                i += 1
                skipSpace()
                pairs.append((label, try readQuoted(label)))
                skipSpace()
                if peek == UInt8(ascii: ",") { i += 1; skipSpace() } else { break }
            }
            guard peek == UInt8(ascii: "}") else { throw fail("expected '}'", field: "labels") }
            i += 1
        }
        skipSpace()
        let valueText = readToken()
        guard let value = parseValue(valueText) else { throw fail("\"\(valueText)\" is not a sample value", field: "value") }
        skipSpace()
        var ts = defaultTimestampMs
        let tsText = readToken()
        if !tsText.isEmpty {
            guard let t = Int64(tsText) else { throw fail("\"\(tsText)\" is not a timestamp in milliseconds", field: "timestamp") }
            ts = t
        }
        skipSpace()
        guard i == u.count else { throw fail("unexpected text after the sample") }
        do { return (try Labels(checking: pairs), Sample(ts, value)) } catch { throw fail(error.detail, field: "labels") }
    }

    var peek: UInt8? { i < u.count ? u[i] : nil }

    mutating func skipSpace() { while i < u.count, u[i] == 32 || u[i] == 9 { i += 1 } }

    mutating func readName(colon: Bool) -> String {
        let start = i
        while i < u.count {
            let c = u[i]
            let letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || (colon && c == 58)
            let digit = c >= 48 && c <= 57
            guard letter || (digit && i > start) else { break }
            i += 1
        }
        return String(decoding: u[start..<i], as: UTF8.self)
    }

    mutating func readToken() -> String {
        let start = i
        while i < u.count, u[i] != 32 && u[i] != 9 { i += 1 }
        return String(decoding: u[start..<i], as: UTF8.self)
    }

    mutating func readQuoted(_ label: String) throws(IngestError) -> String {
        guard peek == UInt8(ascii: "\"") else { throw fail("expected a quoted value for label \(label)", field: label) }
        i += 1
        var bytes: [UInt8] = []
        while i < u.count, u[i] != UInt8(ascii: "\"") {
            if u[i] == UInt8(ascii: "\\"), i + 1 < u.count {
                i += 1
                switch u[i] {
                case UInt8(ascii: "n"): bytes.append(10)
                case UInt8(ascii: "\\"), UInt8(ascii: "\""): bytes.append(u[i])
                default: bytes.append(UInt8(ascii: "\\")); bytes.append(u[i])
                }
            } else {
                bytes.append(u[i])
            }
            i += 1
        }
        guard i < u.count else { throw fail("unterminated value of label \(label)", field: label) }
        i += 1
        guard let s = String(validating: bytes, as: UTF8.self) else { throw fail("value of label \(label) is not UTF-8", field: label) }
        return s
    }
}

/// Go's ParseFloat spellings that Prometheus writes: `NaN`, `+Inf`, `-Inf`, and ordinary numbers.
package func parseValue(_ text: some StringProtocol) -> Double? {
    switch text.lowercased() {
    case "nan": return .nan
    case "+inf", "inf", "+infinity", "infinity": return .infinity
    case "-inf", "-infinity": return -.infinity
    case "": return nil
    default:
        guard let v = Double(text) else { return nil }
        return v
    }
}

extension ExpositionParser {
    /// The `# TYPE` and `# HELP` lines' metadata (the text format's only metadata); malformed ones are skipped.
    package static func metadata(_ body: [UInt8]) -> [MetricMetadata] {
        var byName: [String: MetricMetadata] = [:]
        var order: [String] = []
        for rawLine in body.split(separator: 10) {
            guard rawLine.starts(with: "# TYPE ".utf8) || rawLine.starts(with: "# HELP ".utf8),
                  let line = String(validating: rawLine.last == 13 ? rawLine.dropLast() : rawLine, as: UTF8.self) else { continue }
            let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard let name = parts.first.map(String.init), Labels.isMetricName(name) else { continue }
            let rest = parts.count > 1 ? String(parts[1]) : ""
            if byName[name] == nil { order.append(name); byName[name] = MetricMetadata(name: name, type: .unknown) }
            if line.hasPrefix("# TYPE ") {
                byName[name]!.type = rest.split(separator: " ").first.flatMap { MetricMetadata.Kind(rawValue: String($0)) } ?? .unknown  // "untyped" too
            } else {
                byName[name]!.help = unescapeHelp(rest)
            }
        }
        return order.compactMap { byName[$0] }
    }

    /// HELP text escapes only `\\` and `\n`.
    private static func unescapeHelp(_ s: String) -> String {
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                out.append(c == "n" ? "\n" : c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}
