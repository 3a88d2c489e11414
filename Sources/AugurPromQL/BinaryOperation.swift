import AugurCore
import Foundation

/// Arithmetic, comparisons and set operators between scalars and instant vectors, with Prometheus'
/// vector matching.
enum BinaryOperation {
    static func evaluate(_ op: BinaryOp, _ lhs: Value, _ rhs: Value, matching: VectorMatching?, returnBool: Bool) throws(QueryError) -> Value {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)):
            let (v, keep) = apply(op, a, b)
            return .scalar(returnBool ? (keep ? 1 : 0) : v)
        case (.vector(let v), .scalar(let s)):
            return .vector(try withScalar(op, v, s, scalarOnLeft: false, returnBool: returnBool))
        case (.scalar(let s), .vector(let v)):
            return .vector(try withScalar(op, v, s, scalarOnLeft: true, returnBool: returnBool))
        case (.vector(let l), .vector(let r)):
            let m = matching ?? VectorMatching(cardinality: op.isSetOperator ? .manyToMany : .oneToOne)
            switch op {
            case .and: return .vector(setAnd(l, r, m, keepMatches: true))
            case .unless: return .vector(setAnd(l, r, m, keepMatches: false))
            case .or: return .vector(setOr(l, r, m))
            default: return .vector(try vectors(op, l, r, m, returnBool: returnBool))
            }
        default:
            throw QueryError(.execution, "binary operation on a string or range vector")
        }
    }

    /// The value, and whether a comparison keeps the element.
    static func apply(_ op: BinaryOp, _ a: Double, _ b: Double) -> (Double, Bool) {
        switch op {
        case .add: return (a + b, true)
        case .sub: return (a - b, true)
        case .mul: return (a * b, true)
        case .div: return (a / b, true)
        case .pow: return (pow(a, b), true)
        case .mod: return (fmod(a, b), true)
        case .atan2: return (atan2(a, b), true)
        case .eq: return (a, a == b)
        case .ne: return (a, a != b)
        case .gt: return (a, a > b)
        case .lt: return (a, a < b)
        case .ge: return (a, a >= b)
        case .le: return (a, a <= b)
        case .and, .or, .unless: return (a, true)
        }
    }

    private static func withScalar(_ op: BinaryOp, _ v: [Element], _ s: Double, scalarOnLeft: Bool, returnBool: Bool) throws(QueryError) -> [Element] {
        var out: [Element] = []
        out.reserveCapacity(v.count)
        for e in v {
            var (value, keep) = scalarOnLeft ? apply(op, s, e.value) : apply(op, e.value, s)
            if op.isComparison && scalarOnLeft { value = e.value }  // a filter keeps the vector's value
            if returnBool {
                value = keep ? 1 : 0
                keep = true
            }
            if keep { out.append(Element(labels: e.labels, value: value)) }
        }
        return op.dropsMetricName || returnBool ? try Evaluator.droppingNames(out) : out
    }

    /// The labels two elements are matched on.
    private static func signature(_ l: Labels, _ m: VectorMatching) -> [String] {
        if m.on { return m.labels.map { l[$0] ?? "" } }
        var out: [String] = []
        for p in l.pairs where p.name != Labels.metricName && !m.labels.contains(p.name) {
            out.append(p.name)
            out.append(p.value)
        }
        return out
    }

    private static func setAnd(_ l: [Element], _ r: [Element], _ m: VectorMatching, keepMatches: Bool) -> [Element] {
        let right = Set(r.map { signature($0.labels, m) })
        return l.filter { right.contains(signature($0.labels, m)) == keepMatches }
    }

    private static func setOr(_ l: [Element], _ r: [Element], _ m: VectorMatching) -> [Element] {
        let left = Set(l.map { signature($0.labels, m) })
        return l + r.filter { !left.contains(signature($0.labels, m)) }
    }

    private static func vectors(_ op: BinaryOp, _ lhs: [Element], _ rhs: [Element], _ m: VectorMatching, returnBool: Bool) throws(QueryError) -> [Element] {
        // group_right is group_left with the sides swapped (and swapped back for the value).
        let swapped = m.cardinality == .oneToMany
        let (many, one) = swapped ? (rhs, lhs) : (lhs, rhs)
        var oneSide: [[String]: Element] = [:]
        for e in one {
            let sig = signature(e.labels, m)
            if let other = oneSide[sig] {
                let matched = m.on ? e.labels.keeping(m.labels) : e.labels.dropping(m.labels + [Labels.metricName])
                throw QueryError(.execution, "found duplicate series for the match group \(matched) on the \(swapped ? "left" : "right") hand-side of the operation: [\(e.labels), \(other.labels)];many-to-many matching not allowed: matching labels must be unique on one side")
            }
            oneSide[sig] = e
        }
        var matched: [[String]: Set<Labels>] = [:]
        var out: [Element] = []
        for e in many {
            let sig = signature(e.labels, m)
            guard let o = oneSide[sig] else { continue }
            let (a, b) = swapped ? (o.value, e.value) : (e.value, o.value)
            var (value, keep) = apply(op, a, b)
            if returnBool {
                value = keep ? 1 : 0
            } else if !keep {
                continue
            }
            var labels = e.labels
            if op.dropsMetricName || returnBool { labels = labels.dropping([Labels.metricName]) }
            if m.cardinality == .oneToOne {
                labels = m.on ? labels.keeping(m.labels) : labels.dropping(m.labels)
            }
            for name in m.include {
                labels = labels.dropping([name])
                if let v = o.labels[name] { labels = labels.adding(name, v) }
            }
            if m.cardinality == .oneToOne {
                guard matched[sig] == nil else { throw QueryError(.execution, "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)") }
                matched[sig] = []
            } else {
                guard matched[sig, default: []].insert(labels).inserted else {
                    throw QueryError(.execution, "multiple matches for labels: grouping labels must ensure unique matches")
                }
            }
            out.append(Element(labels: labels, value: value))
        }
        return out
    }
}
