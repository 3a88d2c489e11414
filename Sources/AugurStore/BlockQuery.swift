/// Turns an FTS5 query over lines into one for the block index, whose answer must contain every
/// block holding a matching line. The block index keeps no positions (`detail=none`), so phrases
/// and NEAR groups become the AND of their tokens; column filters and `^` are dropped; `X NOT Y`
/// becomes `X` (another line of the block may hold Y). Every rewrite only widens the match; the
/// lines found are then checked against the original query.
///
/// Returns nil when the query is not understood, and the caller checks every block instead.
enum BlockQuery {
    enum Token: Equatable {
        case word(String), quoted(String), op(Character)
    }

    static func relaxed(_ query: String) -> String? {
        guard let tokens = tokenize(query) else { return nil }
        var out: [String] = []
        var i = 0
        while i < tokens.count {
            switch tokens[i] {
            case .word("AND"), .word("OR"):
                out.append(tokens[i] == .word("AND") ? "AND" : "OR")
                i += 1
            case .word("NOT"):
                // Drop the operator and the operand it excludes.
                guard let end = operandEnd(tokens, from: i + 1) else { return nil }
                i = end
            case .op("("), .op(")"):
                if case .op(let c) = tokens[i] { out.append(String(c)) }
                i += 1
            case .op("^"):
                i += 1
            default:
                if let end = columnFilterEnd(tokens, from: i) { i = end; continue }
                if tokens[i] == .word("NEAR"), i + 1 < tokens.count, tokens[i + 1] == .op("(") {
                    guard let close = tokens[(i + 1)...].firstIndex(of: .op(")")) else { return nil }
                    var parts: [String] = []
                    var j = i + 2
                    while j < close {
                        if tokens[j] == .op(",") { j = close; break }
                        guard let (text, next) = phrase(tokens, from: j) else { return nil }
                        parts.append(text)
                        j = next
                    }
                    guard !parts.isEmpty else { return nil }
                    out.append("(" + parts.joined(separator: " AND ") + ")")
                    i = close + 1
                    continue
                }
                guard let (text, next) = phrase(tokens, from: i) else { return nil }
                out.append(text)
                i = next
            }
        }
        return out.isEmpty ? nil : out.joined(separator: " ")
    }

    /// A phrase (strings or barewords joined by `+`, each optionally a `*` prefix) as the AND of its
    /// tokens, and the index after it.
    static func phrase(_ tokens: [Token], from start: Int) -> (String, Int)? {
        var terms: [String] = []
        var i = start
        while i < tokens.count {
            let text: String
            switch tokens[i] {
            case .word(let w) where !["AND", "OR", "NOT"].contains(w): text = w
            case .quoted(let q): text = q
            default: return nil
            }
            i += 1
            let prefix = i < tokens.count && tokens[i] == .op("*")
            if prefix { i += 1 }
            var words = text.split { !($0.isLetter || $0.isNumber) }.map { "\"\($0)\"" }
            if prefix, !words.isEmpty { words[words.count - 1] += "*" }
            terms += words
            guard i < tokens.count, tokens[i] == .op("+") else { break }
            i += 1
        }
        guard !terms.isEmpty else { return nil }
        return (terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " AND ") + ")", i)
    }

    /// The index after a column filter (`col :`, `- col :`, `{a b} :`, `- {a b} :`) starting at
    /// `start`, or nil when there is none.
    static func columnFilterEnd(_ tokens: [Token], from start: Int) -> Int? {
        var i = start
        if i < tokens.count, tokens[i] == .op("-") { i += 1 }
        guard i < tokens.count else { return nil }
        if tokens[i] == .op("{") {
            guard let close = tokens[i...].firstIndex(of: .op("}")) else { return nil }
            i = close + 1
        } else if case .word = tokens[i] {
            i += 1
        } else {
            return nil
        }
        return i < tokens.count && tokens[i] == .op(":") ? i + 1 : nil
    }

    /// The index after the operand starting at `start`: a column filter and then a parenthesised
    /// group, a NEAR group or a phrase.
    static func operandEnd(_ tokens: [Token], from start: Int) -> Int? {
        var i = columnFilterEnd(tokens, from: start) ?? start
        if i < tokens.count, tokens[i] == .op("^") { i += 1 }
        guard i < tokens.count else { return nil }
        if tokens[i] == .word("NEAR"), i + 1 < tokens.count, tokens[i + 1] == .op("(") { i += 1 }
        if tokens[i] == .op("(") {
            var depth = 0
            while i < tokens.count {
                if tokens[i] == .op("(") { depth += 1 }
                if tokens[i] == .op(")") { depth -= 1; if depth == 0 { return i + 1 } }
                i += 1
            }
            return nil
        }
        return phrase(tokens, from: i)?.1
    }

    /// FTS5's query tokens: "strings" ("" is a quote inside), barewords (letters, digits, `_`,
    /// anything non-ASCII) and the operator characters. Nil on anything else.
    static func tokenize(_ query: String) -> [Token]? {
        var tokens: [Token] = []
        var chars = Array(query)[...]
        while let c = chars.first {
            if c.isWhitespace { chars.removeFirst(); continue }
            if c == "\"" {
                var text = ""
                chars.removeFirst()
                while true {
                    guard let d = chars.popFirst() else { return nil }
                    if d == "\"" {
                        if chars.first == "\"" { chars.removeFirst(); text.append("\"") } else { break }
                    } else {
                        text.append(d)
                    }
                }
                tokens.append(.quoted(text))
            } else if "()+*:^{},-".contains(c) {
                tokens.append(.op(c))
                chars.removeFirst()
            } else if c.isLetter || c.isNumber || c == "_" || !c.isASCII {
                var word = ""
                while let d = chars.first, d.isLetter || d.isNumber || d == "_" || !d.isASCII, !d.isWhitespace {
                    word.append(d)
                    chars.removeFirst()
                }
                tokens.append(.word(word))
            } else {
                return nil
            }
        }
        return tokens
    }
}
