import AugurCore
import Hummingbird
import Synchronization

/// What a route lets its caller do, and so which token it takes. Part of the route's definition:
/// a route is registered with its scope, and the scope's middleware guards exactly that route, so no
/// spelling of a path can reach it under another scope.
package enum Scope: String, Sendable, CaseIterable {
    /// Health probes and the login page.
    case open
    /// Queries, pages, reports.
    case read
    /// Ingest and incident actions.
    case write
    /// Steering: log templates, the calendar.
    case admin
}

/// One registered route, for the route walk (tests) and the docs.
package struct RouteEntry: Sendable, Hashable {
    package let method: String
    package let path: String
    package let scope: Scope
}

/// The router as Augur's routes see it: every route is added with its scope, into the group whose
/// middleware checks that scope, and is listed in `entries`.
struct ScopedRouter {
    let groups: [Scope: RouterGroup<BasicRequestContext>]
    let entries: RouteList

    init(_ router: Router<BasicRequestContext>, auth: Authorizer, entries: RouteList) {
        var groups: [Scope: RouterGroup<BasicRequestContext>] = [:]
        for scope in Scope.allCases { groups[scope] = router.group().add(middleware: ScopeMiddleware(scope: scope, auth: auth)) }
        self.groups = groups
        self.entries = entries
    }

    func on(_ path: String, method: HTTPRequest.Method, _ scope: Scope,
            use handler: @Sendable @escaping (Request, BasicRequestContext) async throws -> some ResponseGenerator) {
        groups[scope]!.on(RouterPath(path), method: method, use: handler)
        entries.add(RouteEntry(method: method.rawValue, path: path, scope: scope))
    }

    func get(_ path: String, _ scope: Scope, use handler: @Sendable @escaping (Request, BasicRequestContext) async throws -> some ResponseGenerator) {
        on(path, method: .get, scope, use: handler)
    }

    func post(_ path: String, _ scope: Scope, use handler: @Sendable @escaping (Request, BasicRequestContext) async throws -> some ResponseGenerator) {
        on(path, method: .post, scope, use: handler)
    }
}

/// The routes registered so far.
package final class RouteList: Sendable {
    private let list = Mutex<[RouteEntry]>([])
    package init() {}
    func add(_ e: RouteEntry) { list.withLock { $0.append(e) } }
    package var all: [RouteEntry] { list.withLock { $0 } }
}

/// One spelling per route: the router's trie ignores empty path components, so `//api/v1/write` and
/// `/api/v1/write/` would reach `/api/v1/write`. Such paths get a 404 instead of a second name.
struct CanonicalPathMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/"), !path.contains("//"), path == "/" || !path.hasSuffix("/") else {
            throw RequestError(.notFound, "no route for this path (paths have no empty or trailing segments)")
        }
        return try await next(request, context)
    }
}

/// Checks the scope a route was registered with (see `Authorizer`).
struct ScopeMiddleware<Context: RequestContext>: RouterMiddleware {
    let scope: Scope
    let auth: Authorizer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try auth.authorize(request, scope: scope)
        return try await next(request, context)
    }
}
