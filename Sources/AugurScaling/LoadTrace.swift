import AugurCore
import Foundation

/// A load trace: samples that each cover `[time, time + step)`, in time order.
package struct LoadTrace: Sendable {
    package private(set) var times: [Double]
    package private(set) var values: [Double]
    /// The median spacing of samples (an hour when there is only one).
    package let step: Double

    /// Sorts by time; a repeated time keeps the last value.
    package init(times: [Double], values: [Double]) {
        let order = times.indices.sorted { times[$0] < times[$1] || (times[$0] == times[$1] && $0 < $1) }
        var t: [Double] = [], v: [Double] = []
        for i in order {
            if t.last == times[i] { v[v.count - 1] = values[i] } else { t.append(times[i]); v.append(values[i]) }
        }
        self.times = t
        self.values = v
        let d = zip(t.dropFirst(), t).map { $0 - $1 }.sorted()
        step = d.isEmpty ? 3600 : d[d.count / 2]
    }

    /// An empty trace that grows by `append` (a live load series on its regular step).
    package init(step: Double) {
        times = []
        values = []
        self.step = step
    }

    /// Adds a sample after the last one; false (and nothing added) for an earlier or repeated time.
    @discardableResult
    package mutating func append(time: Double, value: Double) -> Bool {
        guard times.last.map({ time > $0 }) ?? true else { return false }
        times.append(time)
        values.append(value)
        return true
    }

    package var end: Double { (times.last ?? 0) + step }

    /// Index of the sample in force at `t` (the last one starting at or before it), clamped to the first.
    package func index(at t: Double) -> Int {
        var lo = 0, hi = times.count
        while lo < hi { let mid = (lo + hi) / 2; if times[mid] <= t { lo = mid + 1 } else { hi = mid } }
        return max(0, lo - 1)
    }

    /// The largest value in force anywhere in `[a, b)`.
    package func peak(_ a: Double, _ b: Double) -> Double {
        var i = index(at: a), best = values[i]
        i += 1
        while i < times.count, times[i] < b { best = max(best, values[i]); i += 1 }
        return best
    }

    /// Load at `t`: each sample is an interval aggregate, so the load ramps linearly between
    /// interval midpoints (held before the first and after the last).
    package func load(at t: Double) -> Double {
        let half = step / 2
        let i = index(at: t - half)
        guard t - half >= times[0] else { return values[0] }
        guard i + 1 < times.count else { return values[values.count - 1] }
        let m0 = times[i] + half, m1 = times[i + 1] + half
        let w = m1 > m0 ? (t - m0) / (m1 - m0) : 1
        return values[i] + min(max(w, 0), 1) * (values[i + 1] - values[i])
    }
}



extension LoadTrace {
    /// A `timestamp,value` CSV (NAB's layout): ISO-8601 (naive = UTC) or Unix times, a header row.
    package static func csv(_ text: String, name: String) throws(ScaleError) -> LoadTrace {
        var times: [Double] = [], values: [Double] = []
        var header = true
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if header {
                header = false
                guard fields.count >= 2, fields[0].lowercased() == "timestamp", fields[1].lowercased() == "value" else {
                    throw ScaleError(.badInput, "\(name) line \(n + 1): expected the header timestamp,value")
                }
                continue
            }
            guard fields.count >= 2 else { throw ScaleError(.badInput, "\(name) line \(n + 1): expected timestamp,value") }
            guard let ms = TimeParsing.timestampMs(fields[0]) else { throw ScaleError(.badInput, "\(name) line \(n + 1): \(fields[0]) is not a time (ISO-8601 or Unix seconds)") }
            guard let v = Double(fields[1]), v.isFinite, v >= 0 else { throw ScaleError(.badInput, "\(name) line \(n + 1): value \(fields[1]) is not a load (a finite number >= 0)") }
            times.append(Double(ms) / 1000)
            values.append(v)
        }
        guard times.count >= 2 else { throw ScaleError(.badInput, "\(name): need at least 2 samples, got \(times.count)") }
        return LoadTrace(times: times, values: values)
    }
}
