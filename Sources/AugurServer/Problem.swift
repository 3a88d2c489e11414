import AugurCore
import AugurNumerics
import AugurForecast
import AugurIngest
import AugurRCA
import AugurReports
import AugurScaling
import AugurStore
import Foundation
import NIOCore
package import Hummingbird

/// An RFC 9457 `application/problem+json` response. The only place errors become HTTP.
package struct Problem: HTTPResponseError, Sendable {
    package let status: HTTPResponse.Status
    package let type: String
    package let title: String
    package let detail: String?
    /// Extension members: where the input went wrong (`line`, `field`, `format`).
    package var extra: [String: String] = [:]
    package var headers: HTTPFields = [:]

    package init(_ status: HTTPResponse.Status, type: String, title: String, detail: String?, extra: [String: String] = [:]) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.extra = extra
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        if Self.isPrometheusAPI(request.uri.path) { return prometheusResponse() }
        var body: [String: Any] = ["type": "https://augur.dev/problems/\(type)", "title": title, "status": Int(status.code), "instance": request.uri.path]
        if let detail { body["detail"] = detail }
        for (k, v) in extra { body[k] = Int(v) ?? v as Any }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Problem {
    /// The routes of Prometheus' own HTTP API. Their errors keep Prometheus' shape, which promtool and
    /// Grafana parse (`status` is the string "error"); Augur's own routes answer problem JSON.
    package static func isPrometheusAPI(_ path: String) -> Bool {
        ["/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels", "/api/v1/metadata", "/api/v1/query_exemplars",
         "/api/v1/rules", "/api/v1/alerts", "/api/v1/status/buildinfo"].contains(path)
            || (path.hasPrefix("/api/v1/label/") && path.hasSuffix("/values"))
    }

    /// `{"status":"error","errorType":"bad_data","error":"…"}` with Prometheus' status code for the type.
    func prometheusResponse() -> Response {
        let errorType: String
        switch (status.code, type) {
        case (_, "query-timeout"): errorType = "timeout"
        case (_, "query-cancelled"): errorType = "canceled"
        case (404, _): errorType = "not_found"
        case (422, _): errorType = "execution"
        case (400..<500, _): errorType = "bad_data"
        case (503, _): errorType = "unavailable"
        default: errorType = "internal"
        }
        let body = "{\"status\":\"error\",\"errorType\":\"\(errorType)\",\"error\":\(JSONText.string(detail ?? title))}"
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// A request Augur's access rules refuse.
typealias AccessError = CodedError<AccessFault>
enum AccessFault: String, Sendable {
    /// No credentials, or credentials that are not valid.
    case unauthorized
    /// A token without the scope the route needs.
    case forbidden
    /// A form posted with a session but without its CSRF token.
    case csrf
    /// A browser's cross-site request that would change something.
    case crossSite
    /// A Host that is not an address Augur is reached at (DNS rebinding).
    case badHost
}

/// A request that cannot be served as sent.
typealias RequestError = CodedError<RequestFault>
enum RequestFault: String, Sendable {
    /// No such route, or no such thing at it.
    case notFound
    /// The body did not arrive in time.
    case timeout
}

extension Problem {
    init(_ e: AccessError) {
        switch e.code {
        case .unauthorized:
            self.init(.unauthorized, type: "unauthorized", title: "Unauthorized", detail: e.detail)
            headers[.wwwAuthenticate] = "Bearer realm=\"augur\""
        case .forbidden: self.init(.forbidden, type: "forbidden", title: "Forbidden", detail: e.detail)
        case .csrf: self.init(.forbidden, type: "csrf", title: "Forbidden", detail: e.detail)
        case .crossSite: self.init(.forbidden, type: "cross-site", title: "Forbidden", detail: e.detail)
        case .badHost: self.init(.misdirectedRequest, type: "bad-host", title: "Unknown host", detail: e.detail)
        }
    }

    init(_ e: RequestError) {
        switch e.code {
        case .notFound: self.init(.notFound, type: "not-found", title: "Not found", detail: e.detail)
        case .timeout: self.init(.requestTimeout, type: "timeout", title: "Request timeout", detail: e.detail)
        }
    }

    /// What a client sees of an error Augur did not expect: the request id to find it in the log by.
    static func unexpected(requestId: String) -> Problem {
        Problem(.internalServerError, type: "internal", title: "Internal server error", detail: "request id \(requestId)")
    }

    init(_ e: IngestError) {
        var extra = ["format": e.format]
        if let line = e.line { extra["line"] = String(line) }
        if let field = e.field { extra["field"] = field }
        switch e.code {
        case .malformed: self.init(.badRequest, type: "malformed-input", title: "Malformed input", detail: e.description, extra: extra)
        case .tooLarge: self.init(.contentTooLarge, type: "too-large", title: "Request body too large", detail: e.description, extra: extra)
        case .unsupported: self.init(.unsupportedMediaType, type: "unsupported", title: "Unsupported format or encoding", detail: e.description, extra: extra)
        case .unreadable: self.init(.badRequest, type: "unreadable", title: "Input cannot be read", detail: e.description, extra: extra)
        case .limit:
            extra["limit"] = e.field
            self.init(.unprocessableContent, type: "limit-exceeded", title: "A configured limit would be passed", detail: e.description, extra: extra)
        case .outOfWindow: self.init(.badRequest, type: "out-of-window", title: "Timestamp outside the accepted window", detail: e.description, extra: extra)
        }
    }

    init(_ e: QueryError) {
        switch e.code {
        case .badSelector: self.init(.badRequest, type: "bad-selector", title: "Invalid series selector", detail: e.detail)
        case .badParameter: self.init(.badRequest, type: "bad-parameter", title: "Invalid query parameter", detail: e.detail)
        case .tooManyPoints: self.init(.unprocessableContent, type: "too-many-points", title: "Query would return too many points", detail: e.detail, extra: ["limit": "max_points_per_series"])
        case .tooManySeries: self.init(.unprocessableContent, type: "too-many-series", title: "Query selects too many series", detail: e.detail, extra: ["limit": "max_series_per_query"])
        case .tooManySamples: self.init(.unprocessableContent, type: "too-many-samples", title: "Query would load too many samples", detail: e.detail, extra: ["limit": "max_samples_per_query"])
        case .timeout:
            self.init(.serviceUnavailable, type: "query-timeout", title: "Query timed out", detail: e.detail, extra: ["limit": "query_timeout"])
            headers[.retryAfter] = "10"
        case .cancelled: self.init(.serviceUnavailable, type: "query-cancelled", title: "Query cancelled", detail: e.detail)
        case .badQuery: self.init(.badRequest, type: "bad-query", title: "Invalid PromQL expression", detail: e.detail)
        case .execution: self.init(.unprocessableContent, type: "execution", title: "PromQL expression cannot be evaluated", detail: e.detail)
        }
    }

    init(_ e: StoreError) {
        // SQLite's own message stays in the log (`underlying`); the client sees the safe detail.
        switch e.code {
        case .busy: self.init(.serviceUnavailable, type: "store-busy", title: "Store busy, retry", detail: e.detail)
        case .readOnly: self.init(.serviceUnavailable, type: "store-read-only", title: "Store is read-only", detail: e.detail)
        case .full:
            self.init(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), type: "disk-full", title: "Disk full", detail: "\(e.detail); reads still work, writes resume when space frees")
            headers[.retryAfter] = "60"
        case .locked: self.init(.serviceUnavailable, type: "store-locked", title: "Store in use", detail: e.detail)
        case .cannotOpen, .io, .corrupt: self.init(.internalServerError, type: "store-error", title: "Store error", detail: e.detail)
        }
    }

    init(_ e: HTTPError) {
        switch e.status {
        case .notFound: self.init(.notFound, type: "not-found", title: "Not found", detail: e.body ?? "no route for this path and method")
        case .contentTooLarge: self.init(.contentTooLarge, type: "too-large", title: "Request body too large", detail: e.body)
        case .methodNotAllowed: self.init(.methodNotAllowed, type: "method-not-allowed", title: "Method not allowed", detail: e.body)
        default: self.init(e.status, type: "http-\(e.status.code)", title: e.status.reasonPhrase, detail: e.body)
        }
        headers = e.headers
    }

    init(_ e: ForecastError) {
        switch e.code {
        case .tooShort: self.init(.unprocessableContent, type: "too-short", title: "Series too short to forecast", detail: e.detail)
        case .badInput: self.init(.badRequest, type: "bad-series", title: "Series cannot be forecast", detail: e.detail)
        case .numerical: self.init(.internalServerError, type: "numerical", title: "Numerical failure", detail: e.detail)
        }
    }

    init(_ e: ScaleError) {
        switch e.code {
        case .badInput: self.init(.badRequest, type: "bad-parameter", title: "Invalid scaling input", detail: e.detail)
        case .notFound: self.init(.notFound, type: "unknown-workload", title: "No such workload", detail: e.detail)
        case .notReady: self.init(.serviceUnavailable, type: "no-recommendation", title: "No recommendation yet", detail: e.detail)
        }
    }

    init(_ e: IncidentError) {
        switch e.code {
        case .badInput: self.init(.badRequest, type: "bad-incident-input", title: "Invalid alert or incident input", detail: e.detail, extra: Self.field(e))
        case .notFound: self.init(.notFound, type: "unknown-incident", title: "No such incident", detail: e.detail)
        }
    }

    init(_ e: ChangeEventError) {
        self.init(.badRequest, type: "bad-change-event", title: "Invalid change event", detail: e.detail, extra: Self.field(e))
    }

    private static func field(_ e: some AugurError) -> [String: String] { e.field.map { ["field": $0] } ?? [:] }

    /// Maps any error to a problem; unknown errors become a bare 500 (the caller logs them).
    static func from(_ error: any Error) -> Problem? {
        switch error {
        case let p as Problem: return p
        case let e as IngestError: return Problem(e)
        case let e as QueryError: return Problem(e)
        case let e as StoreError: return Problem(e)
        case let e as ForecastError: return Problem(e)
        case let e as ScaleError: return Problem(e)
        case let e as IncidentError: return Problem(e)
        case let e as ChangeEventError: return Problem(e)
        case let e as AccessError: return Problem(e)
        case let e as RequestError: return Problem(e)
        case let e as HTTPError: return Problem(e)
        case is NIOTooManyBytesError: return Problem(HTTPError(.contentTooLarge, message: "request body is over the configured limit"))
        default: return nil
        }
    }
}
