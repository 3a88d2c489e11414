import AugurCore
import Hummingbird
import Logging

/// Turns every error into problem+json; unknown errors are logged with the request id and become a bare 500.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            if let problem = Problem.from(error) {
                // A workload still warming up is a state its poller (KEDA) retries through, not a fault.
                if problem.type == "no-recommendation" {
                    context.logger.info("not ready", metadata: ["augur.error": "\(error)", "augur.path": "\(request.uri.path)"])
                } else if problem.status.code >= 500 {
                    context.logger.error("request failed", metadata: ["augur.error": "\(error)", "augur.path": "\(request.uri.path)"])
                }
                return try problem.response(from: request, context: context)
            }
            context.logger.error("unexpected error", metadata: ["augur.error": "\(error)", "augur.path": "\(request.uri.path)"])
            return try Problem(.internalServerError, type: "internal", title: "Internal server error", detail: "request id \(context.id)")
                .response(from: request, context: context)
        }
    }
}

/// Bearer tokens: the write token for ingest routes, the read token for the rest; health probes stay open.
/// 401 when the token is missing or unknown, 403 when it is the other kind.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let readToken: String
    let writeToken: String

    static func isOpen(_ path: String) -> Bool { path == "/healthz" || path == "/readyz" }

    /// Paths that change what is stored: ingest of every kind, log template steering, alerts, incidents and change events.
    static func isWrite(_ path: String, _ method: HTTPRequest.Method) -> Bool {
        path == "/api/v1/write" || path.hasPrefix("/api/v1/import/") || path == "/loki/api/v1/push"
            || (method == .post && (path == "/api/v1/logs" || path.hasPrefix("/api/v1/logs/templates")))
            || path.hasPrefix("/api/v1/alerts/") || (method == .post && (path.hasPrefix("/api/v1/incidents") || path.hasPrefix("/incidents/") || path.hasPrefix("/api/v1/events")))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !Self.isOpen(path), !(readToken.isEmpty && writeToken.isEmpty) else { return try await next(request, context) }
        let write = Self.isWrite(path, request.method)
        let wanted = write ? writeToken : readToken
        let other = write ? readToken : writeToken
        var presented = ""
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            presented = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        if !wanted.isEmpty && constantTimeEqual(presented, wanted) { return try await next(request, context) }
        if wanted.isEmpty { return try await next(request, context) }
        if !presented.isEmpty && !other.isEmpty && constantTimeEqual(presented, other) {
            throw Problem(.forbidden, type: "forbidden", title: "Forbidden",
                          detail: "this token may not \(write ? "write" : "read"); use the \(write ? "write" : "read") token")
        }
        var p = Problem(.unauthorized, type: "unauthorized", title: "Unauthorized",
                        detail: presented.isEmpty ? "send Authorization: Bearer <token>" : "the bearer token is not valid")
        p.headers[.wwwAuthenticate] = "Bearer realm=\"augur\""
        throw p
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }
}

/// Records each request's latency by route and status in `ServerMetrics`.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        metrics.observeRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: Int(response.status.code), seconds: seconds)
        return response
    }
}

import Foundation
