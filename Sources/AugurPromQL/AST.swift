package import AugurCore

/// The four types a PromQL expression can have.
package enum ValueType: String, Sendable {
    case scalar, vector = "instant vector", matrix = "range vector", string
}

/// `@ <time>`, `@ start()` or `@ end()`.
package enum AtModifier: Sendable, Equatable {
    case time(Int64)
    case start, end
}

/// A series selector with its modifiers; `id` names it for the data fetched before evaluation.
package struct VectorSelector: Sendable {
    package let id: Int
    package let selector: Selector
    package var offsetMs: Int64 = 0
    package var at: AtModifier?
}

/// PromQL's binary operators, in the parser's precedence classes.
package enum BinaryOp: String, Sendable, CaseIterable {
    case or, and, unless
    case eq = "==", ne = "!=", gt = ">", lt = "<", ge = ">=", le = "<="
    case add = "+", sub = "-"
    case mul = "*", div = "/", mod = "%", atan2
    case pow = "^"

    var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .eq, .ne, .gt, .lt, .ge, .le: return 3
        case .add, .sub: return 4
        case .mul, .div, .mod, .atan2: return 5
        case .pow: return 6
        }
    }

    var isComparison: Bool { precedence == 3 }
    var isSetOperator: Bool { precedence <= 2 }
    var rightAssociative: Bool { self == .pow }
    /// Arithmetic drops the metric name (the result is no longer that metric); comparisons keep it,
    /// and so does `atan2` in Prometheus 2.
    var dropsMetricName: Bool { !isComparison && !isSetOperator && self != .atan2 }
}

/// How two vectors' elements are paired (`on`, `ignoring`, `group_left`, `group_right`).
package struct VectorMatching: Sendable {
    package enum Cardinality: Sendable { case oneToOne, manyToOne, oneToMany, manyToMany }
    package var cardinality: Cardinality
    package var on = false
    package var labels: [String] = []
    /// `group_left(…)`/`group_right(…)`: labels copied from the "one" side.
    package var include: [String] = []
}

package enum AggregateOp: String, Sendable, CaseIterable {
    case sum, avg, min, max, count, stddev, stdvar, quantile, topk, bottomk, group
    case countValues = "count_values"

    var takesParameter: Bool { self == .quantile || self == .topk || self == .bottomk || self == .countValues }
}

/// A parsed expression. Subqueries carry an id for the evaluator's cache of their inner steps, and
/// aggregations one for the grouping it remembers from step to step.
package indirect enum Expr: Sendable {
    case number(Double)
    case string(String)
    case vector(VectorSelector)
    case matrix(VectorSelector, rangeMs: Int64)
    case subquery(Expr, id: Int, rangeMs: Int64, stepMs: Int64?, offsetMs: Int64, at: AtModifier?)
    case call(Function, [Expr])
    case aggregate(AggregateOp, Expr, parameter: Expr?, grouping: [String], without: Bool, id: Int)
    case binary(BinaryOp, Expr, Expr, matching: VectorMatching?, returnBool: Bool)
    case negate(Expr)
    case paren(Expr)

    package var type: ValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .vector, .aggregate: return .vector
        case .matrix, .subquery: return .matrix
        case .call(let f, _): return f.returns
        case .binary(_, let l, let r, _, _): return l.type == .scalar && r.type == .scalar ? .scalar : .vector
        case .negate(let e), .paren(let e): return e.type
        }
    }

    /// Every series selector the expression reads.
    package var selectors: [Selector] {
        switch self {
        case .number, .string: return []
        case .vector(let vs), .matrix(let vs, _): return [vs.selector]
        case .subquery(let e, _, _, _, _, _), .negate(let e), .paren(let e): return e.selectors
        case .call(_, let args): return args.flatMap(\.selectors)
        case .aggregate(_, let e, let p, _, _, _): return e.selectors + (p?.selectors ?? [])
        case .binary(_, let l, let r, _, _): return l.selectors + r.selectors
        }
    }

    /// The expression without enclosing parentheses.
    package var unwrapped: Expr {
        if case .paren(let e) = self { return e.unwrapped }
        return self
    }
}
