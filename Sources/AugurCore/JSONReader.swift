/// A strict (RFC 8259) pull reader over UTF-8 bytes, for request bodies on the ingest hot path: no
/// tree of `Any` is built, each string is decoded once, and a fault carries its byte offset.
///
/// Objects and arrays are walked with `beginObject`/`nextKey` and `beginArray`/`nextElement`; a value
/// the caller has no use for is passed over with `skipValue`.
package struct JSONReader {
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package let detail: String
        /// 0-based byte offset of the fault.
        package let offset: Int
        package var description: String { "\(detail) at byte \(offset)" }
    }

    package enum Kind: Sendable { case object, array, string, number, bool, null }

    private let bytes: [UInt8]
    private var i = 0
    /// True just after `{` or `[`: the next member or element needs no comma.
    private var opened = false
    /// Deeper nesting than this is refused rather than followed.
    private static let maxDepth = 512

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The kind of the next value, without reading it.
    package mutating func peek() throws(Failure) -> Kind {
        skipSpace()
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw fail("unexpected character")
        }
    }

    package mutating func beginObject() throws(Failure) { try open(UInt8(ascii: "{"), "an object") }
    package mutating func beginArray() throws(Failure) { try open(UInt8(ascii: "["), "an array") }

    /// The next member's key, its `:` read; nil (and the `}` read) at the object's end.
    package mutating func nextKey() throws(Failure) -> String? {
        guard try more(closing: UInt8(ascii: "}")) else { return nil }
        guard try peek() == .string else { throw fail("expected a member name") }
        let key = try string()
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        i += 1
        return key
    }

    /// Whether another element follows; false (and the `]` read) at the array's end.
    package mutating func nextElement() throws(Failure) -> Bool { try more(closing: UInt8(ascii: "]")) }

    package mutating func string() throws(Failure) -> String {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string") }
        opened = false
        let start = i + 1
        var j = start
        // Most strings hold no escape: validated and copied once, straight from the body.
        while j < bytes.count, bytes[j] != UInt8(ascii: "\""), bytes[j] != UInt8(ascii: "\\"), bytes[j] >= 0x20 { j += 1 }
        if j < bytes.count, bytes[j] == UInt8(ascii: "\"") {
            i = j + 1
            return try utf8(bytes[start..<j], at: start)
        }
        var out = Array(bytes[start..<j])
        while true {
            guard j < bytes.count else { i = j; throw fail("unterminated string") }
            let b = bytes[j]
            switch b {
            case UInt8(ascii: "\""):
                i = j + 1
                return try utf8(out[...], at: start)
            case UInt8(ascii: "\\"):
                guard j + 1 < bytes.count else { i = j; throw fail("unterminated string") }
                j += 2
                switch bytes[j - 1] {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(at: j)
                    j += 4
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        guard j + 6 <= bytes.count, bytes[j] == UInt8(ascii: "\\"), bytes[j + 1] == UInt8(ascii: "u") else { i = j; throw fail("unpaired surrogate") }
                        let low = try hex4(at: j + 2)
                        guard low >= 0xDC00 && low < 0xE000 else { i = j; throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        j += 6
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        i = j; throw fail("unpaired surrogate")
                    }
                    UTF8.encode(Unicode.Scalar(scalar)!) { out.append($0) }  // a valid scalar: surrogates are paired or refused above
                default:
                    i = j - 1; throw fail("invalid escape")
                }
            default:
                guard b >= 0x20 else { i = j; throw fail("control character in a string") }
                out.append(b)
                j += 1
            }
        }
    }

    /// A string of decimal digits (an optional `-` first) as its value, read without building the
    /// string; nil, with the string read over, for any other string or a value past Int64.
    package mutating func decimalString() throws(Failure) -> Int64? {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string") }
        var j = i + 1
        let negative = j < bytes.count && bytes[j] == UInt8(ascii: "-")
        if negative { j += 1 }
        var value: Int64 = 0, digits = 0, overflow = false
        while j < bytes.count, bytes[j] >= UInt8(ascii: "0"), bytes[j] <= UInt8(ascii: "9") {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (v, o2) = negative ? m.subtractingReportingOverflow(Int64(bytes[j] - 48)) : m.addingReportingOverflow(Int64(bytes[j] - 48))
            (value, overflow, digits, j) = (v, overflow || o1 || o2, digits + 1, j + 1)
        }
        guard j < bytes.count, bytes[j] == UInt8(ascii: "\""), digits > 0, !overflow else {
            _ = try string()
            return nil
        }
        i = j + 1
        opened = false
        return value
    }

    /// Reads over the next value, whatever it is.
    package mutating func skipValue() throws(Failure) {
        var containers: [Bool] = []  // the open ones, true for an object
        repeat {
            switch try peek() {
            case .object, .array:
                guard containers.count < Self.maxDepth else { throw fail("nested too deeply") }
                containers.append(bytes[i] == UInt8(ascii: "{"))
                i += 1
                opened = true
            case .string: _ = try string()
            case .number: try number()
            case .bool, .null: try word()
            }
            // Close what ends here; stop before the next value.
            while let isObject = containers.last {
                if isObject ? try nextKey() != nil : try nextElement() { break }
                containers.removeLast()
            }
        } while !containers.isEmpty
    }

    /// Only whitespace remains.
    package mutating func end() throws(Failure) {
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected data after the value") }
    }

    // MARK: Private

    private mutating func open(_ bracket: UInt8, _ what: String) throws(Failure) {
        skipSpace()
        guard i < bytes.count, bytes[i] == bracket else { throw fail("expected \(what)") }
        i += 1
        opened = true
    }

    private mutating func more(closing: UInt8) throws(Failure) -> Bool {
        skipSpace()
        guard i < bytes.count else { throw fail("unexpected end of input") }
        if bytes[i] == closing { i += 1; opened = false; return false }
        if opened { opened = false; return true }
        guard bytes[i] == UInt8(ascii: ",") else { throw fail("expected ',' or '\(Character(Unicode.Scalar(closing)))'") }
        i += 1
        return true
    }

    private mutating func number() throws(Failure) {
        opened = false
        func digits(_ j: inout Int) -> Int {
            let s = j
            while j < bytes.count, bytes[j] >= UInt8(ascii: "0"), bytes[j] <= UInt8(ascii: "9") { j += 1 }
            return j - s
        }
        var j = i
        if bytes[j] == UInt8(ascii: "-") { j += 1 }
        let lead = j
        guard digits(&j) > 0, bytes[lead] != UInt8(ascii: "0") || j == lead + 1 else { i = lead; throw fail("invalid number") }
        if j < bytes.count, bytes[j] == UInt8(ascii: ".") {
            j += 1
            guard digits(&j) > 0 else { i = j; throw fail("invalid number") }
        }
        if j < bytes.count, bytes[j] | 0x20 == UInt8(ascii: "e") {
            j += 1
            if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
            guard digits(&j) > 0 else { i = j; throw fail("invalid number") }
        }
        i = j
    }

    private mutating func word() throws(Failure) {
        opened = false
        for w in ["true", "false", "null"] where bytes[i...].starts(with: w.utf8) {
            i += w.utf8.count
            return
        }
        throw fail("unexpected character")
    }

    private func hex4(at j: Int) throws(Failure) -> UInt32 {
        guard j + 4 <= bytes.count else { throw Failure(detail: "truncated \\u escape", offset: j) }
        var v: UInt32 = 0
        for b in bytes[j..<j + 4] {
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw Failure(detail: "invalid \\u escape", offset: j)
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    private func utf8(_ slice: ArraySlice<UInt8>, at offset: Int) throws(Failure) -> String {
        guard let s = String(validating: slice, as: UTF8.self) else { throw Failure(detail: "a string is not valid UTF-8", offset: offset) }
        return s
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 32 || bytes[i] == 10 || bytes[i] == 13 || bytes[i] == 9 { i += 1 }
    }

    private func fail(_ detail: String) -> Failure { Failure(detail: detail, offset: i) }
}
