import AugurCore

/// PromQL's tokens. Keywords stay identifiers: the parser decides where a word is one.
enum Token: Equatable {
    case identifier(String)
    case number(Double)
    case duration(Int64)
    case string(String)
    case op(String)  // operators and punctuation: + - * / % ^ == != > < >= <= =~ !~ = ( ) { } [ ] , : @
    case end
}

/// Splits PromQL text into tokens, each with its character offset (for error messages).
struct Lexer {
    private let bytes: [UInt8]
    private var i = 0
    /// Inside `[…]` a colon separates a subquery's range from its step instead of starting a name.
    private var inBrackets = false

    init(_ text: String) { bytes = Array(text.utf8) }

    static func tokenize(_ text: String) throws(QueryError) -> [(token: Token, position: Int)] {
        var lexer = Lexer(text)
        var out: [(Token, Int)] = []
        while true {
            let (token, position) = try lexer.next()
            out.append((token, position))
            if token == .end { return out }
        }
    }

    private func peek(_ k: Int = 0) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }

    private static func isIdentStart(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95 || c == 58 }
    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    private static func isIdentPart(_ c: UInt8) -> Bool { isIdentStart(c) || isDigit(c) }

    mutating func next() throws(QueryError) -> (Token, Int) {
        while let c = peek() {
            if c == 32 || c == 9 || c == 10 || c == 13 { i += 1; continue }
            if c == UInt8(ascii: "#") {  // a comment runs to the end of the line
                while let d = peek(), d != 10 { _ = d; i += 1 }
                continue
            }
            break
        }
        let start = i
        guard let c = peek() else { return (.end, i) }
        if c == UInt8(ascii: "[") { inBrackets = true }
        if c == UInt8(ascii: "]") { inBrackets = false }
        if Self.isIdentStart(c) && !(inBrackets && c == UInt8(ascii: ":")) {
            while let d = peek(), Self.isIdentPart(d) { i += 1 }
            let word = String(decoding: bytes[start..<i], as: UTF8.self)
            switch word.lowercased() {
            case "inf": return (.number(.infinity), start)
            case "nan": return (.number(.nan), start)
            default: return (.identifier(word), start)
            }
        }
        if Self.isDigit(c) || (c == UInt8(ascii: ".") && peek(1).map(Self.isDigit) == true) {
            return (try number(), start)
        }
        if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "`") {
            return (.string(try quoted()), start)
        }
        let two = peek(1).map { String(decoding: [c, $0], as: UTF8.self) } ?? ""
        if ["==", "!=", ">=", "<=", "=~", "!~"].contains(two) {
            i += 2
            return (.op(two), start)
        }
        let one = String(decoding: [c], as: UTF8.self)
        if "+-*/%^><=(){}[],:@".contains(one) {
            i += 1
            return (.op(one), start)
        }
        throw Self.error(at: start, "unexpected character \(c < 128 && c >= 32 ? "'\(one)'" : "byte \(c)")")
    }

    /// A number, or a duration when a unit follows the digits (`5m`, `1h30m`).
    private mutating func number() throws(QueryError) -> Token {
        let start = i
        if peek() == UInt8(ascii: "0"), let x = peek(1), x == UInt8(ascii: "x") || x == UInt8(ascii: "X") {
            i += 2
            while let d = peek(), Self.isDigit(d) || (d | 0x20 >= 97 && d | 0x20 <= 102) { i += 1 }
            let text = String(decoding: bytes[(start + 2)..<i], as: UTF8.self)
            guard let v = UInt64(text, radix: 16) else { throw Self.error(at: start, "bad number") }
            return .number(Double(v))
        }
        while let d = peek(), Self.isDigit(d) { i += 1 }
        if let u = peek(), "smhdwy".utf8.contains(u) { return .duration(try duration(from: start)) }
        if peek() == UInt8(ascii: ".") { i += 1; while let d = peek(), Self.isDigit(d) { i += 1 } }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            var k = 1
            if let s = peek(1), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { k = 2 }
            if peek(k).map(Self.isDigit) == true {
                i += k
                while let d = peek(), Self.isDigit(d) { i += 1 }
            }
        }
        if let d = peek(), Self.isIdentStart(d) { throw Self.error(at: start, "bad number or duration syntax") }
        guard let v = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw Self.error(at: start, "bad number") }
        return .number(v)
    }

    /// Prometheus' duration syntax: units y w d h m s ms, largest first, each at most once.
    private mutating func duration(from start: Int) throws(QueryError) -> Int64 {
        i = start
        let units: [(String, Int64)] = [("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        var total: Int64 = 0
        var next = 0  // the index of the smallest unit still allowed
        while let d = peek(), Self.isDigit(d) {
            let digitsStart = i
            while let d = peek(), Self.isDigit(d) { i += 1 }
            let digits = String(decoding: bytes[digitsStart..<i], as: UTF8.self)
            var unit = ""
            while let u = peek(), (u >= 97 && u <= 122) { unit.append(Character(UnicodeScalar(u))); i += 1 }
            guard let k = units[next...].firstIndex(where: { $0.0 == unit }), let n = Int64(digits) else {
                throw Self.error(at: start, "bad duration syntax")
            }
            let (product, o1) = n.multipliedReportingOverflow(by: units[k].1)
            let (sum, o2) = total.addingReportingOverflow(product)
            guard !o1, !o2, sum <= TimeParsing.longestDurationMs else { throw Self.error(at: start, "duration out of range") }
            total = sum
            next = k + 1
        }
        if let d = peek(), d != UInt8(ascii: ":"), Self.isIdentPart(d) || d == UInt8(ascii: ".") { throw Self.error(at: start, "bad duration syntax") }
        return total
    }

    /// A string in Go's syntax: "…" and '…' with escapes, `…` raw.
    private mutating func quoted() throws(QueryError) -> String {
        let start = i
        let quote = bytes[i]
        i += 1
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw Self.error(at: start, "unterminated quoted string") }
            i += 1
            if c == quote { break }
            if quote == UInt8(ascii: "`") { out.append(c); continue }
            if c == 10 { throw Self.error(at: start, "unterminated quoted string") }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard let e = peek() else { throw Self.error(at: start, "unterminated quoted string") }
            i += 1
            switch e {
            case UInt8(ascii: "a"): out.append(7)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "v"): out.append(11)
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"):
                guard e == UInt8(ascii: "\\") || e == quote else { throw Self.error(at: i - 2, "unknown escape sequence") }
                out.append(e)
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let n = e == UInt8(ascii: "x") ? 2 : (e == UInt8(ascii: "u") ? 4 : 8)
                guard i + n <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + n)], as: UTF8.self), radix: 16) else {
                    throw Self.error(at: i - 2, "bad escape sequence")
                }
                i += n
                if n == 2 { out.append(UInt8(v)) } else {
                    guard let scalar = UnicodeScalar(v) else { throw Self.error(at: i - n - 2, "escape sequence is an invalid Unicode code point") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard i + 2 <= bytes.count, let v = UInt16(String(decoding: bytes[(i - 1)..<(i + 2)], as: UTF8.self), radix: 8), v < 256 else {
                    throw Self.error(at: i - 2, "bad octal escape sequence")
                }
                i += 2
                out.append(UInt8(v))
            default:
                throw Self.error(at: i - 2, "unknown escape sequence")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw Self.error(at: start, "string is not valid UTF-8") }
        return s
    }

    static func error(at position: Int, _ message: String) -> QueryError {
        QueryError(.badQuery, "parse error at char \(position + 1): \(message)")
    }
}
