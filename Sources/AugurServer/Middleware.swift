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
                // A workload still warming up is a state its poller (KEDA) retries through, and a query that
                // ran out of time is its client's to narrow: neither is a fault an operator must act on.
                if problem.type == "no-recommendation" || problem.type == "query-timeout" || problem.type == "query-cancelled" {
                    context.logger.info("not ready", metadata: ["augur.error": "\(error)", "augur.path": "\(request.uri.path)"])
                } else if problem.status.code >= 500 {
                    context.logger.error("request failed", metadata: ["augur.error": "\(error)", "augur.path": "\(request.uri.path)"])
                }
                return try problem.response(from: request, context: context)
            }
            context.logger.error("unexpected error", metadata: ["augur.error": "\(error)", "augur.path": "\(request.uri.path)"])
            return try Problem.unexpected(requestId: "\(context.id)").response(from: request, context: context)
        }
    }
}

/// Records each request's latency by route and status in `ServerMetrics`.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = AugurCore.seconds(elapsed)
        metrics.observeRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: Int(response.status.code), seconds: seconds)
        return response
    }
}

import Foundation
