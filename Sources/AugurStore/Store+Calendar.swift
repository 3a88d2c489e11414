package import AugurCore

extension Store {
    /// Adds or replaces (by name) a calendar event.
    package func saveCalendarEvent(_ e: CalendarEvent) throws(StoreError) {
        try withWriter { (w) throws(StoreError) in
            let q = try w.conn.prepare("INSERT OR REPLACE INTO calendar_events(name, kind, start_ms, end_ms, schedule, duration_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)")
            q.bind(e.name, e.kind.rawValue, e.startMs, e.endMs, e.schedule, e.durationMs, WallClock.nowMs())
            try q.run()
        }
    }

    /// The posted events (a row of a kind this version does not know is skipped).
    package func calendarEvents() throws(StoreError) -> [CalendarEvent] {
        try withReader { (conn) throws(StoreError) -> [CalendarEvent] in
            let q = try conn.prepare("SELECT name, kind, start_ms, end_ms, schedule, duration_ms FROM calendar_events ORDER BY name")
            var out: [CalendarEvent] = []
            while try q.step() {
                guard let kind = CalendarEvent.Kind(rawValue: q.text(1)) else { continue }
                out.append(CalendarEvent(name: q.text(0), kind: kind, startMs: q.isNull(2) ? nil : q.int64(2), endMs: q.isNull(3) ? nil : q.int64(3),
                                         schedule: q.isNull(4) ? nil : q.text(4), durationMs: q.isNull(5) ? nil : q.int64(5)))
            }
            return out
        }
    }
}
