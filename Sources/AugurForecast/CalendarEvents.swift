package import AugurCore
package import AugurNumerics

/// Applies calendar events to a regular series before fitting and to its forecast after.
package struct CalendarAdjustment: Sendable {
    /// Multiplicative effect per event name, from its past occurrences.
    package private(set) var effects: [String: Double] = [:]
    /// Incidents `detection` found and cut out, [start, end) in ms.
    package private(set) var detected: [(startMs: Int64, endMs: Int64)] = []
    let events: [CalendarEvent]
    let period: Int
    let detection: IncidentDetection?

    package init(events: [CalendarEvent], period: Int, detection: IncidentDetection? = nil) {
        self.events = events
        self.period = max(1, period)
        self.detection = detection
    }

    /// Cleans `r`: excluded windows and past event occurrences are replaced by the value one period
    /// earlier (linear interpolation without a period), each event's effect is estimated, and then
    /// detected incidents are replaced by the series' seasonal norm.
    package mutating func clean(_ r: Regularize.Regular) -> [Double] {
        let declared = cleanDeclared(r)
        guard let detection else { return declared }
        let (values, windows) = detection.cleaned(declared, period: period)
        detected = windows.map { (r.startMs + Int64($0.steps.lowerBound) * r.stepMs, r.startMs + Int64($0.steps.upperBound) * r.stepMs) }
        return values
    }

    private mutating func cleanDeclared(_ r: Regularize.Regular) -> [Double] {
        var values = r.values
        guard !events.isEmpty, !values.isEmpty else { return values }
        func steps(_ a: Int64, _ b: Int64) -> Range<Int> {
            let lo = max(0, Int((a - r.startMs + r.stepMs - 1) / r.stepMs)), hi = min(values.count, Int((b - r.startMs + r.stepMs - 1) / r.stepMs))
            return lo < hi ? lo..<hi : 0..<0
        }
        let end = r.endMs + r.stepMs
        for e in events {
            var ratios: [Double] = []
            for (a, b) in e.occurrences(from: r.startMs, to: end) {
                let range = steps(a, b)
                for i in range {
                    let expected = i >= period ? values[i - period] : (range.lowerBound > 0 ? values[range.lowerBound - 1] : values[i])
                    if e.kind == .event, expected != 0 { ratios.append(values[i] / expected) }
                    values[i] = expected
                }
            }
            if e.kind == .event, !ratios.isEmpty { effects[e.name] = median(ratios) }
        }
        return values
    }

    /// Multiplies the forecast steps that fall in an event's future occurrences by its effect.
    package func apply(_ forecast: [Double], after r: Regularize.Regular) -> [Double] {
        var f = forecast
        let first = r.endMs + r.stepMs
        for e in events where e.kind == .event {
            guard let effect = effects[e.name] else { continue }
            for (a, b) in e.occurrences(from: first, to: first + Int64(f.count) * r.stepMs) {
                for k in f.indices {
                    let t = first + Int64(k) * r.stepMs
                    if t >= a && t < b { f[k] *= effect }
                }
            }
        }
        return f
    }
}

extension ForecastResult {
    /// The result with event effects applied to the points and both bounds.
    package func applying(_ adjustment: CalendarAdjustment, after r: Regularize.Regular) -> ForecastResult {
        guard !adjustment.effects.isEmpty else { return self }
        let bands = intervals.mapValues { (adjustment.apply($0.lower, after: r), adjustment.apply($0.upper, after: r)) }
        return ForecastResult(model: model, period: period, point: adjustment.apply(point, after: r), intervals: bands,
                              backtestMASE: backtestMASE, fitted: fitted, halfWidths: halfWidths, nonNegative: nonNegative)
    }
}
