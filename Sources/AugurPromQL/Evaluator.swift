package import AugurCore

/// One element of an instant vector.
struct Element {
    var labels: Labels
    var value: Double
}

/// A range vector's series: the samples in one window, stale markers removed. `unnamed` is its label
/// set without the metric name, worked out once per series rather than at every step.
struct Window {
    let labels: Labels
    let unnamed: Labels
    let samples: ArraySlice<Sample>
}

/// What an expression evaluates to at one time.
enum Value {
    case scalar(Double)
    case string(String)
    case vector([Element])
    case matrix([Window])
}

/// A query's answer, in the shapes of Prometheus' HTTP API.
package enum QueryResult: Sendable {
    case scalar(Int64, Double)
    case string(Int64, String)
    case vector([(labels: Labels, timestampMs: Int64, value: Double)])
    case matrix([Series])
}

/// Reads the raw samples (stale markers included) of a selector's series with timestamps in `startMs...endMs`.
package typealias SeriesReader = (Selector, _ startMs: Int64, _ endMs: Int64) throws -> [Series]

/// Evaluates PromQL as Prometheus does: a range query is the expression evaluated as an instant
/// query at every step. Every selector's data is read once, before evaluation, over the span all
/// its evaluations need.
package final class Evaluator {
    package struct Options: Sendable {
        package var lookbackMs: Int64 = StaleMarker.lookbackMs
        /// A subquery without a step evaluates at this interval (Prometheus' default `evaluation_interval`).
        package var subqueryStepMs: Int64 = 60_000
        package init() {}
    }

    /// The most inner steps one subquery evaluation may take (a day at 100 ms).
    static let maxSubquerySteps: Int64 = 1_000_000

    let startMs: Int64, endMs: Int64, stepMs: Int64
    let options: Options
    let budget: QueryBudget?
    private var data: [Int: [Series]] = [:]
    /// Per selector: its series' labels without the name, and whether its series have more than one name.
    private var unnamed: [Int: (labels: [Labels], names: Bool)] = [:]
    /// Per selector, per series: whether it holds a staleness marker (most do not: no scan per window).
    private var holdsStale: [Int: [Bool]] = [:]
    /// Per aggregation, the previous step's grouping keys (see `Aggregation.Memo`).
    private var aggregationMemos: [Int: Aggregation.Memo] = [:]
    private var needed: [Int: (Selector, Int64, Int64)] = [:]
    private var subqueryCache: [Int: [Int64: [Element]]] = [:]
    /// Per range selector, the end of its last window and each series' bounds then: a range query's
    /// steps move forward, so the next bounds are a few samples on, not two binary searches per series
    /// and step (`rate` over 1,000 counters for a day at 15 s: 5.8 million windows).
    private var cursors: [Int: (hi: Int64, lo: Int64, bounds: [(before: Int, last: Int)])] = [:]
    /// The same for instant selectors: each series' newest sample at or before the last time read.
    private var instantCursors: [Int: (ref: Int64, last: [Int])] = [:]
    private var evaluations = 0

    init(startMs: Int64, endMs: Int64, stepMs: Int64, options: Options, budget: QueryBudget?) {
        self.startMs = startMs
        self.endMs = endMs
        self.stepMs = stepMs
        self.options = options
        self.budget = budget
    }

    /// An instant query at `timeMs`.
    package static func instant(_ expr: Expr, at timeMs: Int64, options: Options = Options(), budget: QueryBudget? = nil, read: SeriesReader) throws -> QueryResult {
        let ev = Evaluator(startMs: timeMs, endMs: timeMs, stepMs: 0, options: options, budget: budget)
        try ev.load(expr, read: read)
        switch try ev.eval(expr, timeMs) {
        case .scalar(let v): return .scalar(timeMs, v)
        case .string(let s): return .string(timeMs, s)
        case .vector(let v):
            try budget?.take(samples: v.count)
            return .vector(v.map { ($0.labels, timeMs, $0.value) })
        case .matrix(let m):
            try budget?.take(samples: m.reduce(0) { $0 + $1.samples.count })
            return .matrix(m.map { Series(labels: $0.labels, samples: Array($0.samples)) })
        }
    }

    /// A range query: one series per label set, a point at each step where it has a value, sorted by labels.
    package static func range(_ expr: Expr, startMs: Int64, endMs: Int64, stepMs: Int64, options: Options = Options(), budget: QueryBudget? = nil, read: SeriesReader) throws -> [Series] {
        guard expr.type == .scalar || expr.type == .vector else {
            throw QueryError(.badQuery, "invalid expression type \"\(expr.type.rawValue)\" for range query, must be Scalar or instant Vector")
        }
        let ev = Evaluator(startMs: startMs, endMs: endMs, stepMs: stepMs, options: options, budget: budget)
        try ev.load(expr, read: read)
        var index: [Labels: Int] = [:]
        var out: [Series] = []
        var previous: [Int] = []  // the series of each element position at the previous step: usually the same again
        var t = startMs
        while t <= endMs {
            switch try ev.eval(expr, t) {
            case .scalar(let v):
                if out.isEmpty { out.append(Series(labels: Labels([]), samples: [])) }
                out[0].samples.append(Sample(t, v))
            case .vector(let v):
                for (k, e) in v.enumerated() {
                    if k < previous.count, out[previous[k]].labels == e.labels {
                        out[previous[k]].samples.append(Sample(t, e.value))
                        continue
                    }
                    let i = index[e.labels] ?? out.count
                    if i == out.count {
                        index[e.labels] = i
                        out.append(Series(labels: e.labels, samples: []))
                    }
                    out[i].samples.append(Sample(t, e.value))
                    if k < previous.count { previous[k] = i } else { previous.append(i) }
                }
                try budget?.take(samples: v.count)
            default: break
            }
            t += stepMs
        }
        return out.sorted { $0.labels < $1.labels }
    }

    // MARK: Reading the data

    private func resolve(_ at: AtModifier?) -> Int64? {
        switch at {
        case nil: return nil
        case .time(let t): return t
        case .start: return startMs
        case .end: return endMs
        }
    }

    /// Reads each selector's series over the span its evaluations need (offsets, ranges, `@` and subqueries included).
    private func load(_ expr: Expr, read: SeriesReader) throws {
        span(expr, startMs, endMs)
        for (id, (selector, lo, hi)) in needed {
            let series = try read(selector, lo, hi).sorted { $0.labels < $1.labels }
            data[id] = series
            unnamed[id] = (series.map { $0.labels.dropping([Labels.metricName]) }, Set(series.map { $0.labels.name ?? "" }).count > 1)
            holdsStale[id] = series.map { $0.samples.contains { StaleMarker.isStale($0.value) } }
        }
    }

    private func span(_ e: Expr, _ lo: Int64, _ hi: Int64) {
        func need(_ vs: VectorSelector, back: Int64) {
            let a = resolve(vs.at) ?? lo, b = resolve(vs.at) ?? hi
            needed[vs.id] = (vs.selector, a - vs.offsetMs - back, b - vs.offsetMs)
        }
        switch e {
        case .number, .string: break
        case .vector(let vs): need(vs, back: options.lookbackMs)
        case .matrix(let vs, let range): need(vs, back: range)
        case .subquery(let inner, _, let range, _, let offset, let at):
            let a = resolve(at) ?? lo, b = resolve(at) ?? hi
            span(inner, a - offset - range, b - offset)
        case .call(_, let args): for a in args { span(a, lo, hi) }
        case .aggregate(_, let inner, let p, _, _, _):
            span(inner, lo, hi)
            if let p { span(p, lo, hi) }
        case .binary(_, let l, let r, _, _):
            span(l, lo, hi)
            span(r, lo, hi)
        case .negate(let inner), .paren(let inner): span(inner, lo, hi)
        }
    }

    /// The newest sample at or before `ms`: its index, or nil.
    private static func last(_ samples: [Sample], atOrBefore ms: Int64) -> Int? {
        var lo = 0, hi = samples.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if samples[mid].timestampMs <= ms { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 ? lo - 1 : nil
    }

    /// The newest sample at or before `ms` (−1 for none): moving on from `from`, the answer for an
    /// earlier time, or by binary search.
    private static func newest(_ samples: [Sample], atOrBefore ms: Int64, from: Int?) -> Int {
        guard var i = from else { return last(samples, atOrBefore: ms) ?? -1 }
        while i + 1 < samples.count && samples[i + 1].timestampMs <= ms { i += 1 }
        return i
    }

    /// The instant selector at `t`: each series' newest sample in `[t − lookback, t]` unless it is a stale marker.
    func select(_ vs: VectorSelector, _ t: Int64) -> [(labels: Labels, sample: Sample)] {
        let ref = (resolve(vs.at) ?? t) - vs.offsetMs
        var out: [(labels: Labels, sample: Sample)] = []
        let series = data[vs.id] ?? []
        // As `window` does, for the newest sample alone.
        let cursor = instantCursors.removeValue(forKey: vs.id)
        let forward = cursor.map { $0.ref <= ref && $0.last.count == series.count } ?? false
        var lasts = forward ? cursor!.last : [Int](repeating: -1, count: series.count)
        for (k, s) in series.enumerated() {
            let last = Self.newest(s.samples, atOrBefore: ref, from: forward ? lasts[k] : nil)
            lasts[k] = last
            guard last >= 0 else { continue }
            let sample = s.samples[last]
            if sample.timestampMs >= ref - options.lookbackMs && !StaleMarker.isStale(sample.value) { out.append((s.labels, sample)) }
        }
        instantCursors[vs.id] = (ref, lasts)
        return out
    }

    /// The samples of each series in `[t − range, t]`.
    private func window(_ vs: VectorSelector, rangeMs: Int64, _ t: Int64) -> [Window] {
        let hi = (resolve(vs.at) ?? t) - vs.offsetMs, lo = hi - rangeMs - 1
        var out: [Window] = []
        let unnamedLabels = unnamed[vs.id]?.labels ?? [], stale = holdsStale[vs.id] ?? []
        let series = data[vs.id] ?? []
        // From the previous step's bounds when the window moved forward, else by binary search; taken
        // out and put back, so that they are updated in place.
        let cursor = cursors.removeValue(forKey: vs.id)
        let forward = cursor.map { $0.hi <= hi && $0.lo <= lo && $0.bounds.count == series.count } ?? false
        var bounds = forward ? cursor!.bounds : [(before: Int, last: Int)](repeating: (-1, -1), count: series.count)
        for (k, s) in series.enumerated() {
            let samples = s.samples
            // The newest sample at or before `lo` and `hi`, or −1.
            let (before, last) = (Self.newest(samples, atOrBefore: lo, from: forward ? bounds[k].before : nil),
                                  Self.newest(samples, atOrBefore: hi, from: forward ? bounds[k].last : nil))
            bounds[k] = (before, last)
            let first = before + 1
            guard last >= 0, first <= last else { continue }
            var slice = s.samples[first...last]
            if stale[k] { slice = ArraySlice(slice.filter { !StaleMarker.isStale($0.value) }) }
            if !slice.isEmpty { out.append(Window(labels: s.labels, unnamed: unnamedLabels[k], samples: slice)) }
        }
        cursors[vs.id] = (hi, lo, bounds)
        return out
    }

    /// A subquery at `t`: the inner expression at every multiple of the step in `[t − range, t]`.
    private func subquery(_ inner: Expr, id: Int, rangeMs: Int64, stepMs: Int64?, offsetMs: Int64, at: AtModifier?, _ t: Int64) throws(QueryError) -> [Window] {
        let step = stepMs ?? options.subqueryStepMs
        let hi = (resolve(at) ?? t) - offsetMs, lo = hi - rangeMs
        var first = lo / step * step
        if first < lo { first += step }
        // Each inner step is an evaluation kept in the cache: `x[100y:1ms]` must stop, not fill memory.
        guard (hi - first) / step < Self.maxSubquerySteps else {
            throw QueryError(.tooManyPoints, "a subquery of \((hi - first) / step + 1) steps per evaluation; at most \(Self.maxSubquerySteps): raise its step")
        }
        var index: [Labels: Int] = [:]
        var series: [(Labels, [Sample])] = []
        var u = first
        while u <= hi {
            let vector: [Element]
            if let cached = subqueryCache[id]?[u] { vector = cached } else {
                guard case .vector(let v) = try eval(inner, u) else { throw QueryError(.execution, "subquery of a non-vector expression") }
                try budget?.take(samples: max(1, v.count))
                subqueryCache[id, default: [:]][u] = v
                vector = v
            }
            for e in vector {
                if let i = index[e.labels] { series[i].1.append(Sample(u, e.value)) } else {
                    index[e.labels] = series.count
                    series.append((e.labels, [Sample(u, e.value)]))
                }
            }
            u += step
        }
        return series.sorted { $0.0 < $1.0 }.map { Window(labels: $0.0, unnamed: $0.0.dropping([Labels.metricName]), samples: $0.1[...]) }
    }

    // MARK: Evaluation at one time

    func eval(_ e: Expr, _ t: Int64) throws(QueryError) -> Value {
        evaluations += 1
        if evaluations & 1023 == 0 { try budget?.check() }
        switch e {
        case .number(let v): return .scalar(v)
        case .string(let s): return .string(s)
        case .paren(let inner): return try eval(inner, t)
        case .vector(let vs): return .vector(select(vs, t).map { Element(labels: $0.labels, value: $0.sample.value) })
        case .matrix(let vs, let range): return .matrix(window(vs, rangeMs: range, t))
        case .subquery(let inner, let id, let range, let step, let offset, let at):
            return .matrix(try subquery(inner, id: id, rangeMs: range, stepMs: step, offsetMs: offset, at: at, t))
        case .negate(let inner):
            switch try eval(inner, t) {
            case .scalar(let v): return .scalar(-v)
            case .vector(let v): return .vector(try Self.droppingNames(v.map { Element(labels: $0.labels, value: -$0.value) }))
            default: throw QueryError(.execution, "unary minus of a non-numeric value")
            }
        case .call(let f, let args): return try call(f, args, t)
        case .aggregate(let op, let inner, let parameter, let grouping, let without, let id):
            guard case .vector(let v) = try eval(inner, t) else { throw QueryError(.execution, "aggregation of a non-vector") }
            var p: Value? = nil
            if let parameter { p = try eval(parameter, t) }
            let memo = aggregationMemos[id] ?? Aggregation.Memo()
            aggregationMemos[id] = memo
            return .vector(try Aggregation.evaluate(op, v, parameter: p, grouping: grouping, without: without, memo: memo))
        case .binary(let op, let l, let r, let matching, let returnBool):
            return try BinaryOperation.evaluate(op, try eval(l, t), try eval(r, t), matching: matching, returnBool: returnBool)
        }
    }

    func scalar(_ e: Expr, _ t: Int64) throws(QueryError) -> Double {
        guard case .scalar(let v) = try eval(e, t) else { throw QueryError(.execution, "expected a scalar") }
        return v
    }

    func vector(_ e: Expr, _ t: Int64) throws(QueryError) -> [Element] {
        guard case .vector(let v) = try eval(e, t) else { throw QueryError(.execution, "expected an instant vector") }
        return v
    }

    func string(_ e: Expr, _ t: Int64) throws(QueryError) -> String {
        guard case .string(let s) = try eval(e, t) else { throw QueryError(.execution, "expected a string") }
        return s
    }

    /// A range-vector argument with what rate's extrapolation needs: the window's bounds.
    /// `manyNames`: whether dropping the metric name can make two of its series one label set.
    func rangeArgument(_ e: Expr, _ t: Int64) throws(QueryError) -> (windows: [Window], startMs: Int64, endMs: Int64, rangeMs: Int64, manyNames: Bool) {
        switch e.unwrapped {
        case .matrix(let vs, let range):
            let end = (resolve(vs.at) ?? t) - vs.offsetMs
            return (window(vs, rangeMs: range, t), end - range, end, range, unnamed[vs.id]?.names ?? false)
        case .subquery(let inner, let id, let range, let step, let offset, let at):
            let end = (resolve(at) ?? t) - offset
            let windows = try subquery(inner, id: id, rangeMs: range, stepMs: step, offsetMs: offset, at: at, t)
            return (windows, end - range, end, range, Set(windows.map { $0.labels.name ?? "" }).count > 1)
        default:
            throw QueryError(.execution, "expected a range vector")
        }
    }

    // MARK: Label-set rules shared by functions and operators

    /// Drops `__name__` from every element; refuses the result when two elements become one label set
    /// (only possible when more than one name was dropped).
    static func droppingNames(_ v: [Element]) throws(QueryError) -> [Element] {
        let first = v.first?.labels.name
        var many = false
        let out = v.map { e in
            let name = e.labels.name
            if !many && name != first { many = true }
            guard name != nil else { return e }
            return Element(labels: e.labels.dropping([Labels.metricName]), value: e.value)
        }
        return many ? try unique(out) : out
    }

    /// Prometheus refuses a vector in which two elements have the same labels (after a name was dropped).
    static func unique(_ v: [Element]) throws(QueryError) -> [Element] {
        guard v.count > 1 else { return v }
        var seen = Set<Labels>()
        seen.reserveCapacity(v.count)
        for e in v where !seen.insert(e.labels).inserted {
            throw QueryError(.execution, "vector cannot contain metrics with the same labelset")
        }
        return v
    }
}
