package import AugurCore
import Foundation

/// A compiled regular expression: the byte engine when it supports the pattern (byte semantics, then
/// RE2's), Foundation's otherwise (slower and backtracking, so only for what an operator configures:
/// `linearOnly` patterns, such as pins that any client may add, are refused instead).
/// A class: it is copied once per mask and line on the mining path, and a copy of a class is one
/// reference count where a copy of this struct was one per array of its compiled program.
package final class LogPattern: @unchecked Sendable {  // immutable; NSRegularExpression is thread-safe
    package let source: String
    private let bytes: ByteRegex?
    private let foundation: NSRegularExpression?
    package var names: [String: Int] { bytes?.names ?? Self.names(in: source) }

    package struct Invalid: Error, CustomStringConvertible {
        package let description: String
    }

    package init(_ source: String, linearOnly: Bool = false) throws(Invalid) {
        self.source = source
        // Linear-only patterns (client input) run in RE2 mode, whose time is O(pattern × text) strictly.
        if let native = linearOnly ? try? ByteRegex(source, mode: .re2) : (try? ByteRegex(source)) ?? (try? ByteRegex(source, mode: .re2)) {
            bytes = native
            foundation = nil
        } else if linearOnly {
            let reason: String
            do { _ = try ByteRegex(source, mode: .re2); reason = "" } catch { reason = error.description }
            throw Invalid(description: "\(source) is not supported by the linear-time engine (\(reason))")
        } else {
            bytes = nil
            do {
                foundation = try NSRegularExpression(pattern: source)
            } catch {
                throw Invalid(description: "\(source) is not a regular expression")
            }
        }
    }

    /// Whether the fast engine runs it.
    package var isNative: Bool { bytes != nil }

    /// Capture slots of the first match at or after `from` (start, end per group; −1 when unset).
    /// Offsets count from `text.startIndex`.
    package func firstMatch(_ text: ArraySlice<UInt8>, from: Int = 0, scratch: ByteRegex.Scratch) -> [Int]? {
        if let bytes { return text.withUnsafeBufferPointer { bytes.firstMatch(in: $0, from: from, scratch: scratch) } }
        let string = String(decoding: text, as: UTF8.self)
        let utf16 = Array(string.utf16)
        // Map UTF-16 offsets back to UTF-8 ones.
        var offsets = [Int](repeating: 0, count: utf16.count + 1)
        var u8 = 0, u16 = 0
        for scalar in string.unicodeScalars {
            offsets[u16] = u8
            u8 += String(scalar).utf8.count
            u16 += scalar.utf16.count
        }
        offsets[u16] = u8
        let startUTF16 = offsets.firstIndex { $0 >= from } ?? utf16.count
        guard let m = foundation!.firstMatch(in: string, range: NSRange(location: startUTF16, length: utf16.count - startUTF16)) else { return nil }
        var caps: [Int] = []
        for g in 0..<m.numberOfRanges {
            let r = m.range(at: g)
            if r.location == NSNotFound { caps += [-1, -1] } else { caps += [offsets[r.location], offsets[r.location + r.length]] }
        }
        return caps
    }

    /// `text` with every match replaced by `replacement`.
    package func replacingMatches(_ text: ArraySlice<UInt8>, with replacement: [UInt8], scratch: ByteRegex.Scratch) -> ArraySlice<UInt8> {
        if let bytes { return bytes.replacingMatches(in: text, with: replacement, scratch: scratch) }
        let string = String(decoding: text, as: UTF8.self)
        let template = NSRegularExpression.escapedTemplate(for: String(decoding: replacement, as: UTF8.self))
        return Array(foundation!.stringByReplacingMatches(in: string, range: NSRange(string.startIndex..., in: string), withTemplate: template).utf8)[...]
    }

    /// `text` with every match replaced by what `replace` appends for it; Foundation-compiled patterns
    /// replace each match with `fallback`.
    package func replacingMatches(_ text: ArraySlice<UInt8>, scratch: ByteRegex.Scratch, fallback: [UInt8], replace: (UnsafeBufferPointer<UInt8>.SubSequence, inout [UInt8]) -> Void) -> ArraySlice<UInt8> {
        if let bytes { return bytes.replacingMatches(in: text, scratch: scratch, replace: replace) }
        return replacingMatches(text, with: fallback, scratch: scratch)
    }

    /// Group names of `(?<name>…)` / `(?P<name>…)` groups in order, for Foundation-compiled patterns.
    private static func names(in source: String) -> [String: Int] {
        var out: [String: Int] = [:]
        var group = 0
        let b = Array(source.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\") { i += 2; continue }
            if b[i] == UInt8(ascii: "(") {
                if i + 1 < b.count, b[i + 1] == UInt8(ascii: "?") {
                    var j = i + 2
                    if j < b.count, b[j] == UInt8(ascii: "P") { j += 1 }
                    if j < b.count, b[j] == UInt8(ascii: "<"), j + 1 < b.count, b[j + 1] != UInt8(ascii: "="), b[j + 1] != UInt8(ascii: "!") {
                        group += 1
                        let end = b[j...].firstIndex(of: UInt8(ascii: ">")) ?? b.count
                        out[String(decoding: b[(j + 1)..<end], as: UTF8.self)] = group
                    }
                } else {
                    group += 1
                }
            }
            i += 1
        }
        return out
    }
}

