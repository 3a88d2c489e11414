import AugurApp
import AugurCore
import AugurIngest
import AugurLogs
import AugurStore
import Foundation
import Hummingbird
import NIOCore

/// Log ingest (Augur's JSON lines, Loki's push API), search, templates and template steering.
struct LogRoutes: Sendable {
    let pipeline: LogPipeline
    let config: AugurConfig.Server

    func register(on router: ScopedRouter) {
        router.post("/api/v1/logs", .write) { request, _ in try await pushJSONLines(request) }
        router.post("/loki/api/v1/push", .write) { request, _ in try await pushLoki(request) }
        // Searches and template comparisons read SQLite (a search may recheck thousands of lines): off
        // the cooperative threads, as ingest.
        router.get("/api/v1/logs", .read) { request, _ in try await WorkLane.store.run { try search(request) } }
        router.get("/api/v1/logs/templates", .read) { request, _ in try await WorkLane.store.run { try templates(request) } }
        router.post("/api/v1/logs/templates", .admin) { request, _ in try await pin(request) }
        router.post("/api/v1/logs/templates/merge", .admin) { request, _ in try await merge(request) }
    }

    // MARK: Ingest

    /// The body, decompressed as its `Content-Encoding` (or `assumed`, when it has none) says.
    private func body(_ request: Request, format: String, assumed: String = "") async throws -> [UInt8] {
        let raw = try await collectBody(request, config: config)
        switch request.headers[.contentEncoding]?.lowercased() ?? assumed {
        case "", "identity": return raw
        case "gzip": return try Gzip.decompress(raw, limit: config.maxBodyBytes * 8, format: format)
        case "snappy": return try raw.withUnsafeBytes { try Snappy.decompress($0, limit: config.maxBodyBytes * 8) }
        case let other: throw IngestError(.unsupported, format: format, "Content-Encoding \(other) (use gzip, or none)", field: "Content-Encoding")
        }
    }

    private func pushJSONLines(_ request: Request) async throws -> Response {
        let records = try LogBodies.jsonLines(try await body(request, format: "json-lines"))
        let report = try await WorkLane.store.run { [pipeline] in try pipeline.ingest(records) }
        return try json(PushReceipt(lines: report.lines, newTemplates: report.newTemplates, templates: report.templates))
    }

    /// Loki answers a push with 204; protobuf bodies are snappy-compressed (what Promtail sends),
    /// JSON ones plain or gzip.
    private func pushLoki(_ request: Request) async throws -> Response {
        let type = request.headers[.contentType]?.lowercased() ?? "application/json"
        let records: [LogRecord]
        if type.hasPrefix("application/x-protobuf") {
            // Promtail sends the snappy block without a Content-Encoding header; Loki assumes it.
            records = try LogBodies.lokiProtobuf(try await body(request, format: "loki-push", assumed: "snappy"))
        } else if type.hasPrefix("application/json") {
            records = try LogBodies.lokiJSON(try await body(request, format: "loki-push"))
        } else {
            throw IngestError(.unsupported, format: "loki-push", "Content-Type must be application/json or application/x-protobuf (got \"\(type)\")", field: "Content-Type")
        }
        _ = try await WorkLane.store.run { [pipeline] in try pipeline.ingest(records) }
        return Response(status: .noContent)
    }

    // MARK: Search

    /// The label selector, the window (default the last hour) and the limit of a log query.
    struct Window {
        let streams: [Int64: Labels]
        let startNs: Int64
        let endNs: Int64
    }

    private func window(_ p: Hummingbird.Parameters, store: Store) throws -> Window {
        var selectors: [Selector]?
        if let q = p.get("query"), !q.isEmpty { selectors = [try Selector(parsing: q)] }
        func time(_ name: String) throws -> Int64? {
            guard let text = p.get(name) else { return nil }
            guard let ns = TimeParsing.timestampNs(text) else {
                throw QueryError(.badParameter, "\(name)=\(text.prefix(100)) is not a time (RFC 3339 or unix, years 1678-2262 for logs)")
            }
            return ns
        }
        let end = try time("end") ?? WallClock.nowMs() * 1_000_000
        let start = try time("start") ?? end.subtractingReportingOverflow(3_600_000_000_000).partialValue
        guard start <= end else { throw QueryError(.badParameter, "start must not be after end") }
        // The templates view also reads the window of the same length before this one.
        guard !end.subtractingReportingOverflow(start).overflow, !start.subtractingReportingOverflow(end - start).overflow else {
            throw QueryError(.badParameter, "the window from start to end is too long for Unix nanoseconds")
        }
        return Window(streams: try store.logStreams(matching: selectors), startNs: start, endNs: end)
    }

