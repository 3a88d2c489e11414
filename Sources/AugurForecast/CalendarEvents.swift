package import AugurCore
package import AugurNumerics

/// Declared calendar events. `exclude` windows (incidents, failovers, maintenance) are cut out of the
/// training data so an outage does not teach the model a dip; `event`s (a nightly batch, a sale day, a
/// public holiday) are learned: their effect is the median ratio of actual to expected over past
/// occurrences, applied to the occurrences that fall in the forecast.
package struct CalendarEvent: Sendable, Codable, Equatable {
    package enum Kind: String, Sendable, Codable { case event, exclude }

    package var name: String
    package var kind: Kind
    /// One-off: the start (RFC 3339 in config and API).
    package var startMs: Int64?
    package var endMs: Int64?
    /// Recurring: a cron schedule (UTC) for each start, lasting `durationMs`.
    package var schedule: String?
    package var durationMs: Int64?

    package init(name: String, kind: Kind, startMs: Int64? = nil, endMs: Int64? = nil, schedule: String? = nil, durationMs: Int64? = nil) {
        self.name = name; self.kind = kind; self.startMs = startMs; self.endMs = endMs; self.schedule = schedule; self.durationMs = durationMs
    }

    /// Checks the event is either one-off (start < end) or recurring (valid schedule and a duration).
    package func validated() throws(ConfigError) -> CalendarEvent {
        if let schedule {
            guard CronSchedule(schedule) != nil else { throw ConfigError("calendar event \(name): \"\(schedule)\" is not a cron schedule") }
            guard let d = durationMs, d > 0 else { throw ConfigError("calendar event \(name): a recurring event needs a positive duration") }
        } else {
            guard let s = startMs, let e = endMs, s < e else { throw ConfigError("calendar event \(name): needs start < end, or a schedule and a duration") }
        }
        return self
    }

    /// The [start, end) intervals of this event overlapping [fromMs, toMs).
    package func occurrences(from fromMs: Int64, to toMs: Int64) -> [(Int64, Int64)] {
        if let schedule, let cron = CronSchedule(schedule), let d = durationMs {
            var out: [(Int64, Int64)] = []
            var t = fromMs - d - 60_000
            while let next = cron.next(after: t), next < toMs, out.count < 100_000 {
                out.append((next, next + d))
                t = next
            }
            return out.filter { $0.1 > fromMs }
        }
        guard let s = startMs, let e = endMs, e > fromMs, s < toMs else { return [] }
        return [(s, e)]
    }
}

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
                              backtestMASE: backtestMASE, fitted: fitted, halfWidths: halfWidths)
    }
}