/// A LogPAI header format such as `<Date> <Time> <Pid> <Level> <Component>: <Content>`: each `<Field>`
/// matches lazily, runs of spaces match `\s+`, anchored at both ends. `<Content>` is the message.
/// The text between fields is read one of two ways: as regular-expression syntax (LogPAI's convention,
/// so `\[<PID>\]` and optional groups work) or literally, as the lines look (`[<PID>]`).
/// `HeaderFormat.fitting` tries both on a file and keeps the one that fits more of its lines.
package struct HeaderFormat: Sendable {
    package enum Spelling: String, Sendable { case regex, literal }

    package let fields: [String]
    package let spelling: Spelling
    let pattern: LogPattern
    let contentGroup: Int
    /// The format as a scan, when the text between its fields is plain (see `Scan`).
    let scan: Scan?

    package init(_ format: String, spelling: Spelling = .regex) throws(LogPattern.Invalid) {
        var regex = "^"
        var fields: [String] = []
        var separators: [[Scan.Piece]]? = []
        var rest = Substring(format)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">"),
              rest[rest.index(after: open)..<close].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), rest.index(after: open) < close {
            regex += Self.between(rest[..<open], spelling)
            if let pieces = Scan.pieces(rest[..<open], spelling), separators != nil { separators!.append(pieces) } else { separators = nil }
            let name = String(rest[rest.index(after: open)..<close])
            fields.append(name)
            rest = rest[rest.index(after: close)...]
            // Lazy, as LogPAI's; a field that ends the format may as well be greedy (same match, found in one try).
            regex += rest.isEmpty ? "(?<\(name)>.*)" : "(?<\(name)>.*?)"
        }
        regex += Self.between(rest, spelling) + "$"
        guard fields.contains("Content") else { throw LogPattern.Invalid(description: "the format \(format) has no <Content> field") }
        self.fields = fields
        self.spelling = spelling
        pattern = try LogPattern(regex)
        guard let g = pattern.names["Content"] else { throw LogPattern.Invalid(description: "the format \(format) has no <Content> field") }
        contentGroup = g
        // A format ending in text after its last field, or naming a field twice, is left to the regex.
        scan = rest.isEmpty && Set(fields).count == fields.count ? separators.map { Scan(separators: $0, content: fields.firstIndex(of: "Content")!) } : nil
    }

    /// A header format whose text between fields is plain — literal bytes and runs of spaces (`\s+`),
    /// no other regex syntax — matched by a scan instead of the regex: each field ends where the text
    /// after it first matches, that text's spaces taken greedily, the last field runs to the end of
    /// the line. That is the regex's own first choice at every step (lazy fields, greedy spaces), so
    /// when the scan reaches the end it has found the regex's match; when it does not, the regex,
    /// which may backtrack further, decides.
    struct Scan: Sendable {
        enum Piece: Sendable, Equatable { case byte(UInt8), spaces }

        /// The text before each field.
        let separators: [[Piece]]
        let content: Int

        /// The pieces of the text between two fields, or nil when it holds regex syntax (or a
        /// whitespace byte other than a space, which greedy spaces would swallow).
        static func pieces(_ s: Substring, _ spelling: Spelling) -> [Piece]? {
            var out: [Piece] = []
            var bytes = Array(s.utf8)[...]
            while let b = bytes.popFirst() {
                if b == 32 {
                    if out.last != .spaces { out.append(.spaces) }
                    continue
                }
                var literal = b
                if spelling == .regex {
                    if "^$.|?*+()[]{}".utf8.contains(b) { return nil }
                    if b == UInt8(ascii: "\\") {
                        // An escaped punctuation mark is itself; `\d`, `\s`, `\b`… are classes.
                        guard let e = bytes.popFirst(), !(e >= 48 && e <= 57 || (e | 0x20) >= 97 && (e | 0x20) <= 122) else { return nil }
                        literal = e
                    }
                }
                if (9...13).contains(literal) { return nil }
                out.append(.byte(literal))
            }
            return out
        }

        @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 32 || (b >= 9 && b <= 13) }

        /// Where `pieces` match at `i`, the index after them.
        static func match(_ pieces: [Piece], _ line: ArraySlice<UInt8>, at start: Int) -> Int? {
            var i = start
            for piece in pieces {
                switch piece {
                case .byte(let b):
                    guard i < line.endIndex, line[i] == b else { return nil }
                    i += 1
                case .spaces:
                    guard i < line.endIndex, isSpace(line[i]) else { return nil }
                    while i < line.endIndex && isSpace(line[i]) { i += 1 }
                }
            }
            return i
        }

        /// Each field's range in `line`, in the format's order, or nil when the scan did not reach the end.
        func ranges(_ line: ArraySlice<UInt8>) -> [Range<Int>]? {
            var out: [Range<Int>] = []
            return walk(line) { out.append($1) } ? out : nil
        }

        /// Hands each field's range in `line` to `field`, in the format's order; false when the scan
        /// did not reach the end (the ranges handed over so far are then meaningless).
        func walk(_ line: ArraySlice<UInt8>, _ field: (Int, Range<Int>) -> Void) -> Bool {
            guard !line.contains(10), var i = Self.match(separators[0], line, at: line.startIndex) else { return false }
            for k in 1..<separators.count {
                var end = i
                while true {
                    guard end < line.endIndex else { return false }
                    if let next = Self.match(separators[k], line, at: end) { field(k - 1, i..<end); i = next; break }
                    end += 1
                }
            }
            field(separators.count - 1, i..<line.endIndex)
            return true
        }
    }

    /// The format's text between fields: runs of spaces become `\s+`; the rest stays regex syntax, or
    /// is escaped when the format is read literally.
    private static func between(_ s: Substring, _ spelling: Spelling) -> String {
        var out = "", inSpaces = false
        for c in s {
            if c == " " {
                if !inSpaces { out += "\\s+" }
                inSpaces = true
            } else {
                if spelling == .literal && "\\^$.|?*+()[]{}".contains(c) { out.append("\\") }
                out.append(c)
                inSpaces = false
            }
        }
        return out
    }

    /// How a format fits a file's lines: those tried, those that fit, and the first that did not.
    package struct Fit: Sendable {
        package var tried = 0
        package var matched = 0
        package var firstMiss: String?

        package init() {}

        package var unmatched: Int { tried - matched }

        package mutating func count(_ line: ArraySlice<UInt8>, fits: Bool) {
            tried += 1
            if fits { matched += 1 } else if firstMiss == nil { firstMiss = String(decoding: line.prefix(300), as: UTF8.self) }
        }

        /// The warning an operator needs when fewer than half of the lines fit, or nil.
        package func warning(format: String, file: String) -> String? {
            guard tried > 0, matched * 2 < tried else { return nil }
            return "warning: \(file): the format '\(format)' fits \(matched) of \(tried) lines (\((100 * matched + tried / 2) / tried)%);"
                + " the rest are mined whole, headers included. A line that does not fit: \(firstMiss ?? "")"
        }
    }

    /// The spelling of `format` that fits more of a file's first lines: the regex reading unless the
    /// literal one fits more. A spelling that does not compile is not tried.
    package static func fitting(_ format: String, file bytes: [UInt8], sample: Int = 2000) throws(LogPattern.Invalid) -> HeaderFormat {
        // Escaped, any text compiles: only a missing <Content> makes the literal reading fail.
        let literal = try HeaderFormat(format, spelling: .literal)
        guard let regex = try? HeaderFormat(format, spelling: .regex) else { return literal }
        guard regex.pattern.source != literal.pattern.source else { return regex }
        let scratch = ByteRegex.Scratch()
        var regexFits = 0, literalFits = 0
        RawLogFile.forEachLine(bytes, limit: sample) { line in
            if regex.content(line, scratch: scratch) != nil { regexFits += 1 }
            if literal.content(line, scratch: scratch) != nil { literalFits += 1 }
        }
        return literalFits > regexFits ? literal : regex
    }

    /// The header fields and the content of `line`, or nil when the line does not fit the format.
    package func parse(_ line: ArraySlice<UInt8>, scratch: ByteRegex.Scratch) -> (fields: [String: String], content: ArraySlice<UInt8>)? {
        if let scan {
            var out: [String: String] = [:], content = line.startIndex..<line.startIndex
            if scan.walk(line, { k, r in if k == scan.content { content = r } else { out[fields[k]] = String(decoding: line[r], as: UTF8.self) } }) {
                return (out, line[content])
            }
        }
        guard let caps = pattern.firstMatch(line, scratch: scratch) else { return nil }
        let base = line.startIndex
        var out: [String: String] = [:]
        for (name, g) in pattern.names where name != "Content" && caps[2 * g] >= 0 {
            out[name] = String(decoding: line[(base + caps[2 * g])..<(base + caps[2 * g + 1])], as: UTF8.self)
        }
        return (out, line[(base + caps[2 * contentGroup])..<(base + caps[2 * contentGroup + 1])])
    }

    /// Only the content (no field strings built): the parse contract's hot path.
    package func content(_ line: ArraySlice<UInt8>, scratch: ByteRegex.Scratch) -> ArraySlice<UInt8>? {
        if let scan {
            var content = line.startIndex..<line.startIndex
            if scan.walk(line, { k, r in if k == scan.content { content = r } }) { return line[content] }
        }
        guard let caps = pattern.firstMatch(line, scratch: scratch) else { return nil }
        let base = line.startIndex
        return line[(base + caps[2 * contentGroup])..<(base + caps[2 * contentGroup + 1])]
    }
}
