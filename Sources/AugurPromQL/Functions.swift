import AugurCore
import Foundation

extension Evaluator {
    func call(_ f: Function, _ args: [Expr], _ t: Int64) throws(QueryError) -> Value {
        if f.arguments.contains(.matrix) { return .vector(try overTime(f.name, args, t)) }
        switch f.name {
        case "time": return .scalar(Double(t) / 1000)
        case "pi": return .scalar(.pi)
        case "vector": return .vector([Element(labels: Labels([]), value: try scalar(args[0], t))])
        case "scalar":
            let v = try vector(args[0], t)
            return .scalar(v.count == 1 ? v[0].value : .nan)
        case "timestamp":
            // A selector's own sample times; any other expression's elements are at the evaluation time.
            if case .vector(let vs) = args[0].unwrapped {
                return .vector(try Self.droppingNames(select(vs, t).map { Element(labels: $0.labels, value: Double($0.sample.timestampMs) / 1000) }))
            }
            return .vector(try Self.droppingNames(try vector(args[0], t).map { Element(labels: $0.labels, value: Double(t) / 1000) }))
        case "absent":
            return .vector(try vector(args[0], t).isEmpty ? [Element(labels: Self.absentLabels(args[0]), value: 1)] : [])
        case "histogram_quantile":
            return .vector(try Self.histogramQuantile(try scalar(args[0], t), try vector(args[1], t)))
        case "label_replace":
            return .vector(try labelReplace(try vector(args[0], t), destination: try string(args[1], t), replacement: try string(args[2], t),
                                            source: try string(args[3], t), pattern: try string(args[4], t)))
        case "label_join":
            var sources: [String] = []
            for a in args.dropFirst(3) { sources.append(try string(a, t)) }
            return .vector(try labelJoin(try vector(args[0], t), destination: try string(args[1], t), separator: try string(args[2], t), sources: sources))
        case "clamp":
            let lo = try scalar(args[1], t), hi = try scalar(args[2], t)
            if hi < lo { return .vector([]) }
            return try mapped(args[0], t) { goMax(lo, goMin(hi, $0)) }
        case "clamp_min":
            let lo = try scalar(args[1], t)
            return try mapped(args[0], t) { goMax(lo, $0) }
        case "clamp_max":
            let hi = try scalar(args[1], t)
            return try mapped(args[0], t) { goMin(hi, $0) }
        case "round":
            let inverse = 1 / (args.count > 1 ? try scalar(args[1], t) : 1)
            return try mapped(args[0], t) { ($0 * inverse + 0.5).rounded(.down) / inverse }
        case "sort", "sort_desc":
            let v = try vector(args[0], t)
            let ascending = f.name == "sort"
            // NaN sorts first either way, as Prometheus' value heaps order it.
            return .vector(v.sorted { a, b in
                if a.value.isNaN || b.value.isNaN { return a.value.isNaN && !b.value.isNaN }
                return ascending ? a.value < b.value : a.value > b.value
            })
        case "minute", "hour", "month", "year", "day_of_month", "day_of_week", "day_of_year", "days_in_month":
            let input = args.isEmpty ? [Element(labels: Labels([]), value: Double(t) / 1000)] : try vector(args[0], t)
            return .vector(try Self.droppingNames(input.map { Element(labels: $0.labels, value: CivilTime.field(f.name, seconds: $0.value)) }))
        default:
            guard let fn = Self.math[f.name] else { throw QueryError(.badQuery, "unknown function with name \"\(f.name)\"") }
            return try mapped(args[0], t, fn)
        }
    }

    private func mapped(_ arg: Expr, _ t: Int64, _ fn: (Double) -> Double) throws(QueryError) -> Value {
        .vector(try Self.droppingNames(try vector(arg, t).map { Element(labels: $0.labels, value: fn($0.value)) }))
    }

    static let math: [String: @Sendable (Double) -> Double] = [
        "abs": { abs($0) }, "ceil": { $0.rounded(.up) }, "floor": { $0.rounded(.down) },
        "exp": { exp($0) }, "ln": { log($0) }, "log2": { log2($0) }, "log10": { log10($0) },
        "sqrt": { $0.squareRoot() }, "sgn": { $0 < 0 ? -1 : ($0 > 0 ? 1 : $0) },
        "deg": { $0 * 180 / .pi }, "rad": { $0 * .pi / 180 },
        "sin": { sin($0) }, "cos": { cos($0) }, "tan": { tan($0) },
        "asin": { asin($0) }, "acos": { acos($0) }, "atan": { atan($0) },
        "sinh": { sinh($0) }, "cosh": { cosh($0) }, "tanh": { tanh($0) },
        "asinh": { asinh($0) }, "acosh": { acosh($0) }, "atanh": { atanh($0) },
    ]

    /// `absent`'s labels: those the selector pins with exactly one `=` matcher (the name excepted).
    static func absentLabels(_ e: Expr) -> Labels {
        let selector: Selector
        switch e.unwrapped {
        case .vector(let vs), .matrix(let vs, _): selector = vs.selector
        default: return Labels([])
        }
        var equal: [String: String] = [:]
        var dropped = Set<String>()
        for m in selector.matchers where m.name != Labels.metricName {
            if m.op == .equal && equal[m.name] == nil && !dropped.contains(m.name) { equal[m.name] = m.value } else { dropped.insert(m.name) }
        }
        return Labels(equal.filter { !dropped.contains($0.key) }.map { ($0.key, $0.value) })
    }

