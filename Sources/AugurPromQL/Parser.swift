package import AugurCore

/// PromQL's grammar, by recursive descent with operator precedence, checking types as it goes
/// so that every error is reported before any data is read.
package struct Parser {
    private let tokens: [(token: Token, position: Int)]
    private var k = 0
    private var nextId = 0
    /// Bounds on the tree, so that neither parsing nor evaluation (both recursive) can exhaust the stack.
    static let maxDepth = 200, maxOperators = 2000
    private var depth = 0, operators = 0

    /// Parses one expression; the whole text must be consumed.
    package static func parse(_ text: String) throws(QueryError) -> Expr {
        var p = Parser(tokens: try Lexer.tokenize(text))
        let e = try p.expression(0)
        guard p.token == .end else { throw p.fail("unexpected \(p.describe(p.token))") }
        return e
    }

    private init(tokens: [(token: Token, position: Int)]) { self.tokens = tokens }

    private var token: Token { tokens[k].token }
    private mutating func advance() { if k < tokens.count - 1 { k += 1 } }
    private func fail(_ message: String) -> QueryError { Lexer.error(at: tokens[k].position, message) }

    private func describe(_ t: Token) -> String {
        switch t {
        case .identifier(let s): return "identifier \"\(s)\""
        case .number: return "number"
        case .duration: return "duration"
        case .string: return "string"
        case .op(let s): return "\"\(s)\""
        case .end: return "end of input"
        }
    }

    private mutating func expect(_ op: String) throws(QueryError) {
        guard token == .op(op) else { throw fail("expected \"\(op)\", found \(describe(token))") }
        advance()
    }

    private func isWord(_ w: String) -> Bool {
        if case .identifier(let s) = token { return s.lowercased() == w }
        return false
    }

    private var binaryOp: BinaryOp? {
        switch token {
        case .op(let s): return BinaryOp(rawValue: s)
        case .identifier(let s):
            let w = s.lowercased()
            return ["and", "or", "unless", "atan2"].contains(w) ? BinaryOp(rawValue: w) : nil
        default: return nil
        }
    }

    // MARK: Binary expressions

    private mutating func expression(_ minPrecedence: Int) throws(QueryError) -> Expr {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("expression nested more than \(Self.maxDepth) deep") }
        var lhs = try unary()
        while let op = binaryOp, op.precedence >= minPrecedence {
            operators += 1
            guard operators <= Self.maxOperators else { throw fail("expression has more than \(Self.maxOperators) binary operators") }
            advance()
            var returnBool = false
            if isWord("bool") {
                guard op.isComparison else { throw fail("bool modifier can only be used on comparison operators") }
                returnBool = true
                advance()
            }
            var matching: VectorMatching? = nil
            if isWord("on") || isWord("ignoring") {
                var m = VectorMatching(cardinality: op.isSetOperator ? .manyToMany : .oneToOne)
                m.on = isWord("on")
                advance()
                m.labels = try labelList()
                if isWord("group_left") || isWord("group_right") {
                    guard !op.isSetOperator else { throw fail("no grouping allowed for \"\(op.rawValue)\" operation") }
                    m.cardinality = isWord("group_left") ? .manyToOne : .oneToMany
                    advance()
                    if token == .op("(") { m.include = try labelList() }
                    if m.on, let both = m.include.first(where: m.labels.contains) {
                        throw fail("label \"\(both)\" must not occur in ON and GROUP clause at once")
                    }
                }
                matching = m
            } else if isWord("group_left") || isWord("group_right") {
                throw fail("group modifiers need on(…) or ignoring(…) before them")
            }
            let rhs = try expression(op.rightAssociative ? op.precedence : op.precedence + 1)
            lhs = try binary(op, lhs, rhs, matching: matching, returnBool: returnBool)
        }
        return lhs
    }

    private func binary(_ op: BinaryOp, _ lhs: Expr, _ rhs: Expr, matching: VectorMatching?, returnBool: Bool) throws(QueryError) -> Expr {
        for side in [lhs, rhs] where side.type != .scalar && side.type != .vector {
            throw fail("binary expression must contain only scalar and instant vector types")
        }
        let vectors = lhs.type == .vector && rhs.type == .vector
        if matching != nil && !vectors { throw fail("vector matching only allowed between instant vectors") }
        if op.isSetOperator && !vectors {
            throw fail("set operator \"\(op.rawValue)\" not allowed in binary scalar expression")
        }
        if op.isComparison && !returnBool && lhs.type == .scalar && rhs.type == .scalar {
            throw fail("comparisons between scalars must use BOOL modifier")
        }
        var m = matching
        if vectors && m == nil { m = VectorMatching(cardinality: op.isSetOperator ? .manyToMany : .oneToOne) }
        return .binary(op, lhs, rhs, matching: m, returnBool: returnBool)
    }

    private mutating func unary() throws(QueryError) -> Expr {
        if token == .op("-") || token == .op("+") {
            let negate = token == .op("-")
            advance()
            // Unary minus binds like `*`: `-a ^ b` is `-(a ^ b)`, `-a * b` is `(-a) * b`.
            let e = try expression(BinaryOp.pow.precedence)
            guard e.type == .scalar || e.type == .vector else {
                throw fail("unary expression only allowed on expressions of type scalar or instant vector")
            }
            guard negate else { return e }
            if case .number(let v) = e { return .number(-v) }
            return .negate(e)
        }
        return try postfix(try primary())
    }

    // MARK: Primaries and modifiers

    private mutating func primary() throws(QueryError) -> Expr {
        switch token {
        case .number(let v):
            advance()
            return .number(v)
        case .string(let s):
            advance()
            return .string(s)
        case .op("("):
            advance()
            let e = try expression(0)
            try expect(")")
            return .paren(e)
        case .op("{"):
            return .vector(try selector(name: nil))
        case .identifier(let name):
            advance()
            if let op = AggregateOp(rawValue: name.lowercased()), token == .op("(") || isWord("by") || isWord("without") {
                return try aggregation(op)
            }
            if token == .op("(") {
                guard let f = Function.all[name] else { throw fail("unknown function with name \"\(name)\"") }
                return try call(f, at: tokens[k - 1].position)
            }
            if ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "atan2"].contains(name.lowercased())
                || AggregateOp(rawValue: name.lowercased()) != nil {
                k -= 1
                throw fail("unexpected \(describe(token))")
            }
            return .vector(try selector(name: name))
        default:
            throw fail("unexpected \(describe(token))")
        }
    }

    /// `name`, `name{…}` or `{…}` (the name, if any, already read).
    private mutating func selector(name: String?) throws(QueryError) -> VectorSelector {
        var matchers: [Selector.Matcher] = []
        var text = name ?? ""
        if let name { matchers.append(try Selector.Matcher(name: Labels.metricName, op: .equal, value: name)) }
        if token == .op("{") {
            advance()
            var parts: [String] = []
            while token != .op("}") {
                guard case .identifier(let label) = token else { throw fail("expected label matching, found \(describe(token))") }
                advance()
                guard case .op(let o) = token, let op = Selector.Op(rawValue: o) else { throw fail("expected label matching operator, found \(describe(token))") }
                advance()
                guard case .string(let value) = token else { throw fail("expected label value string, found \(describe(token))") }
                advance()
                if name != nil && label == Labels.metricName { throw fail("metric name must not be set twice: \"\(name!)\" or \"\(value)\"") }
                do { matchers.append(try Selector.Matcher(name: label, op: op, value: value)) } catch {
                    throw fail(error.detail)
                }
                parts.append("\(label)\(o)\"\(Labels.escape(value))\"")
                if token == .op(",") { advance() } else if token != .op("}") { throw fail("expected \",\" or \"}\" in label matching, found \(describe(token))") }
            }
            advance()
            text += "{" + parts.joined(separator: ",") + "}"
        }
        guard matchers.contains(where: { !$0.matches(Labels([])) }) else {
            throw fail("vector selector must contain at least one non-empty matcher")
        }
        defer { nextId += 1 }
        return VectorSelector(id: nextId, selector: Selector(matchers: matchers, text: text))
    }

    /// `[range]`, `[range:step]`, `offset d` and `@ t`, in any order, each at most once.
    private mutating func postfix(_ base: Expr) throws(QueryError) -> Expr {
        var e = base
        while true {
            if token == .op("[") {
                advance()
                guard case .duration(let range) = token else { throw fail("expected a duration in [ ], found \(describe(token))") }
                advance()
                guard range > 0 else { throw fail("range must be greater than 0") }
                if token == .op(":") {
                    advance()
                    var step: Int64? = nil
                    if case .duration(let s) = token {
                        guard s > 0 else { throw fail("subquery step must be greater than 0") }
                        step = s
                        advance()
                    }
                    try expect("]")
                    guard e.type == .vector else { throw fail("subquery is only allowed on instant vector, got \(e.type.rawValue)") }
                    defer { nextId += 1 }
                    e = .subquery(e, id: nextId, rangeMs: range, stepMs: step, offsetMs: 0, at: nil)
                } else {
                    try expect("]")
                    guard case .vector(let vs) = e else { throw fail("ranges only allowed for vector selectors") }
                    e = .matrix(vs, rangeMs: range)
                }
            } else if isWord("offset") {
                advance()
                var sign: Int64 = 1
                if token == .op("-") { sign = -1; advance() } else if token == .op("+") { advance() }
                guard case .duration(let d) = token else { throw fail("expected a duration after offset, found \(describe(token))") }
                advance()
                e = try modify(e, offset: sign * d)
            } else if token == .op("@") {
                advance()
                e = try modify(e, at: try atTime())
            } else {
                return e
            }
        }
    }

    private mutating func atTime() throws(QueryError) -> AtModifier {
        if isWord("start") || isWord("end") {
            let which: AtModifier = isWord("start") ? .start : .end
            advance()
            try expect("(")
            try expect(")")
            return which
        }
        var sign = 1.0
        if token == .op("-") { sign = -1; advance() } else if token == .op("+") { advance() }
        guard case .number(let v) = token else { throw fail("expected a timestamp, start() or end() after @") }
        advance()
        let ms = (sign * v * 1000).rounded()
        guard ms.isFinite, abs(ms) <= Double(TimeParsing.latestMs) else { throw fail("timestamp out of bounds for @ modifier: \(sign * v)") }
        return .time(Int64(ms))
    }

    private func modify(_ e: Expr, offset: Int64? = nil, at: AtModifier? = nil) throws(QueryError) -> Expr {
        func apply(_ vs: VectorSelector) throws(QueryError) -> VectorSelector {
            var vs = vs
            if let offset {
                guard vs.offsetMs == 0 else { throw fail("offset may not be set multiple times") }
                vs.offsetMs = offset
            }
            if let at {
                guard vs.at == nil else { throw fail("@ <timestamp> may not be set multiple times") }
                vs.at = at
            }
            return vs
        }
        switch e {
        case .vector(let vs): return .vector(try apply(vs))
        case .matrix(let vs, let range): return .matrix(try apply(vs), rangeMs: range)
        case .subquery(let inner, let id, let range, let step, let o, let a):
            if offset != nil && o != 0 { throw fail("offset may not be set multiple times") }
            if at != nil && a != nil { throw fail("@ <timestamp> may not be set multiple times") }
            return .subquery(inner, id: id, rangeMs: range, stepMs: step, offsetMs: offset ?? o, at: at ?? a)
        default:
            throw fail("\(offset != nil ? "offset" : "@") modifier must be preceded by an instant vector selector or range vector selector or a subquery")
        }
    }

    // MARK: Calls and aggregations

    private mutating func arguments() throws(QueryError) -> [Expr] {
        try expect("(")
        var args: [Expr] = []
        while token != .op(")") {
            args.append(try expression(0))
            if token == .op(",") { advance() } else if token != .op(")") { throw fail("expected \",\" or \")\", found \(describe(token))") }
        }
        advance()
        return args
    }

    /// A call's argument errors point at the function's name (`at`).
    private mutating func call(_ f: Function, at position: Int) throws(QueryError) -> Expr {
        let args = try arguments()
        let least = f.arguments.count - f.optional
        guard args.count >= least, f.variadic || args.count <= f.arguments.count else {
            throw Lexer.error(at: position, "expected \(f.optional > 0 || f.variadic ? "at least \(least)" : "\(least)") argument(s) in call to \"\(f.name)\", got \(args.count)")
        }
        for (i, a) in args.enumerated() {
            let want = f.arguments[min(i, f.arguments.count - 1)]
            guard a.type == want else { throw Lexer.error(at: position, "expected type \(want.rawValue) in call to function \"\(f.name)\", got \(a.type.rawValue)") }
        }
        return .call(f, args)
    }

    private mutating func aggregation(_ op: AggregateOp) throws(QueryError) -> Expr {
        var grouping: [String] = []
        var without = false
        var modifierSeen = false
        if isWord("by") || isWord("without") {
            without = isWord("without")
            advance()
            grouping = try labelList()
            modifierSeen = true
        }
        let args = try arguments()
        if !modifierSeen && (isWord("by") || isWord("without")) {
            without = isWord("without")
            advance()
            grouping = try labelList()
        }
        guard args.count == (op.takesParameter ? 2 : 1) else {
            throw fail("wrong number of arguments for aggregate expression provided, expected \(op.takesParameter ? 2 : 1), got \(args.count)")
        }
        let inner = args[args.count - 1]
        guard inner.type == .vector else { throw fail("expected type instant vector in aggregation expression, got \(inner.type.rawValue)") }
        var parameter: Expr? = nil
        if op.takesParameter {
            let want: ValueType = op == .countValues ? .string : .scalar
            guard args[0].type == want else { throw fail("expected type \(want.rawValue) in aggregation parameter, got \(args[0].type.rawValue)") }
            parameter = args[0]
        }
        defer { nextId += 1 }
        return .aggregate(op, inner, parameter: parameter, grouping: grouping, without: without, id: nextId)
    }

    private mutating func labelList() throws(QueryError) -> [String] {
        try expect("(")
        var names: [String] = []
        while token != .op(")") {
            guard case .identifier(let n) = token, Labels.isLabelName(n) else { throw fail("unexpected \(describe(token)) in grouping opts, expected label") }
            names.append(n)
            advance()
            if token == .op(",") { advance() } else if token != .op(")") { throw fail("unexpected \(describe(token)) in grouping opts, expected \",\" or \")\"") }
        }
        advance()
        return names
    }
}
