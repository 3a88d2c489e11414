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
