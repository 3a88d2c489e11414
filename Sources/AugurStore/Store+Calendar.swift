/// A calendar event as stored: times in Unix ms, a cron schedule for recurring ones.
package struct StoredCalendarEvent: Sendable, Equatable {
    package var name: String
    package var kind: String
    package var startMs: Int64?
    package var endMs: Int64?
    package var schedule: String?
    package var durationMs: Int64?

    package init(name: String, kind: String, startMs: Int64?, endMs: Int64?, schedule: String?, durationMs: Int64?) {
        self.name = name; self.kind = kind; self.startMs = startMs; self.endMs = endMs; self.schedule = schedule; self.durationMs = durationMs
    }
}

extension Store {
    /// Adds or replaces (by name) a calendar event.
    package func saveCalendarEvent(_ e: StoredCalendarEvent) throws(StoreError) {
        try withWriter { (w) throws(StoreError) in
            let q = try w.conn.prepare("INSERT OR REPLACE INTO calendar_events(name, kind, start_ms, end_ms, schedule, duration_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)")
            q.bind(e.name, e.kind, e.startMs, e.endMs, e.schedule, e.durationMs, WallClock.nowMs())
            try q.run()
        }
    }

    package func calendarEvents() throws(StoreError) -> [StoredCalendarEvent] {
        try withReader { (conn) throws(StoreError) -> [StoredCalendarEvent] in
            let q = try conn.prepare("SELECT name, kind, start_ms, end_ms, schedule, duration_ms FROM calendar_events ORDER BY name")
            var out: [StoredCalendarEvent] = []
            while try q.step() {
                out.append(StoredCalendarEvent(name: q.text(0), kind: q.text(1), startMs: q.isNull(2) ? nil : q.int64(2), endMs: q.isNull(3) ? nil : q.int64(3),
                                               schedule: q.isNull(4) ? nil : q.text(4), durationMs: q.isNull(5) ? nil : q.int64(5)))
            }
            return out
        }
    }
}

import AugurCore