    // MARK: Labels

    private func labelReplace(_ v: [Element], destination: String, replacement: String, source: String, pattern: String) throws(QueryError) -> [Element] {
        let regex: ByteRegex
        do { regex = try ByteRegex("^(?:" + pattern + ")$", mode: .re2) } catch {
            throw QueryError(.execution, "invalid regular expression in label_replace(): \(pattern)")
        }
        guard Labels.isLabelName(destination) else { throw QueryError(.execution, "invalid destination label name in label_replace(): \(destination)") }
        let scratch = ByteRegex.Scratch()
        var out: [Element] = []
        for e in v {
            let value = Array((e.labels[source] ?? "").utf8)
            let groups = value.withUnsafeBufferPointer { regex.firstMatch(in: $0, scratch: scratch) }
            guard let groups else { out.append(e); continue }
            let expanded = Self.expand(replacement, value: value, groups: groups, names: regex.names)
            out.append(Element(labels: e.labels.dropping([destination]).adding(destination, expanded), value: e.value))
        }
        return try Self.unique(out)
    }

    /// Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`; `$$` is a dollar; unknown groups are empty.
    static func expand(_ template: String, value: [UInt8], groups: [Int], names: [String: Int]) -> String {
        let t = Array(template.utf8)
        var out: [UInt8] = []
        var i = 0
        func isNameByte(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
        while i < t.count {
            guard t[i] == UInt8(ascii: "$"), i + 1 < t.count else { out.append(t[i]); i += 1; continue }
            if t[i + 1] == UInt8(ascii: "$") { out.append(t[i]); i += 2; continue }
            var name: [UInt8] = []
            var j = i + 1
            if t[j] == UInt8(ascii: "{") {
                j += 1
                while j < t.count, isNameByte(t[j]) { name.append(t[j]); j += 1 }
                guard j < t.count, t[j] == UInt8(ascii: "}"), !name.isEmpty else { out.append(t[i]); i += 1; continue }
                j += 1
            } else {
                while j < t.count, isNameByte(t[j]) { name.append(t[j]); j += 1 }
                guard !name.isEmpty else { out.append(t[i]); i += 1; continue }
            }
            let key = String(decoding: name, as: UTF8.self)
            let group = Int(key) ?? names[key]
            if let g = group, g >= 0, 2 * g + 1 < groups.count, groups[2 * g] >= 0 {
                out.append(contentsOf: value[groups[2 * g]..<groups[2 * g + 1]])
            }
            i = j
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func labelJoin(_ v: [Element], destination: String, separator: String, sources: [String]) throws(QueryError) -> [Element] {
        guard Labels.isLabelName(destination) else { throw QueryError(.execution, "invalid destination label name in label_join(): \(destination)") }
        for s in sources where !Labels.isLabelName(s) { throw QueryError(.execution, "invalid source label name in label_join(): \(s)") }
        return try Self.unique(v.map { e in
            let joined = sources.map { e.labels[$0] ?? "" }.joined(separator: separator)
            return Element(labels: e.labels.dropping([destination]).adding(destination, joined), value: e.value)
        })
    }

    // MARK: Histograms

    static func histogramQuantile(_ q: Double, _ v: [Element]) throws(QueryError) -> [Element] {
        var order: [Labels] = []
        var groups: [Labels: [(upper: Double, count: Double)]] = [:]
        for e in v {
            guard let le = e.labels["le"], let upper = parseFloat(le) else { continue }
            let key = e.labels.dropping([Labels.metricName, "le"])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((upper, e.value))
        }
        return order.map { Element(labels: $0, value: bucketQuantile(q, groups[$0]!)) }
    }

    /// Go's `strconv.ParseFloat` for `le` values (`+Inf`, `1e3`, `0.5`).
    static func parseFloat(_ s: String) -> Double? {
        switch s.lowercased() {
        case "+inf", "inf", "+infinity", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: return Double(s)
        }
    }

    static func bucketQuantile(_ q: Double, _ input: [(upper: Double, count: Double)]) -> Double {
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        var buckets: [(upper: Double, count: Double)] = []
        for b in input.sorted(by: { $0.upper < $1.upper }) {  // equal bounds coalesce
            if let last = buckets.last, last.upper == b.upper { buckets[buckets.count - 1].count += b.count } else { buckets.append(b) }
        }
        guard let top = buckets.last, top.upper == .infinity else { return .nan }
        var highest = -Double.infinity  // counts made monotonic, as scrapes of separate buckets can disagree
        for i in buckets.indices {
            if buckets[i].count > highest { highest = buckets[i].count } else if buckets[i].count < highest { buckets[i].count = highest }
        }
        guard buckets.count >= 2 else { return .nan }
        let observations = buckets[buckets.count - 1].count
        guard observations != 0, !observations.isNaN else { return .nan }
        var rank = q * observations
        let b = buckets.dropLast().firstIndex { $0.count >= rank } ?? buckets.count - 1
        if b == buckets.count - 1 { return buckets[buckets.count - 2].upper }
        if b == 0 && buckets[0].upper <= 0 { return buckets[0].upper }
        var start = 0.0, count = buckets[b].count
        if b > 0 {
            start = buckets[b - 1].upper
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return start + (buckets[b].upper - start) * (rank / count)
    }
}

/// Go's `math.Max` and `math.Min`: NaN wins.
func goMax(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
func goMin(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }
