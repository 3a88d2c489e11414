import AugurCore
import AugurForecast
import AugurStore
import Foundation
import Hummingbird

/// `GET /api/v1/calendar` lists the events forecasts account for; `POST` declares one.
struct CalendarRoutes: Sendable {
    let store: Store
    let configured: [AugurConfig.Forecasting.Event]

    func register(on router: ScopedRouter) {
        router.get("/api/v1/calendar", .read) { _, _ in
            let all = try Self.events(configured: configured, store: store)
            let items = all.map { e, source in
                var fields = ["\"name\":\(JSONText.string(e.name))", "\"kind\":\(JSONText.string(e.kind.rawValue))", "\"source\":\(JSONText.string(source))"]
                if let s = e.startMs { fields.append("\"start\":\(JSONText.string(TimeParsing.rfc3339(s)))") }
                if let t = e.endMs { fields.append("\"end\":\(JSONText.string(TimeParsing.rfc3339(t)))") }
                if let c = e.schedule { fields.append("\"schedule\":\(JSONText.string(c))") }
                if let d = e.durationMs { fields.append("\"duration\":\(JSONText.string(ConfigDuration(ms: d).description))") }
                return "{" + fields.joined(separator: ",") + "}"
            }
            return json("{\"events\":[" + items.joined(separator: ",") + "]}")
        }
        router.post("/api/v1/calendar", .admin) { request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            guard let e = try? JSONDecoder().decode(AugurConfig.Forecasting.Event.self, from: Data(bytes.readableBytesView)) else {
                throw QueryError(.badParameter, "body must be JSON {\"name\",\"kind\":\"event\"|\"exclude\", \"start\"+\"end\" (RFC 3339) or \"schedule\" (cron)+\"duration\"}")
            }
            let event = try Self.convert(e)
            try store.saveCalendarEvent(StoredCalendarEvent(name: event.name, kind: event.kind.rawValue, startMs: event.startMs, endMs: event.endMs,
                                                            schedule: event.schedule, durationMs: event.durationMs))
            return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"name\":\(JSONText.string(event.name))}")))
        }
    }

    /// A configured or posted event, checked.
    static func convert(_ e: AugurConfig.Forecasting.Event) throws -> CalendarEvent {
        guard let kind = CalendarEvent.Kind(rawValue: e.kind) else { throw QueryError(.badParameter, "event \(e.name): kind must be event or exclude") }
        func time(_ text: String?, _ field: String) throws -> Int64? {
            guard let text else { return nil }
            guard let ms = TimeParsing.timestampMs(text) else { throw QueryError(.badParameter, "event \(e.name): \(field) \"\(text)\" is not a time") }
            return ms
        }
        do {
            return try CalendarEvent(name: e.name, kind: kind, startMs: time(e.start, "start"), endMs: time(e.end, "end"), schedule: e.schedule, durationMs: e.duration?.ms).validated()
        } catch let error as ConfigError {
            throw QueryError(.badParameter, error.detail)
        }
    }

    /// The configured events and those posted to the API, with where each came from.
    static func events(configured: [AugurConfig.Forecasting.Event], store: Store) throws -> [(CalendarEvent, String)] {
        let fromConfig = try configured.map { (try convert($0), "config") }
        let stored = try store.calendarEvents().compactMap { s -> (CalendarEvent, String)? in
            guard let kind = CalendarEvent.Kind(rawValue: s.kind) else { return nil }
            return (CalendarEvent(name: s.name, kind: kind, startMs: s.startMs, endMs: s.endMs, schedule: s.schedule, durationMs: s.durationMs), "api")
        }
        return fromConfig + stored
    }
}
