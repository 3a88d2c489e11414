import AsyncHTTPClient
import AugurApp
import AugurCore
import AugurReports
import AugurStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Alerts in, incidents out: the Alertmanager webhook, manual incidents, reports and the pages.
struct IncidentRoutes: Sendable {
    let office: IncidentOffice
    let store: Store
    let config: AugurConfig.Server
    let auth: Authorizer

    func register(on router: ScopedRouter) {
        router.post("/api/v1/alerts/alertmanager", .write) { request, _ in
            let payload = try AlertmanagerPayload.decode(try await collectBody(request, config: config))
            let o = try await office.receive(payload)
            return try json(Success(data: AlertReceipt(opened: o.opened, joined: o.joined, resolved: o.resolved, duplicates: o.duplicates)))
        }
        router.post("/api/v1/incidents", .write) { request, _ in try await manual(request) }
        router.get("/api/v1/incidents", .read) { _, _ in
            try await WorkLane.store.run { [store] in
                try json(Success(data: try store.incidents().map(IncidentSummary.init)))
            }
        }
        router.get("/api/v1/incidents/:id", .read) { _, context in
            let id = try id(context)
            return try await WorkLane.store.run { [store] in try detail(store, id) }
        }
        router.get("/api/v1/incidents/:id/report.md", .read) { _, context in
            let id = try id(context)
            return try await WorkLane.store.run { [store] in text(try IncidentReport(store: store, id: id).markdown, contentType: "text/markdown; charset=utf-8") }
        }
        router.get("/api/v1/incidents/:id/report.html", .read) { _, context in
            let id = try id(context)
            return try await WorkLane.store.run { [store] in text(try IncidentReport(store: store, id: id).html(), contentType: "text/html; charset=utf-8") }
        }
        router.post("/api/v1/incidents/:id/acknowledge", .write) { _, context in try await office.acknowledge(try id(context)); return try json(Done()) }
        router.post("/api/v1/incidents/:id/resolve", .write) { _, context in try await office.resolve(try id(context)); return try json(Done()) }
        router.post("/api/v1/incidents/:id/feedback", .write) { request, context in
            try await office.feedback(try id(context), cause: try await cause(request))
            return try json(Done())
        }
        // Pages: no script, no network.
        router.get("/incidents", .read) { _, _ in
            try await WorkLane.store.run { [store] in text(IncidentListPage.html(try store.incidents(), nowMs: WallClock.nowMs()), contentType: "text/html; charset=utf-8") }
        }
        router.get("/incidents/:id", .read) { request, context in
            let id = try id(context)
            let action = "/incidents/\(id)/feedback" + auth.csrfQuery(request)
            return try await WorkLane.store.run { [store] in text(try IncidentReport(store: store, id: id).html(feedbackAction: action), contentType: "text/html; charset=utf-8") }
        }
        router.post("/incidents/:id/feedback", .write) { request, context in
            let id = try id(context)
            try await office.feedback(id, cause: try await cause(request))
            return Response(status: .seeOther, headers: [.location: "/incidents/\(id)"])
        }
    }

    private func detail(_ store: Store, _ id: Int64) throws -> Response {
        let report = try IncidentReport(store: store, id: id)
        return try json(Success(data: IncidentDetail(report, runs: try store.incidentAnalyses(incidentId: id))))
    }

    private func id(_ context: BasicRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")) else { throw IncidentError(.notFound, "incident ids are numbers") }
        return id
    }

    /// `{"cause": …}` as JSON, or the page's form (`cause=…`).
    private func cause(_ request: Request) async throws -> String {
        let raw = try await collectBody(request, config: config)
        if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            let form = String(decoding: raw, as: UTF8.self).split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
            let value = form.first { $0.first == "cause" }?.last ?? ""
            return value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? value
        }
        struct Body: Decodable { let cause: String }
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(raw)) else { throw IncidentError(.badInput, "body must be JSON {\"cause\": \"service\"}", field: "cause") }
        return body.cause
    }

    private func manual(_ request: Request) async throws -> Response {
        struct Body: Decodable { let time: String?; let service: String?; let description: String?; let severity: String? }
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(try await collectBody(request, config: config))) else {
            throw IncidentError(.badInput, "body must be JSON {\"time\": RFC 3339 or unix, \"service\": \"…\", \"description\": \"…\"}")
        }
        guard let service = body.service, !service.isEmpty else { throw IncidentError(.badInput, "service is required", field: "service") }
        var at = WallClock.nowMs()
        if let t = body.time {
            guard let ms = TimeParsing.timestampMs(t) else { throw IncidentError(.badInput, "time \(t) is not a time", field: "time") }
            at = ms
        }
        let id = try await office.open(atMs: at, service: service, description: body.description ?? "", severity: body.severity ?? "warning")
        return try json(Success(data: ["id": id]), status: .created, headers: [.location: "/api/v1/incidents/\(id)"])
    }
}

/// Notifications when an incident opens: a generic JSON webhook and Slack-compatible incoming webhooks.
struct IncidentNotifier: Sendable {
    let targets: [AugurConfig.Incidents.Notify]
    let baseURL: String
    let client: HTTPClient
    let logger: Logger

    func opened(_ id: Int64, store: Store) async {
        guard !targets.isEmpty, let report = try? await WorkLane.store.run({ try IncidentReport(store: store, id: id) }) else { return }
        let link = "\(baseURL)/incidents/\(id)"
        let top = report.snapshot.suspects.first?.service
        let summary = "Incident #\(id): \(report.incident.title)" + (top.map { " — top suspect \($0)" } ?? "")
        for target in targets {
            let body = target.format == "slack"
                ? try? jsonBytes(["text": "\(summary) <\(link)|report>"])
                : try? jsonBytes(IncidentNotification(id: id, title: report.incident.title, service: report.incident.service, severity: report.incident.severity,
                                                           topSuspect: OrNull(top), summary: summary, link: link))
            var request = HTTPClientRequest(url: target.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body ?? Data()))
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                if response.status.code >= 300 { logger.warning("incident notification refused", metadata: ["augur.url": "\(target.url)", "augur.status": "\(response.status.code)"]) }
            } catch {
                logger.warning("incident notification failed", metadata: ["augur.url": "\(target.url)", "augur.error": "\(error)"])
            }
        }
    }
}
