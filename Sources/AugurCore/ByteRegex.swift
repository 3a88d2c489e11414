/// A regular-expression engine over UTF-8 bytes for log masks, header formats and (in `.re2` mode)
/// Prometheus' label matchers.
///
/// Why not `NSRegularExpression` or `Regex`: with two masks per line they parse 250k and 60k lines/s
/// here, and masking runs on every line. This engine covers the syntax masks and LogPAI formats use —
/// literals and escapes, `.`, classes (`[^a-z\d]`, `\d \w \s` and negations), groups (capturing,
/// `(?:…)`, `(?<name>…)`), `|`, greedy and lazy `* + ? {n} {n,} {n,m}`, `^ $ \b` — with ASCII
/// semantics for the classes. Anything else is refused at compile time, and callers fall back to
/// Foundation's engine. Matching is leftmost-first backtracking (Perl semantics) with a visited set
/// over (instruction, position), as RE2's BitState does: linear in the text, never exponential.
/// Programs are capped at `maxProgram` instructions and counted repeats at 1000, as RE2 caps them,
/// so that the visited set stays small too. (The `.bytes` mode's one-step star for masks can rescan a
/// run on backtracking, so there nested stars cost up to quadratic time; `.re2` mode has no such step.)
///
/// In `.re2` mode (selectors and rules) `.` and negated classes match one whole UTF-8 character, as
/// RE2 does, and the inline flags `(?i)`, `(?s)` (also scoped: `(?i:…)`) are understood.
package struct ByteRegex: Sendable {
    package struct Unsupported: Error, CustomStringConvertible {
        package let description: String
    }

    /// How characters are read: bytes with ASCII classes (masks), or RE2's UTF-8 characters.
    package enum Mode: Sendable { case bytes, re2 }

    /// The most instructions a compiled pattern may have.
    package static let maxProgram = 20_000

    struct ByteSet: Sendable, Equatable {
        var bits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        static func == (a: ByteSet, b: ByteSet) -> Bool { a.bits == b.bits }

        /// Branch-free: selects rather than switches (a jump table per byte scanned cost a third of a
        /// mask's scan of a line).
        @inline(__always) func contains(_ b: UInt8) -> Bool {
            let word = b < 128 ? (b < 64 ? bits.0 : bits.1) : (b < 192 ? bits.2 : bits.3)
            return word & (1 << UInt64(b & 63)) != 0
        }

        mutating func insert(_ b: UInt8) {
            let bit: UInt64 = 1 << UInt64(b & 63)
            switch b >> 6 {
            case 0: bits.0 |= bit
            case 1: bits.1 |= bit
            case 2: bits.2 |= bit
            default: bits.3 |= bit
            }
        }

        mutating func insert(_ r: ClosedRange<UInt8>) { for b in r { insert(b) } }
        mutating func formUnion(_ o: ByteSet) { bits = (bits.0 | o.bits.0, bits.1 | o.bits.1, bits.2 | o.bits.2, bits.3 | o.bits.3) }
        func inverted() -> ByteSet { ByteSet(bits: (~bits.0, ~bits.1, ~bits.2, ~bits.3)) }

        static let digit: ByteSet = { var s = ByteSet(); s.insert(UInt8(ascii: "0")...UInt8(ascii: "9")); return s }()
        static let word: ByteSet = {
            var s = digit
            s.insert(UInt8(ascii: "a")...UInt8(ascii: "z")); s.insert(UInt8(ascii: "A")...UInt8(ascii: "Z")); s.insert(UInt8(ascii: "_"))
            return s
        }()
        static let space: ByteSet = { var s = ByteSet(); for b in [9, 10, 11, 12, 13, 32] as [UInt8] { s.insert(b) }; return s }()
        static let all = ByteSet().inverted()
        static let notNewline: ByteSet = { var s = all; s.bits.0 &= ~(1 << 10); return s }()
    }

    indirect enum Node {
        case set(ByteSet)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int?, lazy: Bool)
        case group(Node, capture: Int?)
        case start, end, wordBoundary
    }

    enum Instruction: Sendable {
        case set(ByteSet)
        case split(Int, Int)  // try the first, then the second
        /// Zero or more bytes of the set, longest first (greedy) or shortest first, in one step: a
        /// `.*` field costs one instruction per try instead of a split per byte.
        case star(ByteSet, greedy: Bool)
        case jump(Int)
        case save(Int)
        case start, end, wordBoundary
        case match
    }

    let program: [Instruction]
    /// Capture groups (group 0 is the whole match) and the names of named ones.
    package let groupCount: Int
    package let names: [String: Int]
    /// Bytes a match can start with (all bytes when a match can be empty or start with an assertion).
    let firstBytes: ByteSet
    let anchoredAtStart: Bool
    /// Literal bytes every match starts with (checked before running the program at a position).
    let prefix: [UInt8]

    /// What must come next from each instruction, looking past captures.
    enum Follow: Sendable { case any, end, set(ByteSet) }
    let follow: [Follow]

    package init(_ pattern: String, mode: Mode = .bytes) throws(Unsupported) {
        var parser = Parser(Array(pattern.utf8))
        parser.re2 = mode == .re2
        let node = try parser.parseAlternation()
        guard parser.index == parser.bytes.count else { throw Unsupported(description: "unbalanced ) in \(pattern)") }
        var compiler = Compiler()
        compiler.utf8 = mode == .re2
        compiler.emit(.save(0))
        try compiler.compile(node)
        compiler.emit(.save(1))
        compiler.emit(.match)
        program = compiler.program
        groupCount = parser.groups + 1
        names = parser.names
        anchoredAtStart = { if case .sequence(let parts) = node, case .start? = parts.first { return true }; if case .start = node { return true }; return false }()
        firstBytes = Self.first(node) ?? .all
        var literal: [UInt8] = []
        for instruction in program.dropFirst() {
            guard case .set(let s) = instruction, let only = (0...255).first(where: { s.contains(UInt8($0)) }),
                  s == { var one = ByteSet(); one.insert(UInt8(only)); return one }() else { break }
            literal.append(UInt8(only))
        }
        prefix = literal
        let code = compiler.program
        follow = code.indices.map { pc in
            var k = pc
            while k < code.count, case .save = code[k] { k += 1 }
            guard k < code.count else { return .any }
            switch code[k] {
            case .set(let s): return .set(s)
            case .end: return .end
            default: return .any
            }
        }
    }

    /// The bytes a non-empty match of `node` must start with; nil when it can match empty (or starts with an assertion).
    static func first(_ node: Node) -> ByteSet? {
        switch node {
        case .set(let s): return s
        case .sequence(let parts):
            guard let head = parts.first else { return nil }
            return first(head)
        case .alternation(let options):
            var s = ByteSet()
            for o in options { guard let f = first(o) else { return nil }; s.formUnion(f) }
            return s
        case .repetition(let n, let min, _, _): return min > 0 ? first(n) : nil
        case .group(let n, _): return first(n)
        case .start, .end, .wordBoundary: return nil
        }
    }

    /// Reused state for matching: the visited set, the capture slots and the backtrack stack, as raw
    /// buffers — array properties of a class pay retain/release and exclusivity checks on every access.
    package final class Scratch {
        struct Entry { var pc: Int, pos: Int, slot: Int, old: Int }
        var visited = UnsafeMutablePointer<UInt64>.allocate(capacity: 1), visitedCapacity = 1
        var captures = UnsafeMutablePointer<Int>.allocate(capacity: 2), capturesCapacity = 2
        var stack = UnsafeMutablePointer<Entry>.allocate(capacity: 64), stackCapacity = 64

        package init() {}

        deinit { visited.deallocate(); captures.deallocate(); stack.deallocate() }

        func reserve(visited words: Int, captures slots: Int) {
            if words > visitedCapacity {
                visited.deallocate()
                visitedCapacity = max(words, 2 * visitedCapacity)
                visited = .allocate(capacity: visitedCapacity)
            }
            if slots > capturesCapacity {
                captures.deallocate()
                capturesCapacity = slots
                captures = .allocate(capacity: slots)
            }
        }

        func growStack() {
            let bigger = UnsafeMutablePointer<Entry>.allocate(capacity: 2 * stackCapacity)
            bigger.moveInitialize(from: stack, count: stackCapacity)
            stack.deallocate()
            stack = bigger
            stackCapacity *= 2
        }
    }

    /// The first match at or after `from`: the capture slots (start, end per group; −1 when unset).
    package func firstMatch(in text: UnsafeBufferPointer<UInt8>, from: Int = 0, scratch: Scratch) -> [Int]? {
        guard search(text, from: from, scratch: scratch) else { return nil }
        return Array(UnsafeBufferPointer(start: scratch.captures, count: 2 * groupCount))
    }

    /// Whether a match starts at or after `from`; its capture slots are then in `scratch.captures`.
    private func search(_ text: UnsafeBufferPointer<UInt8>, from: Int, scratch: Scratch) -> Bool {
        let n = text.count
        let width = n + 1
        let words = (program.count * width + 63) / 64
        scratch.reserve(visited: words, captures: 2 * groupCount)
        scratch.visited.update(repeating: 0, count: words)
        let anyFirst = firstBytes == .all
        var start = from
        while start <= n {
            if !anyFirst {
                guard start < n else { return false }
                if !firstBytes.contains(text[start]) { start += 1; continue }
                if prefix.count > 1 {
                    guard start + prefix.count <= n else { return false }
                    var same = true
                    for k in 1..<prefix.count where text[start + k] != prefix[k] { same = false; break }
                    if !same { start += 1; continue }
                }
            }
            if run(text, at: start, width: width, scratch: scratch) { return true }
            if anchoredAtStart { return false }
            start += 1
        }
        return false
    }

    /// Leftmost-first backtracking from `at`. A visited (pc, pos) failed before and fails again:
    /// whether it can reach a match does not depend on the captures.
    private func run(_ text: UnsafeBufferPointer<UInt8>, at: Int, width: Int, scratch: Scratch) -> Bool {
        let visited = scratch.visited, captures = scratch.captures
        captures.update(repeating: -1, count: 2 * groupCount)
        var stack = scratch.stack, capacity = scratch.stackCapacity, depth = 0
        @inline(__always) func push(_ e: Scratch.Entry) {
            if depth == capacity {
                scratch.growStack()
                stack = scratch.stack
                capacity = scratch.stackCapacity
            }
            stack[depth] = e
            depth += 1
        }
        push(.init(pc: 0, pos: at, slot: -1, old: 0))
        let n = text.count
        return program.withUnsafeBufferPointer { program -> Bool in
            follow.withUnsafeBufferPointer { follow -> Bool in
                /// Whether the instruction after a star can match at `k`: only such ends of the star are worth
                /// a try (a lazy `.*?` before `:` jumps from colon to colon instead of trying every byte).
                @inline(__always) func viable(_ pc: Int, _ k: Int) -> Bool {
                    switch follow[pc] {
                    case .any: true
                    case .end: k == n
                    case .set(let next): k < n && next.contains(text[k])
                    }
                }
                while depth > 0 {
                    depth -= 1
                    let top = stack[depth]
                    var pc = top.pc, pos = top.pos
                    switch top.slot {
                    case -1: break
                    case -2:  // the next shorter try of a greedy star, down to `old`
                        while pos > top.old && !viable(pc, pos) { pos -= 1 }
                        guard viable(pc, pos) else { continue }
                        if pos > top.old { push(.init(pc: pc, pos: pos - 1, slot: -2, old: top.old)) }
                    case -3:  // the next longer try of a lazy star: one more byte, if the star's set takes it
                        guard case .star(let s, _) = program[pc - 1] else { continue }
                        var ok = pos <= n && s.contains(text[pos - 1])
                        while ok && !viable(pc, pos) {
                            ok = pos < n && s.contains(text[pos])
                            pos += 1
                        }
                        guard ok else { continue }
                        if pos < n { push(.init(pc: pc, pos: pos + 1, slot: -3, old: 0)) }
                    default:
                        captures[top.slot] = top.old  // undo a save on backtrack
                        continue
                    }
                    while true {
                        let key = pc &* width &+ pos
                        let bit: UInt64 = 1 << UInt64(key & 63)
                        if visited[key >> 6] & bit != 0 { break }
                        visited[key >> 6] |= bit
                        switch program[pc] {
                        case .set(let s):
                            guard pos < n, s.contains(text[pos]) else { break }
                            pc += 1; pos += 1
                            continue
                        case .star(let s, let greedy):
                            if greedy {
                                var r = pos
                                while r < n && s.contains(text[r]) { r += 1 }
                                if r > pos { push(.init(pc: pc + 1, pos: r - 1, slot: -2, old: pos)) }
                                pos = r
                            } else if pos < n {
                                push(.init(pc: pc + 1, pos: pos + 1, slot: -3, old: 0))  // the longer tries are checked when popped
                            }
                            pc += 1
                            guard viable(pc, pos) else { break }
                            continue
                        case .split(let a, let b):
                            push(.init(pc: b, pos: pos, slot: -1, old: 0))
                            pc = a
                            continue
                        case .jump(let t):
                            pc = t
                            continue
                        case .save(let slot):
                            push(.init(pc: 0, pos: 0, slot: slot, old: captures[slot]))
                            captures[slot] = pos
                            pc += 1
                            continue
                        case .start:
                            guard pos == 0 else { break }
                            pc += 1
                            continue
                        case .end:
                            guard pos == n else { break }
                            pc += 1
                            continue
                        case .wordBoundary:
                            let before = pos > 0 && ByteSet.word.contains(text[pos - 1]), after = pos < n && ByteSet.word.contains(text[pos])
                            guard before != after else { break }
                            pc += 1
                            continue
                        case .match:
                            return true
                        }
                        break
                    }
                }
                return false
            }
        }
    }

    /// `text` with every match replaced by `replacement`, left to right (`text` itself when nothing matches).
    package func replacingMatches(in text: ArraySlice<UInt8>, with replacement: [UInt8], scratch: Scratch) -> ArraySlice<UInt8> {
        replacingMatches(in: text, scratch: scratch) { _, out in out.append(contentsOf: replacement) }
    }

    /// `text` with every match replaced by what `replace` appends for it (the match's bytes given).
    package func replacingMatches(in text: ArraySlice<UInt8>, scratch: Scratch, replace: (UnsafeBufferPointer<UInt8>.SubSequence, inout [UInt8]) -> Void) -> ArraySlice<UInt8> {
        text.withUnsafeBufferPointer { buffer -> ArraySlice<UInt8> in
            var out: [UInt8] = []
            var copied = 0, from = 0, matched = false
            while from <= buffer.count, search(buffer, from: from, scratch: scratch) {
                let (s, e) = (scratch.captures[0], scratch.captures[1])
                if !matched { out.reserveCapacity(buffer.count + 16); matched = true }
                out.append(contentsOf: buffer[copied..<s])
                replace(buffer[s..<e], &out)
                copied = e
                from = e > s ? e : e + 1
                if e == s && s < buffer.count { out.append(buffer[s]); copied = s + 1 }
            }
            guard matched else { return text }
            out.append(contentsOf: buffer[copied...])
            return out[...]
        }
    }

    // MARK: Parsing

    struct Parser {
        let bytes: [UInt8]
        var index = 0
        var groups = 0
        var names: [String: Int] = [:]
        /// RE2 syntax and flags; `i` folds ASCII case, `s` lets `.` match a newline.
        var re2 = false
        var caseless = false
        var dotAll = false

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        /// `set` with both cases of its ASCII letters when `(?i)` is on.
        func folded(_ set: ByteSet) -> ByteSet {
            guard caseless else { return set }
            var out = set
            for b in UInt8(ascii: "a")...UInt8(ascii: "z") where set.contains(b) || set.contains(b - 32) { out.insert(b); out.insert(b - 32) }
            return out
        }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func parseAlternation() throws(Unsupported) -> Node {
            // Flags set inside a group end with it.
            let (savedCaseless, savedDotAll) = (caseless, dotAll)
            defer { (caseless, dotAll) = (savedCaseless, savedDotAll) }
            var options = [try parseSequence()]
            while peek == UInt8(ascii: "|") {
                index += 1
                options.append(try parseSequence())
            }
            return options.count == 1 ? options[0] : .alternation(options)
        }

        mutating func parseSequence() throws(Unsupported) -> Node {
            var parts: [Node] = []
            while let c = peek, c != UInt8(ascii: "|"), c != UInt8(ascii: ")") {
                var atom = try parseAtom()
                quantifiers: while let q = peek {
                    var min = 0, max: Int? = nil
                    switch q {
                    case UInt8(ascii: "*"): index += 1
                    case UInt8(ascii: "+"): index += 1; min = 1
                    case UInt8(ascii: "?"): index += 1; max = 1
                    case UInt8(ascii: "{"):
                        guard let (lo, hi) = parseBraces() else { break quantifiers }  // a literal brace
                        min = lo; max = hi
                    default: break quantifiers
                    }
                    var lazy = false
                    if peek == UInt8(ascii: "?") { index += 1; lazy = true }
                    if peek == UInt8(ascii: "+") { throw Unsupported(description: "possessive quantifiers") }
                    atom = .repetition(atom, min: min, max: max, lazy: lazy)
                }
                parts.append(atom)
            }
            return parts.count == 1 ? parts[0] : .sequence(parts)
        }

        /// `{n}`, `{n,}`, `{n,m}`; nil (and nothing consumed) when the brace is a literal.
        mutating func parseBraces() -> (Int, Int?)? {
            var i = index + 1
            func number() -> Int? {
                var v: Int?
                // Saturates past 10,000 (anything over 1000 is refused below): a long run of digits must not overflow.
                while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 { v = min((v ?? 0) * 10 + Int(bytes[i] - 48), 10_000); i += 1 }
                return v
            }
            guard let lo = number() else { return nil }
            var hi: Int? = lo
            if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; hi = number() }
            guard i < bytes.count, bytes[i] == UInt8(ascii: "}"), lo <= 1000, (hi ?? lo) <= 1000, (hi ?? lo) >= lo else { return nil }
            index = i + 1
            return (lo, hi)
        }

        mutating func parseAtom() throws(Unsupported) -> Node {
            let c = bytes[index]
            index += 1
            switch c {
            case UInt8(ascii: "."): return .set(dotAll ? .all : .notNewline)
            case UInt8(ascii: "^"): return .start
            case UInt8(ascii: "$"): return .end
            case UInt8(ascii: "["): return .set(folded(try parseClass()))
            case UInt8(ascii: "("):
                var capture: Int?
                if peek == UInt8(ascii: "?") {
                    index += 1
                    if peek == UInt8(ascii: ":") {
                        index += 1
                    } else if peek == UInt8(ascii: "<") || peek == UInt8(ascii: "P") {
                        if peek == UInt8(ascii: "P") { index += 1 }
                        guard peek == UInt8(ascii: "<") else { throw Unsupported(description: "group syntax (?\(UnicodeScalar(peek ?? 63)))") }
                        index += 1
                        var name: [UInt8] = []
                        while let b = peek, b != UInt8(ascii: ">") { name.append(b); index += 1 }
                        guard peek == UInt8(ascii: ">"), !name.isEmpty else { throw Unsupported(description: "unterminated group name") }
                        index += 1
                        groups += 1
                        capture = groups
                        names[String(decoding: name, as: UTF8.self)] = groups
                    } else if re2, let flags = try parseFlags() {
                        // `(?i)` changes the rest of the enclosing group; `(?i:…)` only its own.
                        if !flags.scoped { return .sequence([]) }
                        let (savedCaseless, savedDotAll) = (caseless, dotAll)
                        (caseless, dotAll) = (flags.caseless, flags.dotAll)
                        defer { (caseless, dotAll) = (savedCaseless, savedDotAll) }
                        let inner = try parseAlternation()
                        guard peek == UInt8(ascii: ")") else { throw Unsupported(description: "missing )") }
                        index += 1
                        return .group(inner, capture: nil)
                    } else {
                        throw Unsupported(description: "look-around and inline flags")
                    }
                } else {
                    groups += 1
                    capture = groups
                }
                let inner = try parseAlternation()
                guard peek == UInt8(ascii: ")") else { throw Unsupported(description: "missing )") }
                index += 1
                return .group(inner, capture: capture)
            case UInt8(ascii: "\\"):
                guard let e = peek else { throw Unsupported(description: "trailing backslash") }
                index += 1
                if e == UInt8(ascii: "b") { return .wordBoundary }
                if re2 && e == UInt8(ascii: "A") { return .start }
                if re2 && e == UInt8(ascii: "z") { return .end }
                return .set(folded(try escapeSet(e)))
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                throw Unsupported(description: "nothing to repeat")
            default:
                var s = ByteSet()
                s.insert(c)
                return .set(folded(s))
            }
        }

        /// After `(?`: RE2's flag groups `(?flags)` and `(?flags:`; nil (nothing consumed) for anything else.
        mutating func parseFlags() throws(Unsupported) -> (caseless: Bool, dotAll: Bool, scoped: Bool)? {
            var i = index, on = true
            var (ci, da) = (caseless, dotAll)
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "i"): ci = on
                case UInt8(ascii: "s"): da = on
                case UInt8(ascii: "m"), UInt8(ascii: "U"): throw Unsupported(description: "the (?m) and (?U) flags")
                case UInt8(ascii: "-"): on = false
                case UInt8(ascii: ")"), UInt8(ascii: ":"):
                    guard i > index else { return nil }
                    let scoped = bytes[i] == UInt8(ascii: ":")
                    index = i + 1
                    if !scoped { (caseless, dotAll) = (ci, da) }
                    return (ci, da, scoped)
                default: return nil
                }
                i += 1
            }
            return nil
        }

        mutating func escapeSet(_ e: UInt8) throws(Unsupported) -> ByteSet {
            switch e {
            case UInt8(ascii: "d"): return .digit
            case UInt8(ascii: "D"): return ByteSet.digit.inverted()
            case UInt8(ascii: "w"): return .word
            case UInt8(ascii: "W"): return ByteSet.word.inverted()
            case UInt8(ascii: "s"): return .space
            case UInt8(ascii: "S"): return ByteSet.space.inverted()
            case UInt8(ascii: "t"): var s = ByteSet(); s.insert(9); return s
            case UInt8(ascii: "n"): var s = ByteSet(); s.insert(10); return s
            case UInt8(ascii: "r"): var s = ByteSet(); s.insert(13); return s
            case UInt8(ascii: "f"): var s = ByteSet(); s.insert(12); return s
            case UInt8(ascii: "v"): var s = ByteSet(); s.insert(11); return s
            case UInt8(ascii: "x") where re2:
                // \xHH (ASCII only: a byte above 0x7F is not one UTF-8 character).
                func hex(_ b: UInt8?) -> UInt8? {
                    guard let b else { return nil }
                    switch b {
                    case 48...57: return b - 48
                    case 97...102: return b - 87
                    case 65...70: return b - 55
                    default: return nil
                    }
                }
                guard let hi = hex(peek), index + 1 < bytes.count, let lo = hex(bytes[index + 1]), hi < 8 else { throw Unsupported(description: "escape \\x other than \\x00-\\x7F") }
                index += 2
                var s = ByteSet(); s.insert(hi << 4 | lo); return s
            default:
                // Escaped punctuation is literal; escaped letters and digits mean something we do not support.
                guard !ByteSet.word.contains(e) else { throw Unsupported(description: "escape \\\(UnicodeScalar(e))") }
                var s = ByteSet()
                s.insert(e)
                return s
            }
        }

        mutating func parseClass() throws(Unsupported) -> ByteSet {
            var s = ByteSet()
            var negate = false
            if peek == UInt8(ascii: "^") { negate = true; index += 1 }
            var first = true
            while let c = peek, c != UInt8(ascii: "]") || first {
                first = false
                index += 1
                if re2 && c == UInt8(ascii: "[") && peek == UInt8(ascii: ":") { throw Unsupported(description: "POSIX classes like [[:alpha:]]") }
                var lo: UInt8 = c
                if c == UInt8(ascii: "\\") {
                    guard let e = peek else { throw Unsupported(description: "unterminated class") }
                    index += 1
                    let set = try escapeSet(e)
                    if [UInt8(ascii: "d"), UInt8(ascii: "D"), UInt8(ascii: "w"), UInt8(ascii: "W"), UInt8(ascii: "s"), UInt8(ascii: "S")].contains(e) {
                        s.formUnion(set)
                        continue
                    }
                    lo = (0...255).first { set.contains(UInt8($0)) }.map(UInt8.init) ?? e
                }
                if peek == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] != UInt8(ascii: "]") {
                    index += 1
                    var hi = bytes[index]
                    index += 1
                    if hi == UInt8(ascii: "\\") {
                        guard let e = peek else { throw Unsupported(description: "unterminated class") }
                        index += 1
                        hi = e
                    }
                    guard lo <= hi else { throw Unsupported(description: "reversed class range") }
                    s.insert(lo...hi)
                } else {
                    s.insert(lo)
                }
            }
            guard peek == UInt8(ascii: "]") else { throw Unsupported(description: "unterminated class") }
            index += 1
            if re2 && s.bits.2 | s.bits.3 != 0 { throw Unsupported(description: "non-ASCII characters in a class") }
            return negate ? s.inverted() : s
        }
    }

    // MARK: Compiling

    struct Compiler {
        var program: [Instruction] = []
        /// Sets that take every byte from 0x80 up match one whole UTF-8 character there (RE2's `.`).
        var utf8 = false

        mutating func emit(_ i: Instruction) { program.append(i) }

        static let lead2: ByteSet = { var s = ByteSet(); s.insert(0xC2...0xDF); return s }()
        static let lead3: ByteSet = { var s = ByteSet(); s.insert(0xE0...0xEF); return s }()
        static let lead4: ByteSet = { var s = ByteSet(); s.insert(0xF0...0xF4); return s }()
        static let continuation: ByteSet = { var s = ByteSet(); s.insert(0x80...0xBF); return s }()

        /// A set as instructions: one byte, or in UTF-8 mode its ASCII part or one multi-byte character.
        mutating func compileSet(_ s: ByteSet) {
            guard utf8, s.bits.2 | s.bits.3 != 0 else { emit(.set(s)); return }
            let ascii = ByteSet(bits: (s.bits.0, s.bits.1, 0, 0))
            let options: [[ByteSet]] = [[ascii], [Self.lead2, Self.continuation], [Self.lead3, Self.continuation, Self.continuation],
                                        [Self.lead4, Self.continuation, Self.continuation, Self.continuation]]
            var jumps: [Int] = []
            for (k, seq) in options.enumerated() {
                if k < options.count - 1 {
                    let split = program.count
                    emit(.split(0, 0))
                    for b in seq { emit(.set(b)) }
                    jumps.append(program.count)
                    emit(.jump(0))
                    program[split] = .split(split + 1, program.count)
                } else {
                    for b in seq { emit(.set(b)) }
                }
            }
            for j in jumps { program[j] = .jump(program.count) }
        }

        mutating func compile(_ node: Node) throws(Unsupported) {
            guard program.count <= ByteRegex.maxProgram else { throw Unsupported(description: "pattern too large (over \(ByteRegex.maxProgram) instructions)") }
            switch node {
            case .set(let s): compileSet(s)
            case .start: emit(.start)
            case .end: emit(.end)
            case .wordBoundary: emit(.wordBoundary)
            case .sequence(let parts): for p in parts { try compile(p) }
            case .group(let inner, let capture):
                if let g = capture { emit(.save(2 * g)) }
                try compile(inner)
                if let g = capture { emit(.save(2 * g + 1)) }
            case .alternation(let options):
                var jumps: [Int] = []
                for (k, o) in options.enumerated() {
                    if k < options.count - 1 {
                        let split = program.count
                        emit(.split(0, 0))
                        try compile(o)
                        jumps.append(program.count)
                        emit(.jump(0))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try compile(o)
                    }
                }
                for j in jumps { program[j] = .jump(program.count) }
            case .repetition(let inner, let min, let max, let lazy):
                for _ in 0..<min { try compile(inner) }
                if let max {
                    // Optional copies: each may be skipped, and skipping one skips the rest.
                    var splits: [Int] = []
                    for _ in min..<max {
                        splits.append(program.count)
                        emit(.split(0, 0))
                        try compile(inner)
                    }
                    let end = program.count
                    for s in splits { program[s] = lazy ? .split(end, s + 1) : .split(s + 1, end) }
                } else if case .set(let s) = inner, !utf8 {
                    // The one-step star is fast on log lines, but its backtracking rescans positions, which
                    // is quadratic on `(a+)+!`; in RE2 mode (client patterns) every repeat is a split loop,
                    // so each (instruction, position) runs at most once: O(program × text).
                    emit(.star(s, greedy: !lazy))
                } else {
                    let loop = program.count
                    emit(.split(0, 0))
                    try compile(inner)
                    emit(.jump(loop))
                    program[loop] = lazy ? .split(program.count, loop + 1) : .split(loop + 1, program.count)
                }
            }
        }
    }
}
