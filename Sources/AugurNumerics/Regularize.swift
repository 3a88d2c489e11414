package import AugurCore

/// Real series arrive with gaps, jitter and NaN; the models want one value per step.
package enum Regularize {
    /// A regular series: its first timestamp, its step and values.
    package struct Regular: Sendable {
        package let startMs: Int64
        package let stepMs: Int64
        package let values: [Double]

        package var endMs: Int64 { startMs + Int64(values.count - 1) * stepMs }

        package init(startMs: Int64, stepMs: Int64, values: [Double]) {
            self.startMs = startMs
            self.stepMs = stepMs
            self.values = values
        }
    }

    /// Slots a regular series may have unless the caller says otherwise (the server passes
    /// `limits.max_regular_points`): a few timestamps far apart must not ask for one slot per step of the gap.
    package static let defaultMaxPoints = 2_000_000

    /// Resamples to `stepMs` (default: the median spacing) keeping the last value in each slot; gaps
    /// are filled by linear interpolation. Non-finite values and stale markers are dropped first.
    /// Throws when the span would need more than `maxPoints` slots.
    package static func regular(_ samples: [Sample], stepMs: Int64? = nil, maxPoints: Int = defaultMaxPoints) throws(ForecastError) -> Regular {
        let s = samples.filter { $0.value.isFinite }.sorted { $0.timestampMs < $1.timestampMs }
        guard s.count >= 2 else { return Regular(startMs: s.first?.timestampMs ?? 0, stepMs: stepMs ?? 1, values: s.map(\.value)) }
        let diffs = zip(s, s.dropFirst()).map { $1.timestampMs - $0.timestampMs }.filter { $0 > 0 }.sorted()
        let step = max(1, stepMs ?? (diffs.isEmpty ? 1 : diffs[diffs.count / 2]))
        let start = s[0].timestampMs - s[0].timestampMs % step
        let (span, overflow) = s.last!.timestampMs.subtractingReportingOverflow(start)
        guard !overflow, span / step < Int64(maxPoints) else {
            throw ForecastError(.badInput, "the samples span more than \(maxPoints) steps of \(step) ms (limits.max_regular_points): give a coarser step or a shorter range")
        }
        let count = Int(span / step) + 1
        var slots = [Double?](repeating: nil, count: count)
        for p in s { slots[Int((p.timestampMs - start) / step)] = p.value }
        var values = [Double](repeating: 0, count: count)
        var lastKnown = -1
        for i in 0..<count {
            guard let v = slots[i] else { continue }
            if lastKnown >= 0, i - lastKnown > 1, let a = slots[lastKnown] {
                for k in (lastKnown + 1)..<i { values[k] = a + (v - a) * Double(k - lastKnown) / Double(i - lastKnown) }
            }
            values[i] = v
            lastKnown = i
        }
        return Regular(startMs: start, stepMs: step, values: values)
    }

    /// Whether Prometheus' naming conventions mark the metric as a counter (`_total`, `_count`, `_sum`, `_bucket`).
    /// Augur's own log series (`augur_log_*_total`) already hold lines per minute, so that batches
    /// arriving out of order add up; they are forecast as they are.
    package static func isCounter(_ labels: Labels) -> Bool {
        guard let name = labels.name, !name.hasPrefix("augur_log_") else { return false }
        return ["_total", "_count", "_sum", "_bucket"].contains { name.hasSuffix($0) }
    }

    /// A counter as its increase per step, as Prometheus' `increase()` reads it: a drop is a reset
    /// (the process restarted), after which the new value is the increase. Forecasting the raw
    /// cumulative value would teach models the resets.
    package static func increases(_ samples: [Sample], stepMs: Int64? = nil, maxPoints: Int = defaultMaxPoints) throws(ForecastError) -> Regular {
        let r = try regular(samples, stepMs: stepMs, maxPoints: maxPoints)
        guard r.values.count >= 2 else { return Regular(startMs: r.startMs, stepMs: r.stepMs, values: []) }
        var out: [Double] = []
        out.reserveCapacity(r.values.count - 1)
        for i in 1..<r.values.count {
            let d = r.values[i] - r.values[i - 1]
            out.append(d >= 0 ? d : r.values[i])
        }
        return Regular(startMs: r.startMs + r.stepMs, stepMs: r.stepMs, values: out)
    }

    /// Regular values for forecasting: increases for counters, the values themselves otherwise.
    package static func forForecasting(_ series: Series, stepMs: Int64? = nil, maxPoints: Int = defaultMaxPoints) throws(ForecastError) -> Regular {
        try isCounter(series.labels) ? increases(series.samples, stepMs: stepMs, maxPoints: maxPoints) : regular(series.samples, stepMs: stepMs, maxPoints: maxPoints)
    }

    /// Seasonal periods a sampling step suggests: an hour, a day and a week, in steps.
    package static func candidatePeriods(stepMs: Int64) -> [Int] {
        [3_600_000, 86_400_000, 604_800_000].map { Int($0 / max(stepMs, 1)) }.filter { $0 >= 2 && $0 <= 10_080 }
    }
}
