package import AugurCore

extension Store {
    /// Prometheus refuses range queries of more than 11,000 points per series.
    package static let maxPointsPerSeries = 11_000

    /// A range query of a plain selector, evaluated as Prometheus evaluates one: at every step the
    /// newest sample within the look-back window; a stale marker ends the series until the next sample.
    package func queryRange(_ selector: Selector, startMs: Int64, endMs: Int64, stepMs: Int64) throws -> [Series] {
        try Store.checkRange(startMs: startMs, endMs: endMs, stepMs: stepMs, maxPoints: Store.maxPointsPerSeries)
        return try Store.evaluateRange(try select(selector, startMs: startMs - StaleMarker.lookbackMs + 1, endMs: endMs), startMs: startMs, endMs: endMs, stepMs: stepMs)
    }

    /// Refuses ranges Prometheus refuses: a non-positive step, an end before the start, too many points.
    /// Times and steps come checked from `TimeParsing`, so `end − start` cannot overflow; checked anyway.
    package static func checkRange(startMs: Int64, endMs: Int64, stepMs: Int64, maxPoints: Int) throws(QueryError) {
        guard stepMs > 0 else { throw QueryError(.badParameter, "step must be positive") }
        guard endMs >= startMs else { throw QueryError(.badParameter, "end must not be before start") }
        let (span, overflow) = endMs.subtractingReportingOverflow(startMs)
        guard !overflow, span / stepMs < Int64(maxPoints) else {
            throw QueryError(.tooManyPoints, "over \(maxPoints) points per series (limits.max_points_per_series): raise step or narrow the range")
        }
    }

    /// Prometheus' range evaluation of raw series: at every step the newest sample within the look-back.
    package static func evaluateRange(_ raw: [Series], startMs: Int64, endMs: Int64, stepMs: Int64, budget: QueryBudget? = nil) throws(QueryError) -> [Series] {
        var result: [Series] = []
        for s in raw {
            var out: [Sample] = []
            var j = 0
            var t = startMs
            while t <= endMs {
                while j < s.samples.count && s.samples[j].timestampMs <= t { j += 1 }
                if j > 0 {
                    let last = s.samples[j - 1]
                    if last.timestampMs > t - StaleMarker.lookbackMs && !StaleMarker.isStale(last.value) { out.append(Sample(t, last.value)) }
                }
                t += stepMs
            }
            try budget?.take(samples: out.count)
            if !out.isEmpty { result.append(Series(labels: s.labels, samples: out)) }
        }
        return result
    }
}
