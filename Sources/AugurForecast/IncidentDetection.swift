/// Incidents found in a history, so that training leaves them out as it leaves out declared exclusion
/// windows: an outage must not teach the model a dip, nor a retry storm a surge.
///
/// A step is abnormal when it is far from what the series does at that time elsewhere: its residual
/// from the median of the same phase one to three periods before and after (a centred rolling median
/// for non-seasonal series) exceeds `threshold` times the residuals' MAD (per block of four incident
/// lengths) and `relativeChange` of the expected value. An incident is a run of at least `minimumRun`
/// abnormal steps in one direction (one-step gaps allowed) and at most `maximumRun` long; longer changes
/// are level shifts, which the models must see. A run that reaches the end of the history is left alone
/// too: nothing yet says it is over rather than the new normal. When incidents would cover more than
/// `maximumShare` of the history, the series is bursty by nature and nothing is cut.
package struct IncidentDetection: Sendable {
    package struct Window: Sendable, Equatable {
        package let steps: Range<Int>
        /// −1 for a dip, +1 for a surge.
        package let direction: Int
    }

    package var threshold = 6.0
    package var relativeChange = 0.2
    package var minimumRun = 3
    /// Most of the history that incidents may cover.
    package var maximumShare = 0.02
    /// Longest incident in steps; by default one season (a day of hourly data), or 12 steps without one.
    package var maximumRun: Int?

    package init() {}

    /// The expected value at each step, from the same phase in neighbouring periods (or neighbouring steps).
    package static func expected(_ y: [Double], period m: Int, halfWidth: Int) -> [Double] {
        let n = y.count
        return (0..<n).map { i in
            var around: [Double] = []
            if m > 1 && n >= 3 * m {
                for k in [-3, -2, -1, 1, 2, 3] where i + k * m >= 0 && i + k * m < n { around.append(y[i + k * m]) }
            } else {
                for j in max(0, i - halfWidth)..<min(n, i + halfWidth + 1) where j != i { around.append(y[j]) }
            }
            return around.count >= 2 ? median(around) : y[i]
        }
    }

    /// The incident windows of `y`, oldest first.
    package func windows(_ y: [Double], period: Int) -> [Window] {
        let n = y.count
        let longest = maximumRun ?? (period > 1 ? period : 12)
        guard n >= 4 * minimumRun, longest >= minimumRun else { return [] }
        let e = Self.expected(y, period: period, halfWidth: longest)
        let r = zip(y, e).map { $0 - $1 }
        // Scale per block of four incident lengths: series whose noise grows with their level would
        // otherwise have their busiest stretch flagged. The MAD ignores an incident within its block.
        let block = max(4 * longest, 48)
        var sign = [Int](repeating: 0, count: n)
        var start = 0
        while start < n {
            let end = n - start < 2 * block ? n : start + block
            let part = Array(r[start..<end])
            let center = median(part)
            let mad = 1.4826 * median(part.map { abs($0 - center) })
            let scale = max(mad, 1e-9 * (y.map(abs).max() ?? 0), .leastNormalMagnitude)
            for i in start..<end {
                let d = r[i] - center
                // Far in the noise's terms and a real change in the signal's: a fifth of the expected level.
                if abs(d) > threshold * scale && abs(d) > relativeChange * abs(e[i]) { sign[i] = d > 0 ? 1 : -1 }
            }
            start = end
        }
        var found: [Window] = []
        var i = 0
        while i < n {
            guard sign[i] != 0 else { i += 1; continue }
            let direction = sign[i]
            var end = i + 1, count = 1
            while end < n {
                if sign[end] == direction { end += 1; count += 1 } else if end + 1 < n && sign[end + 1] == direction { end += 2; count += 1 } else { break }
            }
            if count >= minimumRun && end - i <= longest && end < n { found.append(Window(steps: i..<end, direction: direction)) }
            i = end
        }
        // Incidents are rare: a series that is this often far from its norm (bursty batch jobs, a CPU
        // that idles between spikes) has a wider norm than its MAD says, and nothing is cut.
        let flagged = found.reduce(0) { $0 + $1.steps.count }
        return Double(flagged) <= maximumShare * Double(n) ? found : []
    }

    /// The period among `candidates` and `y` cleaned with it. One large incident can hide a cycle from
    /// the autocorrelation (a flash sale at twenty times the usual rate swamps the daily swing), so the
    /// period is detected again on the cleaned history and, when it differs, `y` is cleaned with that.
    package func periodAndCleaned(_ y: [Double], candidates: [Int]) -> (period: Int, values: [Double]) {
        let first = Seasonality.detectPeriod(y, candidates: candidates) ?? 1
        let clean = cleaned(y, period: first).values
        let second = Seasonality.detectPeriod(clean, candidates: candidates) ?? 1
        return second == first ? (first, clean) : (second, cleaned(y, period: second).values)
    }

    /// `y` with each incident window replaced by the expected values, and the windows.
    package func cleaned(_ y: [Double], period: Int) -> (values: [Double], windows: [Window]) {
        let found = windows(y, period: period)
        guard !found.isEmpty else { return (y, []) }
        let e = Self.expected(y, period: period, halfWidth: maximumRun ?? (period > 1 ? period : 12))
        var out = y
        for w in found { for i in w.steps { out[i] = e[i] } }
        return (out, found)
    }
}
