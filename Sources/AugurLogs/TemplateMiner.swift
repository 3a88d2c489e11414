import AugurCore
import Foundation

/// Online log template mining in the Drain family (He, Zhu, Zheng & Lyu, ICWS 2017): each message is
/// masked, tokenised on whitespace and routed through a fixed-depth prefix tree — token count, then
/// the first `depth − 2` constant tokens (tokens with digits are skipped; past `maxChildren` siblings a
/// new token goes to the wildcard branch) — to a leaf of templates. It joins the most similar template
/// when (equal tokens − 2 × conflicting plain words) / tokens ≥ `similarity`, a masked variable at a
/// template's `<*>` counting as equal; the template then turns differing positions into `<*>`.
/// Otherwise the message starts a template. Each line is assigned once, as it arrives. Templates that
/// generalise into the same text merge, keeping the older id; so do templates that differ in one plain
/// word once that position varies as a variable does (`Options.wordValues`). Pinned templates (patterns with `<*>`, or
/// regexes) take precedence.
package final class TemplateMiner {
    package struct Options: Sendable {
        package var similarity = 0.5
        package var depth = 4
        package var maxChildren = 100
        /// User masks, applied to the message before the common-variable masks; matches become `<*>`.
        package var masks: [LogPattern] = []
        /// Mask numbers, hex, IPs, UUIDs, paths with digits, durations and the values of key=value tokens.
        package var maskCommonVariables = true
        /// Count two different plain words at a position against joining (`Ending … initialization.`,
        /// `Ending … finalization.`). On: without it the development systems lose 0.03 GA (Windows,
        /// Hadoop, Zookeeper, BGL), though it splits templates whose variable is a plain word.
        package var wordConflicts = true
        /// Templates that differ only in one plain word at one position are one template with a
        /// variable there once that position has taken this many different words (`session closed for
        /// user alice`, `… bob`, `… carol`, `… dave` → `session closed for user <*>`). A constant that
        /// comes in variants has few of them (`Ending initialization.`, `… finalization.`).
        package var wordValues = 4

        package init() {}
    }

    package struct Template: Sendable, Equatable {
        package let id: Int64
        package let text: String
        package let count: Int
        /// The prefix-tree leaf it lives in, so a restored miner routes lines as before.
        package let route: String
        package let pinned: Bool

        package init(id: Int64, text: String, count: Int, route: String, pinned: Bool) {
            (self.id, self.text, self.count, self.route, self.pinned) = (id, text, count, route, pinned)
        }
    }

    struct Cluster {
        var id: Int64
        var tokens: [Int32] { didSet { text = nil } }
        var count: Int
        var route: SIMD4<Int32>
        /// Set when merged into another cluster (an index).
        var mergedInto: Int?
        var pinned: LogPattern?
        /// The pinned pattern as the operator wrote it, and whether it is a regex.
        var pin: (source: String, regex: Bool)?
        /// The family of templates it differs from in one plain word only (an index into `families`).
        var family: Int?
        /// The template's text, rendered once per change of `tokens`: every batch of a push sends its
        /// templates' rows, and most lines change only a count.
        var text: String? = nil
    }

    /// Templates that differ from each other in one plain word, at `position`.
    struct WordFamily {
        var position: Int
        var members: [Int]
    }

    package let options: Options
    var vocabulary = Vocabulary()
    var clusters: [Cluster] = []
    var leaves: [SIMD4<Int32>: [Int]] = [:]
    var children: [SIMD4<Int32>: Set<Int32>] = [:]
    var pinned: [Int] = []
    var families: [WordFamily] = []
    package private(set) var nextId: Int64 = 1
    /// Clusters created or changed since `takeChanges()`, and a flag per cluster for whether it is
    /// listed (a hash-set insert per line stood out in the profile of `augur-bench logs`).
    private var changed: [Int] = []
    private var isChanged: [Bool] = []

    private func markChanged(_ index: Int) {
        if index >= isChanged.count { isChanged.append(contentsOf: repeatElement(false, count: index + 1 - isChanged.count)) }
        if !isChanged[index] { isChanged[index] = true; changed.append(index) }
    }
    private let scratch = ByteRegex.Scratch()
    private var tokenBuffer: [Int32] = []
    private var digitBuffer: [Bool] = []

    package init(options: Options = Options(), firstId: Int64 = 1) {
        precondition(options.depth >= 3 && options.depth <= 5, "depth is 3 to 5")
        self.options = options
        nextId = firstId
    }

    /// The cluster a message belongs to (its index), assigning it now.
    @discardableResult
    package func add(_ message: ArraySlice<UInt8>) -> Int {
        var text = message
        for mask in options.masks { text = mask.replacingMatches(text, scratch: scratch, fallback: Self.wildcardBytes, replace: Self.maskPieces) }
        for index in pinned where clusters[index].pinned!.firstMatch(text, scratch: scratch) != nil {
            clusters[index].count += 1
            markChanged(index)
            return index
        }
        tokenize(text)
        let route = self.route()
        let candidates = leaves[route] ?? []
        var best = -1, bestSimilarity = -1.0, bestParameters = -1
        // A template that differs from the line in one plain word only, and where.
        var sibling: (index: Int, position: Int)?
        let n = tokenBuffer.count
        for c in candidates {
            let template = clusters[c].tokens
            var same = 0, parameters = 0, wordConflicts = 0, conflictAt = 0
            for i in 0..<n {
                let t = template[i], l = tokenBuffer[i]
                if t == l {
                    same += 1
                } else if vocabulary.isVariable[Int(t)] {
                    // A variable where the template has one agrees with it: a token with a masked part,
                    // or one that fits the template's own `<*>` pattern (`user=<*>`, `user=alice`).
                    // (A bare `<*>` fits anything: there only a variable-looking token agrees.)
                    if vocabulary.isVariable[Int(l)] || (t != Vocabulary.wildcard && fits(t, l)) { same += 1 } else { parameters += 1 }
                } else if options.wordConflicts && vocabulary.isWord[Int(t)] && vocabulary.isWord[Int(l)] {
                    wordConflicts += 1
                    conflictAt = i
                }
            }
            if wordConflicts == 1 && same == n - 1 && (sibling == nil || clusters[c].family != nil) { sibling = (c, conflictAt) }
            let similarity = n == 0 ? 1 : Double(same - 2 * wordConflicts) / Double(n)
            if similarity > bestSimilarity || (similarity == bestSimilarity && parameters > bestParameters) {
                (best, bestSimilarity, bestParameters) = (c, similarity, parameters)
            }
        }
        if best >= 0 && bestSimilarity >= options.similarity {
            clusters[best].count += 1
            markChanged(best)
            var generalised = false
            for i in 0..<n where clusters[best].tokens[i] != tokenBuffer[i] && clusters[best].tokens[i] != Vocabulary.wildcard {
                let t = clusters[best].tokens[i]
                if fits(t, tokenBuffer[i]) { continue }
                clusters[best].tokens[i] = generalise(t, tokenBuffer[i])
                generalised = true
            }
            return generalised ? mergeIfDuplicate(best) : best
        }
        let index = clusters.count
        clusters.append(Cluster(id: nextId, tokens: tokenBuffer, count: 1, route: route))
        nextId += 1
        leaves[route, default: []].append(index)
        markChanged(index)
        if let sibling { return joinFamily(index, of: sibling.index, at: sibling.position) }
        return index
    }

    /// Puts a new template in the word family of `sibling` (starting one), and turns the family into
    /// one template with a variable at `position` once it holds `wordValues` different words there.
    /// Returns where the new template's line went.
    private func joinFamily(_ index: Int, of sibling: Int, at position: Int) -> Int {
        let family: Int
        if let f = clusters[sibling].family {
            guard families[f].position == position else { return index }
            family = f
        } else {
            family = families.count
            families.append(WordFamily(position: position, members: [sibling]))
            clusters[sibling].family = family
        }
        families[family].members.append(index)
        clusters[index].family = family
        let members = families[family].members.filter { clusters[$0].mergedInto == nil }
        guard members.count >= options.wordValues else { return index }
        let keep = members.min { clusters[$0].id < clusters[$1].id }!
        clusters[keep].tokens[position] = Vocabulary.wildcard
        clusters[keep].family = nil
        for other in members where other != keep {
            for i in clusters[keep].tokens.indices where clusters[keep].tokens[i] != clusters[other].tokens[i] {
                clusters[keep].tokens[i] = generalise(clusters[keep].tokens[i], clusters[other].tokens[i])
            }
            absorb(other, into: keep)
        }
        families[family].members = []
        return mergeIfDuplicate(keep)
    }

    /// A cluster whose template became another's in the same leaf merges into the older one.
    private func mergeIfDuplicate(_ index: Int) -> Int {
        let route = clusters[index].route
        guard let twin = leaves[route]?.first(where: { $0 != index && clusters[$0].tokens == clusters[index].tokens }) else { return index }
        let (keep, drop) = clusters[twin].id < clusters[index].id ? (twin, index) : (index, twin)
        absorb(drop, into: keep)
        return keep
    }

    /// Folds cluster `drop` into `keep`: its lines count for `keep`, and its leaf no longer offers it.
    private func absorb(_ drop: Int, into keep: Int) {
        clusters[keep].count += clusters[drop].count
        clusters[drop].mergedInto = keep
        leaves[clusters[drop].route]?.removeAll { $0 == drop }
        markChanged(keep)
        markChanged(drop)
    }

    /// The live cluster `index` ended up in (following merges).
    package func resolve(_ index: Int) -> Int {
        var i = index
        while let next = clusters[i].mergedInto { i = next }
        return i
    }

    package func id(_ index: Int) -> Int64 { clusters[resolve(index)].id }

    /// The template text of the live cluster `index` ended up in.
    package func text(_ index: Int) -> String { ownText(resolve(index)) }

    private func ownText(_ index: Int) -> String {
        if let p = clusters[index].pin { return p.source }
        if let text = clusters[index].text { return text }
        let text = clusters[index].tokens.map { TemplateText.canonical(vocabulary.bytes($0)) }.joined(separator: " ")
        clusters[index].text = text
        return text
    }

    /// Cluster `index` itself (merged or not).
    package func template(_ index: Int) -> Template {
        let c = clusters[index]
        let route = c.pin.map { $0.regex ? "pin-regex" : "pin" } ?? routeText(c.route)
        return Template(id: c.id, text: ownText(index), count: c.count, route: route, pinned: c.pinned != nil)
    }

    /// How many templates are live (not merged away).
    package var liveCount: Int { clusters.reduce(0) { $0 + ($1.mergedInto == nil ? 1 : 0) } }

    /// Live templates, oldest first.
    package var templates: [Template] { clusters.indices.filter { clusters[$0].mergedInto == nil }.map(template) }

    /// Templates created, changed or merged away since the last call; merged ones with the id they went to.
    package func takeChanges() -> (changed: [Template], merged: [(template: Template, into: Int64)]) {
        defer {
            for i in changed { isChanged[i] = false }
            changed.removeAll()
        }
        var merged: [(Template, Int64)] = []
        var live: [Template] = []
        for i in changed.sorted() {
            if clusters[i].mergedInto != nil { merged.append((template(i), id(i))) } else { live.append(template(i)) }
        }
        return (live, merged)
    }

    // MARK: Restoring and steering

    /// Puts back a stored template, with its id, count and leaf.
    package func restore(_ t: Template) throws(LogPattern.Invalid) {
        if t.pinned {
            _ = try pin(t.text, regex: t.route == "pin-regex", id: t.id, count: t.count)
            return
        }
        let tokens = t.text.split(separator: " ", omittingEmptySubsequences: true).map { vocabulary.intern(Array($0.utf8)[...]) }
        let route = parseRoute(t.route) ?? SIMD4<Int32>(Int32(tokens.count), 0, 0, 0)
        let index = clusters.count
        clusters.append(Cluster(id: t.id, tokens: tokens, count: t.count, route: route))
        leaves[route, default: []].append(index)
        for level in 1..<(options.depth - 1) where level < 4 && route[level] != Vocabulary.wildcard {
            var parent = route
            for k in level..<4 { parent[k] = -1 }
            children[parent, default: []].insert(route[level])
        }
        nextId = max(nextId, t.id + 1)
    }

    /// Pins a template: a pattern with `<*>` (each matches any text) or, when `regex`, a regular
    /// expression, matched against the whole masked message before mining. Returns its index.
    @discardableResult
    package func pin(_ pattern: String, regex: Bool = false, id: Int64? = nil, count: Int = 0) throws(LogPattern.Invalid) -> Int {
        let source = regex ? pattern : "^" + pattern.components(separatedBy: "<*>").map(Self.escape).joined(separator: ".*?") + "$"
        // Matched against every line: a backtracking engine here would let one pin freeze ingest.
        let compiled = try LogPattern(source, linearOnly: true)
        let index = clusters.count
        clusters.append(Cluster(id: id ?? nextId, tokens: [], count: count, route: SIMD4(-2, 0, 0, 0), pinned: compiled, pin: (pattern, regex)))
        nextId = max(nextId, (id ?? nextId) + 1)
        pinned.append(index)
        markChanged(index)
        return index
    }

    /// The id of the live pinned template with this pattern, if any.
    package func pinnedId(_ pattern: String, regex: Bool) -> Int64? {
        pinned.first { clusters[$0].pin?.source == pattern && clusters[$0].pin?.regex == regex }.map { clusters[$0].id }
    }

    /// Merges template `from` into `into` (operator steering): `from`'s lines count for `into` from now on.
    package func merge(_ from: Int64, into: Int64) -> Bool {
        guard let a = clusters.indices.first(where: { clusters[$0].id == from && clusters[$0].mergedInto == nil }),
              let b = clusters.indices.first(where: { clusters[$0].id == into && clusters[$0].mergedInto == nil }), a != b else { return false }
        absorb(a, into: b)
        pinned.removeAll { $0 == a }
        // The survivor absorbs the other's lines: where they differ it becomes <*>.
        if clusters[b].pinned == nil, clusters[a].pinned == nil, clusters[a].tokens.count == clusters[b].tokens.count {
            for i in clusters[b].tokens.indices where clusters[b].tokens[i] != clusters[a].tokens[i] { clusters[b].tokens[i] = Vocabulary.wildcard }
        }
        // Lines of the other's leaf keep finding the survivor.
        if clusters[a].route != clusters[b].route, clusters[b].pinned == nil { leaves[clusters[a].route, default: []].append(b) }
        return true
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            if "\\^$.|?*+()[]{}".contains(c) { out.append("\\") }
            out.append(c == " " ? " " : c)
        }
        return out
    }

    // MARK: Variables inside tokens

    /// What a mask's match becomes: each run between path delimiters (`:`, `=`, `,`, brackets, quotes,
    /// whitespace…) a `<*>` of its own, the delimiters kept, so that `10.0.0.1:50010` masked as one
    /// address reads `<*>:<*>` and a match that ends in a space leaves the space.
    static func maskPieces(_ match: UnsafeBufferPointer<UInt8>.SubSequence, _ out: inout [UInt8]) {
        var inPiece = false
        for b in match {
            if TemplateText.isPathDelimiter(b) {
                out.append(b)
                inPiece = false
            } else if !inPiece {
                out.append(contentsOf: wildcardBytes)
                inPiece = true
            }
        }
    }

    /// Whether token `line` fits template token `template`'s pattern: its text around each `<*>` in
    /// order (`blk_<*>` fits `blk_42`; a token without `<*>` fits only itself).
    func fits(_ template: Int32, _ line: Int32) -> Bool {
        TemplateText.fits(vocabulary.bytes(template), vocabulary.bytes(line))
    }

    /// The token two differing tokens generalise to: their common text before and after the part
    /// where they differ, cut at punctuation (`user=alice`, `user=bob` → `user=<*>`; `LOCAL(0),`,
    /// `<*>,` → `<*>,`; `closed`, `opened` → `<*>`: a shared word ending is not a constant).
    func generalise(_ a: Int32, _ b: Int32) -> Int32 {
        let merged = TemplateText.generalise(Array(vocabulary.bytes(a)), Array(vocabulary.bytes(b)))
        return merged == Self.wildcardBytes ? Vocabulary.wildcard : vocabulary.intern(merged[...])
    }

    // MARK: Tokens and routes

    static let wildcardBytes = Array("<*>".utf8)

    private func tokenize(_ text: ArraySlice<UInt8>) {
        // Locals while appending: every append to a class's array property is an exclusivity check.
        var tokenBuffer = self.tokenBuffer, digitBuffer = self.digitBuffer
        self.tokenBuffer = []; self.digitBuffer = []
        defer { self.tokenBuffer = tokenBuffer; self.digitBuffer = digitBuffer }
        tokenBuffer.removeAll(keepingCapacity: true)
        digitBuffer.removeAll(keepingCapacity: true)
        var i = text.startIndex
        let n = text.endIndex
        // Whitespace: space, tab and the line-ending bytes a CRLF file leaves behind.
        @inline(__always) func space(_ b: UInt8) -> Bool { b == 32 || (b >= 9 && b <= 13) }
        while i < n {
            while i < n && space(text[i]) { i += 1 }
            guard i < n else { break }
            var j = i
            var digits = false
            while j < n && !space(text[j]) {
                if text[j] >= 48 && text[j] <= 57 { digits = true }
                j += 1
            }
            let token = text[i..<j]
            if options.maskCommonVariables && digits, let masked = CommonVariables.mask(token) {
                tokenBuffer.append(masked.isEmpty ? Vocabulary.wildcard : vocabulary.intern(masked[...]))
                digitBuffer.append(true)
            } else {
                let id = vocabulary.intern(token)
                tokenBuffer.append(id)
                // A token with digits or a masked part is a variable: not a route.
                digitBuffer.append(digits || vocabulary.isVariable[Int(id)])
            }
            i = j
        }
    }

    /// (token count, first tokens) with −1 for unused levels; the wildcard for variable tokens and
    /// for new tokens once a node has `maxChildren` children.
    ///
    /// Variable tokens are skipped rather than routed to the wildcard: a line that starts with a
    /// timestamp and a pid (a raw line whose header nobody split off) is routed by its first words,
    /// instead of every line of that length landing in one leaf and being compared with every template.
    private func route() -> SIMD4<Int32> {
        var key = SIMD4<Int32>(Int32(tokenBuffer.count), -1, -1, -1)
        var next = 0
        for level in 1..<(options.depth - 1) where level < 4 {
            while next < tokenBuffer.count && digitBuffer[next] { next += 1 }
            guard next < tokenBuffer.count else { break }
            var token = tokenBuffer[next]
            next += 1
            if token != Vocabulary.wildcard {
                var siblings = children[key, default: []]
                if !siblings.contains(token) {
                    if siblings.count < options.maxChildren {
                        siblings.insert(token)
                        children[key] = siblings
                    } else {
                        token = Vocabulary.wildcard
                    }
                }
            }
            key[level] = token
        }
        return key
    }

    private func routeText(_ r: SIMD4<Int32>) -> String {
        (0..<4).map { k in k == 0 ? String(r[0]) : (r[k] < 0 ? "" : vocabulary.string(r[k])) }.joined(separator: "\u{1F}")
    }

    private func parseRoute(_ s: String) -> SIMD4<Int32>? {
        let parts = s.split(separator: "\u{1F}", omittingEmptySubsequences: false)
        guard parts.count == 4, let length = Int32(parts[0]) else { return nil }
        var r = SIMD4<Int32>(length, -1, -1, -1)
        for k in 1..<4 where !parts[k].isEmpty { r[k] = vocabulary.intern(Array(parts[k].utf8)[...]) }
        return r
    }
}

