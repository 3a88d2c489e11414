import AugurApp
import AugurCore
import AugurStore
import Foundation
import Hummingbird

/// `GET /api/v1/calendar` lists the events forecasts account for; `POST` declares one.
struct CalendarRoutes: Sendable {
    let store: Store
    let configured: [AugurConfig.Forecasting.Event]

    func register(on router: ScopedRouter) {
        router.get("/api/v1/calendar", .read) { _, _ in
            let all = try ForecastPreparation.calendar(configured: configured, store: store)
            return try json(["events": all.map { CalendarEntry($0.event, source: $0.source) }])
        }
        router.post("/api/v1/calendar", .admin) { request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            guard let e = try? JSONDecoder().decode(AugurConfig.Forecasting.Event.self, from: Data(bytes.readableBytesView)) else {
                throw QueryError(.badParameter, "body must be JSON {\"name\",\"kind\":\"event\"|\"exclude\", \"start\"+\"end\" (RFC 3339) or \"schedule\" (cron)+\"duration\"}")
            }
            let event = try CalendarEvent(configured: e)
            try await WorkLane.store.run { [store] in try store.saveCalendarEvent(event) }
            return try json(["name": event.name], status: .created)
        }
    }
}

/// A calendar event as `GET /api/v1/calendar` lists it: times in RFC 3339, the duration as configured
/// (`2h`), and where it comes from (the configuration or the API).
struct CalendarEntry: Encodable {
    let name, kind, source: String
    let start, end, schedule, duration: String?

    init(_ e: CalendarEvent, source: String) {
        (name, kind, self.source) = (e.name, e.kind.rawValue, source)
        start = e.startMs.map(TimeParsing.rfc3339)
        end = e.endMs.map(TimeParsing.rfc3339)
        schedule = e.schedule
        duration = e.durationMs.map { ConfigDuration(ms: $0).description }
    }
}
