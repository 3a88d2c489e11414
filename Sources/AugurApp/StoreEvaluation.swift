package import AugurCore
package import AugurPromQL
package import AugurStore

extension Store {
    /// The store as the PromQL engine reads it: raw samples, staleness markers included.
    package var seriesReader: SeriesReader { { [self] selector, lo, hi in try select(selector, startMs: lo, endMs: hi) } }

    /// `expr` at every multiple of `stepMs` in `[startMs, endMs]`, one series per label set: range
    /// evaluations of at most `maxPointsPerSeries` steps each, joined.
    package func evaluate(_ expr: Expr, startMs: Int64, endMs: Int64, stepMs: Int64) throws -> [Series] {
        var from = startMs - startMs % stepMs + (startMs % stepMs == 0 ? 0 : stepMs)
        var index: [Labels: Int] = [:]
        var out: [Series] = []
        while from <= endMs {
            let to = min(endMs, from + stepMs * Int64(Store.maxPointsPerSeries - 1))
            for s in try Evaluator.range(expr, startMs: from, endMs: to, stepMs: stepMs, read: seriesReader) {
                if let i = index[s.labels] { out[i].samples += s.samples } else {
                    index[s.labels] = out.count
                    out.append(s)
                }
            }
            from = to + stepMs
        }
        return out
    }
}
