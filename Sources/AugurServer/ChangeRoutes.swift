import AugurCore
import AugurRCA
import AugurStore
import Hummingbird
import NIOCore

/// Change events for RCA: `POST /api/v1/events` (Augur's JSON), `POST /api/v1/events/argocd` (the
/// ArgoCD notifications webhook with the template in `server/argocd-notifications.yaml`) and
/// `GET /api/v1/events?start=&end=&service=`.
struct ChangeRoutes: Sendable {
    let store: Store
    let config: AugurConfig.Server

    func register(on router: ScopedRouter) {
        router.post("/api/v1/events", .write) { request, _ in
            try await created(ChangeEvents.parse(try await collectBody(request, config: config), nowMs: WallClock.nowMs()))
        }
        router.post("/api/v1/events/argocd", .write) { request, _ in
            try await created(ChangeEvents.argoCD(try await collectBody(request, config: config), nowMs: WallClock.nowMs()))
        }
        router.get("/api/v1/events", .read) { request, _ in
            let p = request.uri.queryParameters
            func time(_ name: String, _ fallback: Int64) throws -> Int64 {
                guard let text = p.get(name) else { return fallback }
                guard let ms = TimeParsing.timestampMs(text) else { throw QueryError(.badParameter, "\(name)=\(text) is not a time (RFC 3339 or unix)") }
                return ms
            }
            let end = try time("end", WallClock.nowMs())
            let start = try time("start", end - 86_400_000)
            let service = p.get("service")
            let changes = try await WorkLane.store.run { [store] in try store.changes(fromMs: start, toMs: end) }
            let items = changes.filter { service == nil || $0.event.service == service }.map { RCAJSON.event(id: $0.id, $0.event) }
            return json("{\"status\":\"success\",\"data\":[" + items.joined(separator: ",") + "]}")
        }
    }

    private func created(_ event: ChangeEvent) async throws -> Response {
        let id = try await WorkLane.store.run { [store] in try store.recordChange(event) }
        return Response(status: .created, headers: [.contentType: "application/json", .location: "/api/v1/events?service=\(event.service)"],
                        body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"success\",\"data\":" + RCAJSON.event(id: id, event) + "}")))
    }
}
