import AugurCore

extension Evaluator {
    /// Functions of a range vector: one value per series from its window's samples.
    func overTime(_ name: String, _ args: [Expr], _ t: Int64) throws(QueryError) -> [Element] {
        let matrixIndex = name == "quantile_over_time" ? 1 : 0
        let arg = try rangeArgument(args[matrixIndex], t)
        if name == "absent_over_time" {
            return arg.windows.isEmpty ? [Element(labels: Self.absentLabels(args[0]), value: 1)] : []
        }
        let compute: (ArraySlice<Sample>) -> Double?
        switch name {
        case "rate", "increase", "delta":
            let counter = name != "delta", perSecond = name == "rate"
            compute = { Self.extrapolatedRate($0, startMs: arg.startMs, endMs: arg.endMs, rangeMs: arg.rangeMs, counter: counter, perSecond: perSecond) }
        case "irate", "idelta":
            let perSecond = name == "irate"
            compute = { s in
                guard s.count >= 2 else { return nil }
                let last = s[s.endIndex - 1], previous = s[s.endIndex - 2]
                var v = last.value - previous.value
                if perSecond && last.value < previous.value { v = last.value }  // a counter reset
                let interval = Double(last.timestampMs - previous.timestampMs) / 1000
                guard interval != 0 else { return nil }
                return perSecond ? v / interval : v
            }
        case "deriv":
            compute = { s in s.count < 2 ? nil : Self.linearRegression(s, interceptMs: s[s.startIndex].timestampMs).slope }
        case "predict_linear":
            let seconds = try scalar(args[1], t)
            compute = { s in
                guard s.count >= 2 else { return nil }
                let (slope, intercept) = Self.linearRegression(s, interceptMs: t)
                return slope * seconds + intercept
            }
        case "resets":
            compute = { s in Double(zip(s, s.dropFirst()).filter { $1.value < $0.value }.count) }
        case "changes":
            compute = { s in Double(zip(s, s.dropFirst()).filter { $1.value != $0.value && !($1.value.isNaN && $0.value.isNaN) }.count) }
        case "avg_over_time":
            compute = { s in
                var mean = 0.0, count = 0.0
                for x in s {
                    count += 1
                    if mean.isInfinite {
                        if x.value.isInfinite && (mean > 0) == (x.value > 0) { continue }
                        if !x.value.isInfinite && !x.value.isNaN { continue }
                    }
                    mean += x.value / count - mean / count
                }
                return mean
            }
        case "sum_over_time": compute = { s in s.reduce(0) { $0 + $1.value } }
        case "count_over_time": compute = { s in Double(s.count) }
        case "present_over_time": compute = { _ in 1 }
        case "last_over_time": compute = { s in s.last?.value }
        case "min_over_time", "max_over_time":
            let max = name == "max_over_time"
            compute = { s in
                var m = s[s.startIndex].value
                for x in s where (max ? x.value > m : x.value < m) || m.isNaN { m = x.value }
                return m
            }
        case "stddev_over_time", "stdvar_over_time":
            let root = name == "stddev_over_time"
            compute = { s in
                var count = 0.0, mean = 0.0, aux = 0.0
                for x in s {
                    count += 1
                    let delta = x.value - mean
                    mean += delta / count
                    aux += delta * (x.value - mean)
                }
                return root ? (aux / count).squareRoot() : aux / count
            }
        case "quantile_over_time":
            let q = try scalar(args[0], t)
            compute = { s in Aggregation.quantile(q, s.map(\.value)) }
        case "holt_winters":
            let sf = try scalar(args[1], t), tf = try scalar(args[2], t)
            guard sf > 0, sf < 1 else { throw QueryError(.execution, "invalid smoothing factor. Expected: 0 < sf < 1, got: \(sf)") }
            guard tf > 0, tf < 1 else { throw QueryError(.execution, "invalid trend factor. Expected: 0 < tf < 1, got: \(tf)") }
            compute = { s in Self.holtWinters(Array(s.map(\.value)), sf, tf) }
        default:
            throw QueryError(.badQuery, "unknown function with name \"\(name)\"")
        }
        // Only last_over_time still holds the metric's own values: the rest drop the name.
        let keepName = name == "last_over_time"
        var out: [Element] = []
        out.reserveCapacity(arg.windows.count)
        for w in arg.windows where !w.samples.isEmpty {
            guard let v = compute(w.samples) else { continue }
            out.append(Element(labels: keepName ? w.labels : w.unnamed, value: v))
        }
        return keepName || !arg.manyNames ? out : try Self.unique(out)
    }

    /// Prometheus' `extrapolatedRate`: the change over the window, extrapolated to its edges unless
    /// the series starts or ends inside it (further than 1.1 average intervals from the edge), and never
    /// back past a counter's zero.
    static func extrapolatedRate(_ s: ArraySlice<Sample>, startMs: Int64, endMs: Int64, rangeMs: Int64, counter: Bool, perSecond: Bool) -> Double? {
        guard s.count >= 2 else { return nil }
        let first = s[s.startIndex], last = s[s.endIndex - 1]
        var result = last.value - first.value
        if counter {
            var previous = 0.0
            for x in s {
                if x.value < previous { result += previous }
                previous = x.value
            }
        }
        var toStart = Double(first.timestampMs - startMs) / 1000
        let toEnd = Double(endMs - last.timestampMs) / 1000
        let sampled = Double(last.timestampMs - first.timestampMs) / 1000
        let average = sampled / Double(s.count - 1)
        if counter && result > 0 && first.value >= 0 {
            let toZero = sampled * (first.value / result)
            if toZero < toStart { toStart = toZero }
        }
        let threshold = average * 1.1
        var interval = sampled
        interval += toStart < threshold ? toStart : average / 2
        interval += toEnd < threshold ? toEnd : average / 2
        result *= interval / sampled
        return perSecond ? result / (Double(rangeMs) / 1000) : result
    }

    /// Least squares over the window, x in seconds from `interceptMs`; a constant series has slope 0.
    static func linearRegression(_ s: ArraySlice<Sample>, interceptMs: Int64) -> (slope: Double, intercept: Double) {
        let y0 = s[s.startIndex].value
        if s.allSatisfy({ $0.value == y0 }) { return y0.isInfinite ? (.nan, .nan) : (0, y0) }
        var n = 0.0, sumX = 0.0, sumY = 0.0, sumXY = 0.0, sumX2 = 0.0
        for x in s {
            let dx = Double(x.timestampMs - interceptMs) / 1000
            n += 1
            sumX += dx
            sumY += x.value
            sumXY += dx * x.value
            sumX2 += dx * dx
        }
        let covXY = sumXY - sumX * sumY / n
        let varX = sumX2 - sumX * sumX / n
        let slope = covXY / varX
        return (slope, sumY / n - slope * sumX / n)
    }

    static func holtWinters(_ v: [Double], _ sf: Double, _ tf: Double) -> Double? {
        guard v.count >= 2 else { return nil }
        var s0 = 0.0, s1 = v[0], b = v[1] - v[0]
        for i in 1..<v.count {
            let x = sf * v[i]
            if i > 1 { b = tf * (s1 - s0) + (1 - tf) * b }
            let y = (1 - sf) * (s1 + b)
            (s0, s1) = (s1, x + y)
        }
        return s1
    }
}
