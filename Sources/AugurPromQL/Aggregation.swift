import AugurCore

/// `sum`, `avg`, `topk`, … over the elements of one instant vector, grouped `by` or `without` labels.
enum Aggregation {
    private struct Group {
        var labels: Labels
        var value: Double
        var mean: Double
        var count: Double
        var members: [Element] = []
    }

    /// The previous step's grouping, by element position: a range query's steps mostly see the same
    /// elements in the same order, so a key is reused after one label-set comparison instead of being
    /// rebuilt and hashed.
    final class Memo {
        var inputs: [Labels] = []
        var keys: [Labels] = []
        var groups: [Int] = []
    }

    static func evaluate(_ op: AggregateOp, _ v: [Element], parameter: Value?, grouping: [String], without: Bool, memo: Memo = Memo()) throws(QueryError) -> [Element] {
        var k = 0, q = 0.0, valueLabel = ""
        var grouping = grouping
        switch (op, parameter) {
        case (.topk, .scalar(let p)?), (.bottomk, .scalar(let p)?):
            guard p.isFinite || p.isNaN, abs(p) < 9.2e18 else { throw QueryError(.execution, "Scalar value \(p) overflows int64") }
            k = p.isNaN ? Int.min : Int(p)
            if k < 1 { return [] }
        case (.quantile, .scalar(let p)?): q = p
        case (.countValues, .string(let s)?):
            guard Labels.isLabelName(s) else { throw QueryError(.execution, "invalid label name \"\(s)\"") }
            valueLabel = s
            if !without { grouping.append(s) }
        default: break
        }
        var groups: [Group] = []
        var index: [Labels: Int] = [:]
        for (position, element) in v.enumerated() {
            var e = element
            if op == .countValues { e.labels = e.labels.dropping([valueLabel]).adding(valueLabel, formatValue(e.value)) }
            let key: Labels
            if position < memo.inputs.count, memo.inputs[position] == e.labels {
                key = memo.keys[position]
            } else {
                key = without ? e.labels.dropping(grouping + [Labels.metricName]) : e.labels.keeping(grouping)
                if position < memo.inputs.count {
                    memo.inputs[position] = e.labels
                    memo.keys[position] = key
                } else {
                    memo.inputs.append(e.labels)
                    memo.keys.append(key)
                    memo.groups.append(-1)
                }
            }
            var found: Int? = nil
            let guess = memo.groups[position]
            if guess >= 0, guess < groups.count, groups[guess].labels == key { found = guess } else { found = index[key] }
            guard let gi = found else {
                var g = Group(labels: key, value: e.value, mean: e.value, count: 1)
                switch op {
                case .stddev, .stdvar: g.value = 0
                case .group: g.value = 1
                case .topk, .bottomk, .quantile: g.members = [e]
                default: break
                }
                index[key] = groups.count
                memo.groups[position] = groups.count
                groups.append(g)
                continue
            }
            if guess != gi { memo.groups[position] = gi }
            accumulate(&groups[gi], e)
        }

        /// Adds one element to its group, in place (a copy would copy topk's heap per element).
        func accumulate(_ g: inout Group, _ e: Element) {
            switch op {
            case .sum: g.value += e.value
            case .avg:
                g.count += 1
                if g.mean.isInfinite {
                    if e.value.isInfinite && (g.mean > 0) == (e.value > 0) { return }
                    if !e.value.isInfinite && !e.value.isNaN { return }
                }
                g.mean += e.value / g.count - g.mean / g.count
            case .max: if g.value < e.value || g.value.isNaN { g.value = e.value }
            case .min: if g.value > e.value || g.value.isNaN { g.value = e.value }
            case .count, .countValues: g.count += 1
            case .stddev, .stdvar:
                g.count += 1
                let delta = e.value - g.mean
                g.mean += delta / g.count
                g.value += delta * (e.value - g.mean)
            case .topk, .bottomk:
                let top = op == .topk
                if g.members.count < k || g.members[0].value.isNaN || (top ? g.members[0].value < e.value : g.members[0].value > e.value) {
                    if g.members.count == k { SelectionHeap.pop(&g.members, top: top) }
                    SelectionHeap.push(&g.members, e, top: top)
                }
            case .quantile: g.members.append(e)
            case .group: break
            }
        }
        var out: [Element] = []
        for g in groups {
            let key = g.labels
            switch op {
            case .avg: out.append(Element(labels: key, value: g.mean))
            case .count, .countValues: out.append(Element(labels: key, value: g.count))
            case .stdvar: out.append(Element(labels: key, value: g.value / g.count))
            case .stddev: out.append(Element(labels: key, value: (g.value / g.count).squareRoot()))
            case .quantile: out.append(Element(labels: key, value: quantile(q, g.members.map(\.value))))
            case .topk, .bottomk:
                // NaN ranks below every number for both, as in Prometheus' heaps.
                let top = op == .topk
                let ranked = g.members.sorted { a, b in
                    if a.value.isNaN != b.value.isNaN { return !a.value.isNaN }
                    return top ? a.value > b.value : a.value < b.value
                }
                out.append(contentsOf: ranked.prefix(k))
            default: out.append(Element(labels: key, value: g.value))
            }
        }
        return out
    }

