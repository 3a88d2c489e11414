/// Token interning: each distinct token gets a small integer, so templates compare as integer arrays.
/// An open-addressing table over one byte arena: lookups hash the bytes in place and allocate nothing
/// (a `Dictionary<[UInt8], …>` lookup would copy every token of every line).
struct Vocabulary {
    /// Id 0 is the wildcard `<*>`.
    static let wildcard: Int32 = 0

    private var arena: [UInt8] = []
    private var spans: [(start: Int32, count: Int32)] = [(0, 0)]
    private var table = [Int32](repeating: -1, count: 1024)
    /// Per id: a plain word (letters, perhaps closing punctuation) — the kind of token that is rarely a variable.
    private(set) var isWord: [Bool] = []
    /// Per id: holds a masked part (`<*>`) — a variable, whatever the rest of it says. (Any digit too
    /// measured worse: Windows GA 1.00 → 0.70, a session id joining two clients' templates.)
    private(set) var isVariable: [Bool] = []

    init() {
        spans = []
        _ = intern(Array("<*>".utf8)[...])
    }

    var count: Int { spans.count }

    @inline(__always) private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// The id of `token`, adding it when new.
    mutating func intern(_ token: ArraySlice<UInt8>) -> Int32 {
        token.withUnsafeBufferPointer { t in
            let mask = table.count - 1
            var slot = Int(truncatingIfNeeded: Self.hash(t)) & mask
            while true {
                let id = table[slot]
                if id < 0 { break }
                let span = spans[Int(id)]
                if Int(span.count) == t.count && arena.withUnsafeBufferPointer({ a in
                    t.count == 0 || memcmp(a.baseAddress! + Int(span.start), t.baseAddress!, t.count) == 0
                }) { return id }
                slot = (slot + 1) & mask
            }
            let id = Int32(spans.count)
            spans.append((Int32(arena.count), Int32(t.count)))
            isWord.append(Self.word(t))
            isVariable.append(TemplateText.hasWildcard(t))
            arena.append(contentsOf: t)
            table[slot] = id
            if spans.count * 2 > table.count { grow() }
            return id
        }
    }

    private static func word(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var end = t.count
        while end > 0, [UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: ";")].contains(t[end - 1]) { end -= 1 }
        guard end > 0 else { return false }
        for i in 0..<end where !((t[i] | 0x20) >= 97 && (t[i] | 0x20) <= 122) { return false }
        return true
    }

    private mutating func grow() {
        var bigger = [Int32](repeating: -1, count: table.count * 2)
        let mask = bigger.count - 1
        for (id, span) in spans.enumerated() {
            var slot = arena.withUnsafeBufferPointer { a in
                Int(truncatingIfNeeded: Self.hash(UnsafeBufferPointer(rebasing: a[Int(span.start)..<Int(span.start + span.count)]))) & mask
            }
            while bigger[slot] >= 0 { slot = (slot + 1) & mask }
            bigger[slot] = Int32(id)
        }
        table = bigger
    }

    func bytes(_ id: Int32) -> ArraySlice<UInt8> {
        let s = spans[Int(id)]
        return arena[Int(s.start)..<Int(s.start + s.count)]
    }

    func string(_ id: Int32) -> String { String(decoding: bytes(id), as: UTF8.self) }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