/// The common-variable masks, on one whitespace-separated token.
enum CommonVariables {
    static let wildcard = Array("<*>".utf8)

    /// The token with its variable part replaced by `<*>` (empty: the whole token is a variable), or
    /// nil when it holds no variable. Surrounding punctuation is kept: `(1973)` → `(<*>)`.
    static func mask(_ token: ArraySlice<UInt8>) -> [UInt8]? {
        var lo = token.startIndex, hi = token.endIndex
        while lo < hi && isWrapper(token[lo]) { lo += 1 }
        while hi > lo && (isWrapper(token[hi - 1]) || token[hi - 1] == UInt8(ascii: ".")) { hi -= 1 }
        guard lo < hi else { return nil }
        let core = token[lo..<hi]
        if let eq = core.firstIndex(of: UInt8(ascii: "=")), eq > core.startIndex {
            // key=value: mask the value.
            let value = core[(eq + 1)...]
            guard !value.isEmpty, isVariable(value) else { return nil }
            return Array(token[token.startIndex...eq]) + wildcard + Array(token[hi...])
        }
        guard isVariable(core) else { return nil }
        if lo == token.startIndex && hi == token.endIndex { return [] }
        return Array(token[token.startIndex..<lo]) + wildcard + Array(token[hi...])
    }

