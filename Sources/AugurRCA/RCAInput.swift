package import AugurCore

/// Everything a root-cause analysis looks at, read at once (the app layer's `gather`): the series over the widest
/// windows, the fault-free reference period, what the trusted saved models expected, the call graph,
/// the traced and error log lines, and recent changes. An analysis at any time in `times` reads only
/// this value, so an incident's onset search (an analysis at each of `onsetTimes`) reads the store once.
package struct RCAInput: Sendable {
    /// The analysis times it holds the data for, Unix ms.
    package let times: ClosedRange<Int64>
    /// Every series but the reference period's, over the widest windows of any time in `times`.
    let series: [Series]
    /// The reference period (label `period="normal"`, dropped from the keys): all of it is the baseline.
    let normal: [Labels: [Double]]
    /// Trusted models' forecasts per series, oldest first; an analysis picks the newest that covers it.
    let expectations: [Labels: [ForecastSurprise]]
    package let edges: [GraphEdge]
    /// Lines carrying a trace id, oldest first, with their stream's service.
    let tracedLines: [(traceId: String, timestampNs: Int64, service: String)]
    /// Error and fatal lines, oldest first, with their stream's service; and every stream's service.
    let errorLines: [(line: ErrorLogLine, service: String)]
    let logServices: Set<String>
    /// `augur_log_lines_total`: the minutes that had logs.
    let logged: [Series]
    let templateTexts: [Int64: String]
    let changes: [(id: Int64, event: ChangeEvent)]

    package init(times: ClosedRange<Int64>, series: [Series], normal: [Labels: [Double]], expectations: [Labels: [ForecastSurprise]], edges: [GraphEdge],
                 tracedLines: [(traceId: String, timestampNs: Int64, service: String)], errorLines: [(line: ErrorLogLine, service: String)],
                 logServices: Set<String>, logged: [Series], templateTexts: [Int64: String], changes: [(id: Int64, event: ChangeEvent)]) {
        self.times = times
        self.series = series
        self.normal = normal
        self.expectations = expectations
        self.edges = edges
        self.tracedLines = tracedLines
        self.errorLines = errorLines
        self.logServices = logServices
        self.logged = logged
        self.templateTexts = templateTexts
        self.changes = changes
    }
}

extension RootCauseAnalyzer {
    /// The longest windows after and before the start any of `series` needs.
    package func widestWindows(_ series: [Series]) -> (after: Int64, before: Int64) {
        series.map { windows(Self.step($0.samples)) }.reduce((afterMs, beforeMs)) { (max($0.0, $1.after), max($0.1, $1.before)) }
    }

    /// A series' windows after and before the start: at least `afterSamples` / `beforeSamples` of its
    /// own samples, whatever its step.
    func windows(_ step: Int64?) -> (after: Int64, before: Int64) {
        let step = step ?? 0
        return (min(max(afterMs, Int64(afterSamples) * step), Self.longestAfterMs), min(max(beforeMs, Int64(beforeSamples) * step), Self.longestBeforeMs))
    }
}

extension RCAInput {
    /// The times in `range` an onset search tries: the times of the samples in it, since an analysis
    /// changes only where its start crosses a sample, thinned to the first of each of `tries − 1` equal
    /// parts of the range, and the range's end. A 15-minute look-back tries the 3 or 4 sample times of
    /// 5-minute data, and one time a minute of 1-second or 15-second data (the 16 analyses a fixed
    /// one-minute stride made, at times the data has).
    package func onsetTimes(in range: ClosedRange<Int64>, tries: Int = 16) -> [Int64] {
        let span = range.upperBound - range.lowerBound, parts = Int64(max(tries - 1, 1))
        guard span > 0 else { return [range.upperBound] }
        var first = [Int64](repeating: .max, count: Int(parts))  // each part's earliest sample time
        for s in series {
            let lo = s.samples.partitionPoint { $0.timestampMs < range.lowerBound }, hi = s.samples.partitionPoint { $0.timestampMs < range.upperBound }
            for sample in s.samples[lo..<hi] {
                let part = Int((sample.timestampMs - range.lowerBound) * parts / span)
                first[part] = min(first[part], sample.timestampMs)
            }
        }
        return first.filter { $0 != .max } + [range.upperBound]
    }

    /// The traced and the error lines in `[fromNs, toNs]`: both are ordered by time.
    func tracedLines(fromNs: Int64, toNs: Int64) -> ArraySlice<(traceId: String, timestampNs: Int64, service: String)> {
        tracedLines[tracedLines.partitionPoint { $0.timestampNs < fromNs }..<tracedLines.partitionPoint { $0.timestampNs <= toNs }]
    }

    func errorLines(fromNs: Int64, toNs: Int64) -> ArraySlice<(line: ErrorLogLine, service: String)> {
        errorLines[errorLines.partitionPoint { $0.line.timestampNs < fromNs }..<errorLines.partitionPoint { $0.line.timestampNs <= toNs }]
    }
}

extension Series {
    /// The samples in `[fromMs, toMs]`; nil when there are none.
    func slice(fromMs: Int64, toMs: Int64) -> Series? {
        let lo = samples.partitionPoint { $0.timestampMs < fromMs }, hi = samples.partitionPoint { $0.timestampMs <= toMs }
        return lo < hi ? Series(labels: labels, samples: Array(samples[lo..<hi])) : nil
    }
}

extension Array {
    /// The first index whose element is not `belowIt` (the array ordered by it).
    func partitionPoint(_ belowIt: (Element) -> Bool) -> Int {
        var (lo, hi) = (0, count)
        while lo < hi {
            let mid = (lo + hi) / 2
            if belowIt(self[mid]) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
