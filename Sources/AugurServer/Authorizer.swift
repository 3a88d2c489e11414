import AugurCore
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Who may call a route of a given scope, and from where.
///
/// - Tokens: the read token reads, the write token writes, the admin token does both and steers
///   (without an admin token, the write token steers). A scope whose token is empty is open.
/// - Sessions: `POST /login` exchanges a token for an `HttpOnly`, `SameSite=Strict` cookie carrying
///   the token's scopes, so pages and Slack links open in a browser once tokens are set.
/// - Browsers: a state-changing request that a browser marks cross-site (`Sec-Fetch-Site`, `Origin`)
///   is refused, and one authenticated by cookie must also carry the session's CSRF token. Without
///   tokens the `Host` must be one Augur is reached at, so a DNS-rebound name cannot drive it.
package final class Authorizer: Sendable {
    let readToken: String, writeToken: String, adminToken: String
    /// Host names (without port) a tokenless Augur answers to.
    let allowedHosts: Set<String>
    /// Whether people reach Augur over HTTPS (`incidents.external_url`): the session cookie is then `Secure`.
    let secureCookies: Bool
    let sessions = Mutex<[String: Session]>([:])
    static let cookieName = "augur_session"
    static let sessionSeconds: Int64 = 12 * 3600

    struct Session: Sendable {
        let scopes: Set<Scope>
        let csrf: String
        let expiresMs: Int64
    }

    init(server: AugurConfig.Server, externalURL: String) {
        readToken = server.readToken
        writeToken = server.writeToken
        adminToken = server.adminToken
        var hosts: Set<String> = ["localhost", "127.0.0.1", "::1"]
        if let host = try? server.hostAndPort().host, host != "0.0.0.0", host != "::" { hosts.insert(host.lowercased()) }
        if let host = URL(string: externalURL)?.host { hosts.insert(host.lowercased()) }
        allowedHosts = hosts
        secureCookies = externalURL.lowercased().hasPrefix("https://")
    }

    var hasTokens: Bool { !(readToken.isEmpty && writeToken.isEmpty && adminToken.isEmpty) }

    /// The scopes a presented token grants (empty when it is no token of ours).
    func scopes(of token: String) -> Set<Scope> {
        var out: Set<Scope> = []
        if !adminToken.isEmpty && constantTimeEqual(token, adminToken) { return [.read, .write, .admin] }
        if !readToken.isEmpty && constantTimeEqual(token, readToken) { out.insert(.read) }
        if !writeToken.isEmpty && constantTimeEqual(token, writeToken) {
            out.insert(.write)
            if adminToken.isEmpty { out.insert(.admin) }
        }
        return out
    }

    /// Whether `scope` needs no token at all.
    func isOpen(_ scope: Scope) -> Bool {
        switch scope {
        case .open: true
        case .read: readToken.isEmpty && adminToken.isEmpty
        case .write: writeToken.isEmpty && adminToken.isEmpty
        case .admin: writeToken.isEmpty && adminToken.isEmpty
        }
    }

    func authorize(_ request: Request, scope: Scope) throws {
        guard scope != .open else { return }
        if !hasTokens { try checkHost(request) }
        let unsafe = ![.get, .head, .options].contains(request.method)
        if unsafe { try checkSameOrigin(request) }
        guard !isOpen(scope) else { return }
        if let presented = Self.bearer(request) {
            let granted = scopes(of: presented)
            if granted.contains(scope) { return }
            if !granted.isEmpty {
                throw AccessError(.forbidden, "this token may not \(scope.rawValue); use the \(scope == .read ? "read" : scope == .write ? "write" : "admin") token")
            }
            throw AccessError(.unauthorized, "the bearer token is not valid")
        }
        if let session = session(request), session.scopes.contains(scope) {
            // SameSite=Strict keeps the cookie off cross-site requests; the CSRF token is the second lock.
            if unsafe {
                guard let csrf = request.uri.queryParameters.get("csrf"), constantTimeEqual(csrf, session.csrf) else {
                    throw AccessError(.csrf, "a form posted with a session must carry its csrf token")
                }
            }
            return
        }
        throw AccessError(.unauthorized, "send Authorization: Bearer <token>, or log in at /login")
    }

    /// DNS rebinding: a page at attacker.example whose name now points at 127.0.0.1 sends `Host: attacker.example`.
    private func checkHost(_ request: Request) throws {
        guard let host = request.head.authority else { return }  // HTTP/1.0 clients send none
        guard allowedHosts.contains(Self.hostName(host)) else {
            throw AccessError(.badHost,
                              "Host \(String(host.prefix(100))) is not an address Augur is reached at (set incidents.external_url)")
        }
    }

    /// A browser says where a request comes from; a cross-site one may not change anything.
    private func checkSameOrigin(_ request: Request) throws {
        if let site = request.headers[.secFetchSite]?.lowercased(), site != "same-origin", site != "none" {
            throw AccessError(.crossSite, "cross-site requests may not change Augur (Sec-Fetch-Site: \(site))")
        }
        // Same origin: the Origin's host[:port] is the authority the request was sent to.
        if let origin = request.headers[.origin] {
            let url = URL(string: origin)
            let originAuthority = url?.host.map { $0.contains(":") ? "[\($0)]" : $0 }.map { host in url?.port.map { "\(host):\($0)" } ?? host }?.lowercased()
            guard let originAuthority, originAuthority == request.head.authority?.lowercased() else {
                throw AccessError(.crossSite, "requests from origin \(String(origin.prefix(100))) may not change Augur")
            }
        }
    }

    static func hostName(_ authority: String) -> String {
        let a = authority.lowercased()
        if a.hasPrefix("["), let close = a.firstIndex(of: "]") { return String(a[a.index(after: a.startIndex)..<close]) }
        return a.split(separator: ":", maxSplits: 1).first.map(String.init) ?? a
    }

    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    // MARK: Sessions

    func session(_ request: Request) -> Session? {
        guard let id = Self.cookie(request, Self.cookieName) else { return nil }
        let now = WallClock.nowMs()
        return sessions.withLock { s in
            guard let session = s[id] else { return nil }
            guard session.expiresMs > now else { s[id] = nil; return nil }
            return session
        }
    }

    /// A new session for a valid token: the cookie's value, or nil when the token is not ours. Any
    /// token opens the pages (read); the write and admin tokens also let their forms post.
    func login(token: String) -> String? {
        var granted = scopes(of: token)
        guard !granted.isEmpty else { return nil }
        granted.insert(.read)
        let id = Self.randomToken(), csrf = Self.randomToken()
        let now = WallClock.nowMs()
        sessions.withLock { s in
            s = s.filter { $0.value.expiresMs > now }
            s[id] = Session(scopes: granted, csrf: csrf, expiresMs: now + Self.sessionSeconds * 1000)
        }
        return id
    }

    func logout(_ request: Request) {
        guard let id = Self.cookie(request, Self.cookieName) else { return }
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// The query suffix a page's forms post with (`?csrf=…`), empty when the request has no session.
    func csrfQuery(_ request: Request) -> String {
        session(request).map { "?csrf=\($0.csrf)" } ?? ""
    }

    static func cookie(_ request: Request, _ name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0] == name { return String(kv[1]) }
            }
        }
        return nil
    }

    static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(g.next() as UInt64, radix: 16) }.joined(separator: "-")
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var diff = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
    return diff == 0
}

