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
            let event = try CalendarEvent(configured: e)
            try await WorkLane.store.run { [store] in try store.saveCalendarEvent(event) }
            return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"name\":\(JSONText.string(event.name))}")))
        }
    }
}
