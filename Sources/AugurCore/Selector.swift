/// A Prometheus series selector: `name{label="v",label!="v",label=~"re",label!~"re"}`.
package struct Selector: Sendable, CustomStringConvertible {
    package enum Op: String, Sendable { case equal = "=", notEqual = "!=", regexMatch = "=~", regexNoMatch = "!~" }

    package struct Matcher: Sendable {
        package let name: String
        package let op: Op
        package let value: String
        // Prometheus anchors regexes at both ends (RE2 full match).
        let regex: AnchoredRegex?

        package init(name: String, op: Op, value: String) throws(QueryError) {
            self.name = name
            self.op = op
            self.value = value
            if op == .regexMatch || op == .regexNoMatch {
                do { regex = try AnchoredRegex(value) } catch {
                    throw QueryError(.badSelector, "invalid regular expression \"\(value)\" for label \(name): \(error.description)")
                }
            } else {
                regex = nil
            }
        }

        /// An absent label matches as the empty string, as in Prometheus.
        package func matches(_ labels: Labels) -> Bool {
            let actual = labels[name] ?? ""
            switch op {
            case .equal: return actual == value
            case .notEqual: return actual != value
            case .regexMatch: return regex!.matches(actual)
            case .regexNoMatch: return !regex!.matches(actual)
            }
        }
    }

    package let matchers: [Matcher]
    package let text: String

    package var description: String { text }

    package func matches(_ labels: Labels) -> Bool { matchers.allSatisfy { $0.matches(labels) } }

    /// The metric name when the selector pins one with `=`.
    package var metricName: String? {
        matchers.first { $0.name == Labels.metricName && $0.op == .equal }?.value
    }

    package init(parsing text: String) throws(QueryError) {
        var p = SelectorParser(text)
        self.matchers = try p.parse()
        self.text = text
    }

    /// A selector from matchers already checked (PromQL's parser builds them).
    package init(matchers: [Matcher], text: String) {
        self.matchers = matchers
        self.text = text
    }

    /// The selector of every series that has all of `labels` (`name{a="x",…}`).
    package init(exactly labels: Labels) {
        matchers = labels.pairs.map { try! Matcher(name: $0.name, op: .equal, value: $0.value) }  // `=` compiles nothing: never throws
        text = labels.description
    }
}

/// Full-match regular expression, compiled once, matched in linear time (RE2's semantics through
/// `ByteRegex`'s `.re2` mode: Prometheus anchors a matcher's pattern as `^(?:…)$`).
struct AnchoredRegex: Sendable {
    private let regex: ByteRegex
    /// The pattern's text when it has no metacharacter: compared as a string.
    private let literal: String?

    init(_ pattern: String) throws(ByteRegex.Unsupported) {
        regex = try ByteRegex("^(?:" + pattern + ")$", mode: .re2)
        literal = pattern.utf8.contains { Self.meta.contains($0) } ? nil : pattern
    }

    private static let meta = Set(#"\.+*?()|[]{}^$"#.utf8)

    func matches(_ s: String) -> Bool {
        if let literal { return s == literal }
        var s = s
        return s.withUTF8 { regex.firstMatch(in: $0, scratch: ByteRegex.Scratch()) != nil }
    }
}

private struct SelectorParser {
    let chars: [Character]
    var i = 0
    let text: String

    init(_ text: String) {
        self.text = text
        self.chars = Array(text)
    }

    mutating func parse() throws(QueryError) -> [Selector.Matcher] {
        var matchers: [Selector.Matcher] = []
        skipSpace()
        if i < chars.count, chars[i] != "{" {
            let name = readName(allowColon: true)
            guard !name.isEmpty else { throw fail("expected a metric name or '{'") }
            matchers.append(try Selector.Matcher(name: Labels.metricName, op: .equal, value: name))
        }
        skipSpace()
        if i < chars.count, chars[i] == "{" {
            i += 1
            skipSpace()
            while i < chars.count, chars[i] != "}" {
                let name = readName(allowColon: false)
                guard !name.isEmpty else { throw fail("expected a label name") }
                skipSpace()
                let op = try readOp()
                skipSpace()
                let value = try readString()
                matchers.append(try Selector.Matcher(name: name, op: op, value: value))
                skipSpace()
                if i < chars.count, chars[i] == "," { i += 1; skipSpace() } else { break }
            }
            guard i < chars.count, chars[i] == "}" else { throw fail("expected '}'") }
            i += 1
        }
        skipSpace()
        guard i == chars.count else { throw fail("unexpected character '\(chars[i])'") }
        guard !matchers.isEmpty else { throw fail("empty selector") }
        // Prometheus refuses selectors that match every series, e.g. {a=~".*"}.
        guard matchers.contains(where: { !$0.matches(Labels([])) }) else {
            throw QueryError(.badSelector, "selector \(text) must contain at least one matcher that does not match the empty string")
        }
        return matchers
    }

    mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

    mutating func readName(allowColon: Bool) -> String {
        var s = ""
        while i < chars.count {
            let c = chars[i]
            let ok = c.isASCII && (c.isLetter || c == "_" || (allowColon && c == ":") || (!s.isEmpty && c.isNumber))
            guard ok else { break }
            s.append(c)
            i += 1
        }
        return s
    }

    mutating func readOp() throws(QueryError) -> Selector.Op {
        func at(_ k: Int) -> Character? { i + k < chars.count ? chars[i + k] : nil }
        switch (at(0), at(1)) {
        case ("=", "~"): i += 2; return .regexMatch
        case ("!", "~"): i += 2; return .regexNoMatch
        case ("!", "="): i += 2; return .notEqual
        case ("=", _): i += 1; return .equal
        default: throw fail("expected one of =, !=, =~, !~")
        }
    }

    mutating func readString() throws(QueryError) -> String {
        guard i < chars.count, chars[i] == "\"" || chars[i] == "'" || chars[i] == "`" else { throw fail("expected a quoted label value") }
        let quote = chars[i]
        i += 1
        var s = ""
        while i < chars.count, chars[i] != quote {
            if chars[i] == "\\", quote != "`", i + 1 < chars.count {
                i += 1
                switch chars[i] {
                case "n": s.append("\n")
                case "t": s.append("\t")
                default: s.append(chars[i])
                }
            } else {
                s.append(chars[i])
            }
            i += 1
        }
        guard i < chars.count else { throw fail("unterminated string") }
        i += 1
        return s
    }

    func fail(_ what: String) -> QueryError {
        QueryError(.badSelector, "\(what) at position \(i + 1) in selector \(text)")
    }
}