    /// Prometheus' φ-quantile of values: linear interpolation between the closest ranks.
    static func quantile(_ q: Double, _ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        if q.isNaN { return .nan }
        let sorted = values.sorted { a, b in a.isNaN ? !b.isNaN : (b.isNaN ? false : a < b) }
        let n = Double(sorted.count)
        let rank = q * (n - 1)
        let lower = Swift.max(0, rank.rounded(.down)), upper = Swift.min(n - 1, lower + 1)
        let weight = rank - rank.rounded(.down)
        return sorted[Int(lower)] * (1 - weight) + sorted[Int(upper)] * weight
    }
}

/// The heap `topk` and `bottomk` keep their k elements in, worst on top, as Go's `container/heap` orders
/// it: which of two equal values survives depends on this order, and Prometheus' answer with it.
enum SelectionHeap {
    /// Whether `a` is worse than `b` (NaN is worst).
    private static func worse(_ a: Element, _ b: Element, top: Bool) -> Bool {
        if a.value.isNaN { return true }
        return top ? a.value < b.value : a.value > b.value
    }

    static func push(_ h: inout [Element], _ e: Element, top: Bool) {
        h.append(e)
        var j = h.count - 1
        while j > 0 {
            let i = (j - 1) / 2
            guard worse(h[j], h[i], top: top) else { break }
            h.swapAt(i, j)
            j = i
        }
    }

    static func pop(_ h: inout [Element], top: Bool) {
        let n = h.count - 1
        h.swapAt(0, n)
        var i = 0
        while true {
            let j1 = 2 * i + 1
            if j1 >= n { break }
            var j = j1
            if j1 + 1 < n && worse(h[j1 + 1], h[j1], top: top) { j = j1 + 1 }
            guard worse(h[j], h[i], top: top) else { break }
            h.swapAt(i, j)
            i = j
        }
        h.removeLast()
    }
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`: the shortest digits that round-trip, never an exponent.
package func formatValue(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    let text = v.description
    // The common case, read as bytes (this runs per answered point): no exponent, maybe a ".0" to drop.
    let b = text.utf8
    guard let e = b.firstIndex(of: UInt8(ascii: "e")) else {
        if b.count > 2, b.last == UInt8(ascii: "0"), b[b.index(b.endIndex, offsetBy: -2)] == UInt8(ascii: ".") { return String(text.dropLast(2)) }
        return text
    }
    let exponent = Int(text[text.index(after: e)...])!
    var mantissa = String(text[..<e])
    let negative = mantissa.hasPrefix("-")
    if negative { mantissa.removeFirst() }
    let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
    var digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
    var point = parts[0].count + exponent
    while digits.count > 1 && digits.hasSuffix("0") && digits.count > point { digits.removeLast() }
    if point <= 0 {
        digits = String(repeating: "0", count: -point + 1) + digits
        point = 1
    }
    if digits.count < point { digits += String(repeating: "0", count: point - digits.count) }
    var out = String(digits.prefix(point))
    let fraction = digits.dropFirst(point)
    if !fraction.isEmpty && fraction.contains(where: { $0 != "0" }) { out += "." + fraction }
    return (negative ? "-" : "") + out
}
