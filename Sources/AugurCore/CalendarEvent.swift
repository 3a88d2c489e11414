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

extension CalendarEvent {
    /// A configured or posted event, checked: times parsed, and one-off or recurring as `validated` requires.
    package init(configured e: AugurConfig.Forecasting.Event) throws(QueryError) {
        guard let kind = Kind(rawValue: e.kind) else { throw QueryError(.badParameter, "event \(e.name): kind must be event or exclude") }
        func time(_ text: String?, _ field: String) throws(QueryError) -> Int64? {
            guard let text else { return nil }
            guard let ms = TimeParsing.timestampMs(text) else { throw QueryError(.badParameter, "event \(e.name): \(field) \"\(text)\" is not a time") }
            return ms
        }
        let event = CalendarEvent(name: e.name, kind: kind, startMs: try time(e.start, "start"), endMs: try time(e.end, "end"),
                                  schedule: e.schedule, durationMs: e.duration?.ms)
        do {
            self = try event.validated()
        } catch {
            throw QueryError(.badParameter, error.detail)
        }
    }
}
