import AugurCore
import Foundation
import Testing

/// The pull reader against Foundation's parser as the yardstick: the same strings read out of
/// generated documents, and the same verdict on every one-byte corruption of them (but for the
/// trailing commas Foundation lets through).
@Suite struct JSONReaderTests {
    struct Draw {
        var rng: SplitMix64
        mutating func below(_ n: Int) -> Int { Int.random(in: 0..<n, using: &rng) }
    }

    /// A value read by walking it with the reader, in Foundation's shapes (numbers as their text).
    static func tree(_ r: inout JSONReader) throws -> Any {
        switch try r.peek() {
        case .object:
            try r.beginObject()
            var o: [String: Any] = [:]
            while let k = try r.nextKey() { o[k] = try tree(&r) }
            return o
        case .array:
            try r.beginArray()
            var a: [Any] = []
            while try r.nextElement() { a.append(try tree(&r)) }
            return a
        case .string: return try r.string()
        case .number, .bool, .null:
            try r.skipValue()
            return NSNull()
        }
    }

    /// Foundation's value with numbers, booleans and nulls made alike, as `tree` leaves them.
    static func normalised(_ v: Any) -> Any {
        if let o = v as? [String: Any] { return o.mapValues(normalised) }
        if let a = v as? [Any] { return a.map(normalised) }
        if let s = v as? String { return s }
        return NSNull()
    }

    static func same(_ a: Any, _ b: Any) -> Bool {
        if let x = a as? [String: Any], let y = b as? [String: Any] { return x.count == y.count && x.allSatisfy { k, v in y[k].map { same(v, $0) } ?? false } }
        if let x = a as? [Any], let y = b as? [Any] { return x.count == y.count && zip(x, y).allSatisfy(same) }
        if let x = a as? String, let y = b as? String { return x.unicodeScalars.elementsEqual(y.unicodeScalars) }
        return a is NSNull && b is NSNull
    }

    static func document(_ rng: inout Draw, depth: Int = 0) -> String {
        func string() -> String {
            var s = "\""
            for _ in 0..<rng.below(8) {
                switch rng.below(9) {
                case 0: s += "\\n"
                case 1: s += "\\\""
                case 2: s += "\\u00e9"
                case 3: s += "\\ud83d\\ude00"  // a surrogate pair
                case 4: s += "é日"
                case 5: s += "\\\\/"
                default: s += String(UnicodeScalar(UInt8(97 + rng.below(26))))
                }
            }
            return s + "\""
        }
        let kinds = depth > 3 ? 4 : 6
        switch rng.below(kinds) {
        case 0: return string()
        case 1: return ["0", "-12", "3.25", "1e9", "-0.5E-3", "1234"][rng.below(6)]
        case 2: return ["true", "false", "null"][rng.below(3)]
        case 3: return string()
        case 4: return "[" + (0..<rng.below(4)).map { _ in document(&rng, depth: depth + 1) }.joined(separator: rng.below(2) == 0 ? "," : " , ") + "]"
        default: return "{" + (0..<rng.below(4)).map { _ in string() + ":" + document(&rng, depth: depth + 1) }.joined(separator: ",\n") + "}"
        }
    }

    @Test func readsWhatFoundationReads() throws {
        var rng = Draw(rng: SplitMix64(seed: 7))
        for _ in 0..<400 {
            let text = "{\"v\": " + Self.document(&rng) + "}"
            let bytes = Array(text.utf8)
            var r = JSONReader(bytes)
            let mine = try Self.tree(&r)
            try r.end()
            let theirs = try JSONSerialization.jsonObject(with: Data(bytes))
            #expect(Self.same(mine, Self.normalised(theirs)), "\(text)")
        }
    }

    @Test func refusesWhatFoundationRefuses() {
        var rng = Draw(rng: SplitMix64(seed: 11))
        var disagreements: [String] = []
        for _ in 0..<300 {
            let bytes = Array(("{\"v\": " + Self.document(&rng) + "}").utf8)
            // Every deletion of one byte, and one random byte written over each position.
            for p in bytes.indices {
                for corrupt in [bytes[..<p] + bytes[(p + 1)...], bytes[..<p] + [UInt8(rng.below(128))] + bytes[(p + 1)...]] {
                    let doc = Array(corrupt)
                    let foundation = (try? JSONSerialization.jsonObject(with: Data(doc))) is [String: Any]
                    var r = JSONReader(doc)
                    let mine = (try? { () throws -> Bool in
                        guard try r.peek() == .object else { return false }
                        _ = try Self.tree(&r)
                        try r.end()
                        return true
                    }()) ?? false
                    // Foundation also takes a trailing comma (`[1, ]`), which RFC 8259 does not.
                    let text = String(decoding: doc, as: UTF8.self)
                    let trailingComma = text.contains(/,\s*[\]}]/)
                    if mine != foundation && !(foundation && trailingComma) { disagreements.append(text) }
                }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }

    @Test func faultsSayWhere() {
        var r = JSONReader(Array("{\"a\": [1, 2,, 3]}".utf8))
        do {
            _ = try Self.tree(&r)
            Issue.record("read a doubled comma")
        } catch {
            #expect((error as? JSONReader.Failure)?.description == "unexpected character at byte 12")
        }
        var deep = JSONReader(Array(String(repeating: "[", count: 10_000).utf8))
        #expect(throws: JSONReader.Failure.self) { try deep.skipValue() }
    }

    @Test func decimalStrings() throws {
        var r = JSONReader(Array(#"["1700000000000000000", "-5", "12a", "", "99999999999999999999", 7]"#.utf8))
        try r.beginArray()
        var read: [Int64?] = []
        for _ in 0..<5 {
            _ = try r.nextElement()
            read.append(try r.decimalString())
        }
        #expect(read == [1_700_000_000_000_000_000, -5, nil, nil, nil])
        _ = try r.nextElement()
        #expect(throws: JSONReader.Failure.self) { _ = try r.decimalString() }
    }
}