    static func isWrapper(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"),
             UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "<"), UInt8(ascii: ">"):
            return true
        default: return false
        }
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20 >= 97 && b | 0x20 <= 102) }

    /// Numbers (with sign, decimals, exponents, `:`/`.`-separated groups as in IPs, ports, times and
    /// versions, and a unit of up to three letters: 12ms, 3.5GB, 80%), hex (0x…, or 8+ hex digits),
    /// UUIDs and paths that contain digits.
    static func isVariable(_ s: ArraySlice<UInt8>) -> Bool {
        var i = s.startIndex
        if s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+") { i += 1 }
        guard i < s.endIndex else { return false }
        // 0x-prefixed hex.
        if s[i] == UInt8(ascii: "0"), i + 2 < s.endIndex + 1, i + 1 < s.endIndex, s[i + 1] | 0x20 == UInt8(ascii: "x") {
            return i + 2 < s.endIndex && s[(i + 2)...].allSatisfy(isHex)
        }
        // Digit groups separated by . : , and a short unit.
        var j = i, groups = 0
        while j < s.endIndex {
            guard isDigit(s[j]) else { break }
            while j < s.endIndex && isDigit(s[j]) { j += 1 }
            groups += 1
            if j < s.endIndex, [UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: ",")].contains(s[j]), j + 1 < s.endIndex, isDigit(s[j + 1]) { j += 1 } else { break }
        }
        if groups > 0 {
            let unit = s[j...]
            if unit.count <= 3 && unit.allSatisfy({ ($0 | 0x20) >= 97 && ($0 | 0x20) <= 122 || $0 == UInt8(ascii: "%") }) { return true }
        }
        // Hex strings and UUIDs: hex digits (8 or more) and dashes, with at least one digit.
        let hexLike = s.allSatisfy { isHex($0) || $0 == UInt8(ascii: "-") }
        if hexLike && s.filter(isHex).count >= 8 && s.contains(where: isDigit) { return true }
        // Paths with digits in them.
        if s.first == UInt8(ascii: "/") && s.dropFirst().contains(UInt8(ascii: "/")) { return true }
        return false
    }
}
