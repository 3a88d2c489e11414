import Foundation

/// Variables inside tokens, and how a template's tokens are written.
///
/// A template reads like the code's format string when its `<*>` stand where the code put values:
/// `src: <*>:<*>`, `[line=<*>]`, `core.<*>`. It is written by the rules of Loghub-2.0's corrected
/// labels (Khan et al., ICSE 2022; Jiang et al., ISSTA 2024), the field's convention for template
/// text, applied to each whitespace-separated token: a path is one variable; a run of digits is a
/// variable; a word joined to a variable (`blk_<*>`, `/<*>`) is one variable; variables joined by a
/// dot (an address, a version, a dotted name) or by nothing are one.
enum TemplateText {
    static let wildcard = TemplateMiner.wildcardBytes

    /// Whether `s` holds a `<*>`.
    static func hasWildcard<C: RandomAccessCollection<UInt8>>(_ s: C) -> Bool where C.Index == Int {
        var i = s.startIndex
        while i + 2 < s.endIndex {
            if s[i] == UInt8(ascii: "<") && s[i + 1] == UInt8(ascii: "*") && s[i + 2] == UInt8(ascii: ">") { return true }
            i += 1
        }
        return false
    }

    /// The delimiters of path-like strings and key-value pairs: whitespace and `,!;:=|"'[](){}`.
    @inline(__always) static func isPathDelimiter(_ b: UInt8) -> Bool {
        switch b {
        case 9...13, 32, UInt8(ascii: ","), UInt8(ascii: "!"), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "|"),
             UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "{"), UInt8(ascii: "}"):
            return true
        default: return false
        }
    }

    /// Token delimiters: the path delimiters and `.-+@#$%&`.
    @inline(__always) static func isTokenDelimiter(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "@"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"):
            return true
        default: return isPathDelimiter(b)
        }
    }

    @inline(__always) static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b | 0x20) >= 97 && (b | 0x20) <= 122 || (b >= 48 && b <= 57)
    }

    /// Whether `line` fits `template`: the text around each `<*>` in order, each `<*>` standing for at
    /// least one byte.
    static func fits(_ template: ArraySlice<UInt8>, _ line: ArraySlice<UInt8>) -> Bool {
        let parts = split(template)
        guard parts.count > 1 else { return template.elementsEqual(line) }
        guard line.starts(with: parts[0]), line.reversed().starts(with: parts[parts.count - 1].reversed()) else { return false }
        var at = line.startIndex + parts[0].count
        let end = line.endIndex - parts[parts.count - 1].count
        for part in parts.dropFirst().dropLast() {
            // A <*> takes at least one byte, then the next literal part must follow somewhere.
            guard at < end, let found = line[(at + 1)..<end].firstRange(of: part)?.lowerBound else { return false }
            at = found + part.count
        }
        return at < end
    }

    /// `template` cut at its `<*>`s: the literal parts (one more than the `<*>`s).
    static func split(_ template: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var start = template.startIndex, i = template.startIndex
        while i < template.endIndex {
            if template[i] == UInt8(ascii: "<"), i + 2 < template.endIndex, template[i + 1] == UInt8(ascii: "*"), template[i + 2] == UInt8(ascii: ">") {
                parts.append(template[start..<i])
                i += 3
                start = i
            } else {
                i += 1
            }
        }
        parts.append(template[start..<template.endIndex])
        return parts
    }

    /// Two differing tokens as one: their common beginning up to its last punctuation, `<*>`, and
    /// their common end from its first punctuation. A common part that is only letters and digits is
    /// not kept: `closed` and `opened` share `ed`, not a constant.
    static func generalise(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var p = 0
        while p < a.count && p < b.count && a[p] == b[p] { p += 1 }
        while p > 0 && isAlphanumeric(a[p - 1]) { p -= 1 }
        var s = 0
        let room = min(a.count, b.count) - p
        while s < room && a[a.count - 1 - s] == b[b.count - 1 - s] { s += 1 }
        var suffixStart = a.count - s
        while suffixStart < a.count && isAlphanumeric(a[suffixStart]) { suffixStart += 1 }
        var out = Array(a[0..<p])
        if !out.reversed().starts(with: wildcard.reversed()) { out += wildcard }
        let suffix = a[suffixStart...]
        out += suffix.starts(with: wildcard) ? Array(suffix.dropFirst(3)) : Array(suffix)
        return out
    }

    /// A template token as written: Loghub-2.0's rules (path, digits, word joined to a variable,
    /// dotted and adjacent variables).
    static func canonical(_ token: ArraySlice<UInt8>) -> String {
        // Paths: a piece between path delimiters that is `/x/y…` is a variable.
        var pieces: [UInt8] = []
        forEachPiece(token, delimiter: isPathDelimiter) { piece, isDelimiter in
            if !isDelimiter && isPath(piece) { pieces += wildcard } else { pieces += piece }
        }
        // Digits, and words joined to a variable, between token delimiters.
        var out: [UInt8] = []
        forEachPiece(pieces[...], delimiter: isTokenDelimiter) { piece, isDelimiter in
            if !isDelimiter && (piece.allSatisfy { $0 >= 48 && $0 <= 57 } || hasWildcard(piece)) { out += wildcard } else { out += piece }
        }
        // Variables joined by dots or by nothing are one.
        var text = String(decoding: out, as: UTF8.self)
        while text.contains("<*>.<*>") { text = text.replacingOccurrences(of: "<*>.<*>", with: "<*>") }
        while text.contains("<*><*>") { text = text.replacingOccurrences(of: "<*><*>", with: "<*>") }
        return text
    }

    /// Calls `body` with each maximal run of non-delimiters and each single delimiter, in order.
    static func forEachPiece(_ s: ArraySlice<UInt8>, delimiter: (UInt8) -> Bool, _ body: (ArraySlice<UInt8>, Bool) -> Void) {
        var start = s.startIndex
        for i in s.indices where delimiter(s[i]) {
            if start < i { body(s[start..<i], false) }
            body(s[i...i], true)
            start = i + 1
        }
        if start < s.endIndex { body(s[start...], false) }
    }

    /// `/a`, `/a/b/c`: slashes each followed by at least one byte that is not a slash.
    static func isPath(_ s: ArraySlice<UInt8>) -> Bool {
        guard s.first == UInt8(ascii: "/"), s.count >= 2 else { return false }
        var previousSlash = false
        for b in s {
            if b == UInt8(ascii: "/") { if previousSlash { return false }; previousSlash = true } else { previousSlash = false }
        }
        return !previousSlash
    }
}