    private func search(_ request: Request) throws -> Response {
        let p = request.uri.queryParameters
        let w = try window(p, store: pipeline.store)
        let limit = try p.get("limit").map { text -> Int in
            guard let n = Int(text), n > 0, n <= 10_000 else { throw QueryError(.badParameter, "limit=\(text) must be 1 to 10000") }
            return n
        } ?? 100
        let search = p.get("search").flatMap { $0.isEmpty ? nil : $0 }
        if let search, let problem = pipeline.store.logSearchProblem(search) {
            throw QueryError(.badParameter, "search=\(search) is not an FTS5 query (words, \"phrases\", AND/OR/NOT, prefix*): \(problem)")
        }
        let lines = try pipeline.store.searchLogs(streams: w.streams, search: search, startNs: w.startNs, endNs: w.endNs, limit: limit)
        return try json(Success(data: lines.map(LogLineResponse.init)))
    }

    /// Templates with their counts in the window and in the window of the same length before it,
    /// per service: the "new or surging templates" view of an incident, most surging first.
    private func templates(_ request: Request) throws -> Response {
        let p = request.uri.queryParameters
        let w = try window(p, store: pipeline.store)
        let rows = try TemplateActivity.compare(store: pipeline.store, streams: w.streams, startNs: w.startNs, endNs: w.endNs)
        return try json(Success(data: rows.map(TemplateActivityResponse.init)))
    }

    // MARK: Steering

    struct PinBody: Decodable {
        let pattern: String
        let regex: Bool?
    }

    private func pin(_ request: Request) async throws -> Response {
        let raw = try await collectBody(request, config: config)
        guard let body = try? JSONDecoder().decode(PinBody.self, from: Data(raw)), !body.pattern.isEmpty else {
            throw QueryError(.badParameter, "body must be JSON {\"pattern\": \"text with <*>\", \"regex\": false}")
        }
        do {
            let id = try await WorkLane.store.run { [pipeline] in try pipeline.pin(body.pattern, regex: body.regex ?? false) }
            return try json(["template_id": id])
        } catch let e as LogPattern.Invalid {
            throw QueryError(.badParameter, e.description)
        }
    }

    struct MergeBody: Decodable {
        let from: Int64
        let into: Int64
    }

    private func merge(_ request: Request) async throws -> Response {
        let raw = try await collectBody(request, config: config)
        guard let body = try? JSONDecoder().decode(MergeBody.self, from: Data(raw)) else {
            throw QueryError(.badParameter, "body must be JSON {\"from\": <template id>, \"into\": <template id>}")
        }
        guard try await WorkLane.store.run({ [pipeline] in try pipeline.merge(body.from, into: body.into) }) else {
            throw RequestError(.notFound, "templates \(body.from) and \(body.into) must both exist, differ and not be merged already")
        }
        return try json(["template_id": body.into, "merged": body.from])
    }
}

/// What a JSON-lines push did.
struct PushReceipt: Encodable {
    let lines, newTemplates, templates: Int

    enum CodingKeys: String, CodingKey { case lines, newTemplates = "new_templates", templates }
}

/// A stored log line: its time in nanoseconds as a string (as Loki gives it), labels, line and template.
struct LogLineResponse: Encodable {
    let ts: String
    let labels: [String: String]
    let line: String
    let templateId: Int64
    let level: String
    let traceId, spanId: String?

    enum CodingKeys: String, CodingKey { case ts, labels, line, templateId = "template_id", level, traceId = "trace_id", spanId = "span_id" }

    init(_ l: StoredLogLine) {
        (ts, labels, line, templateId, level) = ("\(l.timestampNs)", l.labels.dictionary, l.line, l.templateId, l.level)
        (traceId, spanId) = (l.traceId, l.spanId)
    }
}

/// A template's count in the window against the window before it.
struct TemplateActivityResponse: Encodable {
    let templateId: Int64
    let template, service: String
    let count, previous: Int
    let new: Bool
    let surge: Double
    let example: String

    enum CodingKeys: String, CodingKey { case templateId = "template_id", template, service, count, previous, new, surge, example }

    init(_ r: TemplateActivity) {
        (templateId, template, service, count, previous) = (r.templateId, r.text, r.service, r.count, r.previous)
        (new, surge, example) = (r.isNew, r.surge, r.example ?? "")
    }
}
