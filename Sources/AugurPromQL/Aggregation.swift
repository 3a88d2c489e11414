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

    static func evaluate(_ op: AggregateOp, _ v: [Element], parameter: Value?, grouping: [String], without: Bool) throws(QueryError) -> [Element] {
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
        var order: [Labels] = []
        var groups: [Labels: Group] = [:]
        for var e in v {
            if op == .countValues { e.labels = e.labels.dropping([valueLabel]).adding(valueLabel, formatValue(e.value)) }
            let key = without ? e.labels.dropping(grouping + [Labels.metricName]) : e.labels.keeping(grouping)
            guard var g = groups[key] else {
                order.append(key)
                var g = Group(labels: key, value: e.value, mean: e.value, count: 1)
                switch op {
                case .stddev, .stdvar: g.value = 0
                case .group: g.value = 1
                case .topk, .bottomk, .quantile: g.members = [e]
                default: break
                }
                groups[key] = g
                continue
            }
            switch op {
            case .sum: g.value += e.value
            case .avg:
                g.count += 1
                if g.mean.isInfinite {
                    if e.value.isInfinite && (g.mean > 0) == (e.value > 0) { break }
                    if !e.value.isInfinite && !e.value.isNaN { break }
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
            groups[key] = g
        }
        var out: [Element] = []
        for key in order {
            let g = groups[key]!
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
    let text = "\(v)"
    guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
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