/// Headers every answer carries so that pages cannot be framed, sniffed or made to leak their address.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        // Pages are self-contained: inline styles and SVG, no script, forms to Augur itself.
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        return response
    }
}

/// `GET /login` (a form) and `POST /login` (token → session cookie), `POST /logout`.
struct LoginRoutes: Sendable {
    let auth: Authorizer
    let config: AugurConfig.Server

    func register(on router: ScopedRouter) {
        router.get("/login", .open) { request, _ in
            let next = Self.safeNext(request.uri.queryParameters.get("next"))
            let page = """
                <!doctype html><html><head><meta charset="utf-8"><title>Augur — log in</title></head><body>\
                <h1>Augur</h1><form method="post" action="/login?next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/incidents")">\
                <label for="token">Token</label> <input type="password" id="token" name="token" autocomplete="current-password"> \
                <button type="submit">Log in</button></form></body></html>
                """
            return text(page, contentType: "text/html; charset=utf-8")
        }
        router.post("/login", .open) { request, _ in
            let body = try await collectBody(request, config: config)
            let token = FormBody.parse(String(decoding: body, as: UTF8.self))["token"]?.last ?? ""
            guard let id = auth.login(token: token) else {
                throw AccessError(.unauthorized, "that token is not valid")
            }
            var headers: HTTPFields = [.location: Self.safeNext(request.uri.queryParameters.get("next"))]
            headers[.setCookie] = "\(Authorizer.cookieName)=\(id); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Authorizer.sessionSeconds)" + (auth.secureCookies ? "; Secure" : "")
            return Response(status: .seeOther, headers: headers)
        }
        router.post("/logout", .open) { request, _ in
            auth.logout(request)
            var headers: HTTPFields = [.location: "/login"]
            headers[.setCookie] = "\(Authorizer.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
            return Response(status: .seeOther, headers: headers)
        }
    }

    /// Only a path on Augur itself: an open redirect would let a link send a logged-in user anywhere.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), !next.contains(where: { $0.isNewline }) else { return "/incidents" }
        return next
    }
}

/// `a=1&b=2` as Go's `url.ParseQuery` decodes it (`+` is a space, `%XX` a byte); nil for bad escapes.
enum FormBody {
    static func parse(_ encoded: String) -> [String: [String]] {
        (try? decode(encoded)) ?? [:]
    }

    static func decode(_ encoded: String) throws(QueryError) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in encoded.split(separator: "&") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) throws(QueryError) -> String {
                guard let d = s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw QueryError(.badParameter, "parameter \"\(pair.prefix(100))\" has a bad percent-encoding")
                }
                return d
            }
            out[try decode(kv[0]), default: []].append(kv.count > 1 ? try decode(kv[1]) : "")
        }
        return out
    }
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
