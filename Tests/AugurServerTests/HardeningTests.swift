import AugurCore
import AugurIngest
import AugurServer
import AugurStore
import AugurTestSupport
import Foundation
import Testing

/// Augur as an attacker and a careless client meet it: every route and body decoder with bad input,
/// a seeded mutation fuzzer, the scope of every route under every credential, browsers, and limits.
/// Each defect of issue #16 is pinned here (or in StoreTests / ByteRegexTests, as named).
@Suite(.ownThread) struct HardeningTests {
    /// What a refused request must leave as it was: samples, series, incidents, change events,
    /// calendar events, log lines.
    static func fingerprint(_ store: Store) throws -> [Int] {
        let stats = store.stats()
        return [stats.samples, stats.series, try store.incidents().count, try store.changes(fromMs: .min, toMs: .max).count,
                try store.calendarEvents().count, try store.logStorage().lines]
    }

    /// A server whose own rules cannot change the store while the corpus runs, with some history.
    static func quietConfig(_ path: String) -> AugurConfig {
        var config = testConfig(path: path)
        config.incidents.rules = []
        // Compaction folds duplicate samples, which would change the count between two requests.
        config.storage.compactInterval = ConfigDuration(seconds: 3600)
        config.limits.queryTimeout = ConfigDuration(seconds: 20)
        return config
    }

    static func seed(_ client: TestClient, nowMs: Int64) async throws {
        let series = (0..<4).map { k in syntheticSeries(Labels(name: k < 2 ? "up" : "fuzz_up", ["job": "j\(k)"]), startMs: nowMs - 86_400_000, count: 1440, stepMs: 60_000, seed: UInt64(k)) }
        let reply = try await client.post("/api/v1/write", Snappy.compress(RemoteWriteEncoder.encode(series)),
                                          headers: ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"])
        #expect(reply.status == 204, "seed: \(reply.text)")
    }

    /// Checks one answer: a 4xx problem that changed nothing, or a documented success; never a 5xx.
    static func judge(_ p: Probe, _ reply: TestClient.Reply, before: [Int], after: [Int]) -> String? {
        let status = reply.status
        if (400..<500).contains(status) {
            // Prometheus' own routes answer in Prometheus' error shape (promtool and Grafana parse it), the rest problem JSON.
            if Problem.isPrometheusAPI(String(p.path.prefix { $0 != "?" })) {
                guard reply.header("Content-Type") == "application/json", reply.json["status"] as? String == "error",
                      reply.json["errorType"] is String, (reply.json["error"] as? String)?.isEmpty == false else {
                    return "\(p.name): \(status) without a Prometheus error body: \(reply.text.prefix(200))"
                }
            } else {
                guard reply.header("Content-Type") == "application/problem+json" else { return "\(p.name): \(status) without a problem body" }
            }
            guard before == after else { return "\(p.name): refused with \(status) but the store changed \(before) → \(after)" }
            return nil
        }
        if p.success.contains(status) { return nil }
        return "\(p.name): \(status) \(reply.text.prefix(300))"
    }

    @Test func badInputCorpusGetsProblemsAndChangesNothing() async throws {
        try await withTestStore { store, path in
            try await withTestServer(config: Self.quietConfig(path), store: store) { client in
                let nowMs = WallClock.nowMs()
                try await Self.seed(client, nowMs: nowMs)
                let probes = RequestCorpus.probes(nowMs: nowMs)
                #expect(probes.count >= 500, "the corpus has \(probes.count) cases")
                var failures: [String] = []
                for p in probes {
                    let before = try Self.fingerprint(store)
                    let reply = try await client.request(p.method, p.path, headers: p.headers, body: p.body, timeout: 60)
                    if let f = Self.judge(p, reply, before: before, after: try Self.fingerprint(store)) { failures.append(f) }
                }
                #expect(try await client.get("/healthz").status == 200)
                #expect(failures.isEmpty, "\(failures.count) of \(probes.count):\n\(failures.prefix(40).joined(separator: "\n"))")
                print("hardening corpus: \(probes.count) cases, \(failures.count) failures")
            }
        }
    }

    /// Seeded, bounded in count and time: mutations of valid bodies and of valid query strings.
    @Test func seededMutationFuzzerNeverGets5xx() async throws {
        try await withTestStore { store, path in
            try await withTestServer(config: Self.quietConfig(path), store: store) { client in
                let nowMs = WallClock.nowMs()
                try await Self.seed(client, nowMs: nowMs)
                let bodies = RequestCorpus.validBodies(nowMs: nowMs)
                let queries = ["/api/v1/query_range?query=up%7Bjob%3D~%22j.%2A%22%7D&start=\(nowMs / 1000 - 3600)&end=\(nowMs / 1000)&step=60",
                               "/api/v1/query?query=up&time=\(nowMs / 1000)", "/api/v1/series?match%5B%5D=up&start=\(nowMs / 1000 - 600)",
                               "/api/v1/forecast?query=fuzz_up&horizon=12&step=5m", "/api/v1/logs?search=user&limit=5", "/api/v1/logs/templates",
                               "/api/v1/label/job/values", "/api/v1/events?start=\(nowMs / 1000 - 3600)"]
                var rng = SplitMix64(seed: 2026)
                let deadline = ContinuousClock.now + .seconds(240)
                var sent = 0, failures: [String] = []
                while sent < 3_000 && ContinuousClock.now < deadline {
                    sent += 1
                    let reply: TestClient.Reply
                    let name: String
                    if rng.next() % 3 == 0 {
                        let q = queries[Int(rng.next() % UInt64(queries.count))]
                        let mutated = Self.urlSafe(Mutation.apply(Array(q.utf8), &rng))
                        name = "GET \(mutated.prefix(200))"
                        reply = try await client.request("GET", mutated, timeout: 60)
                    } else {
                        let v = bodies[Int(rng.next() % UInt64(bodies.count))]
                        name = "POST \(v.name) #\(sent)"
                        reply = try await client.request("POST", v.path, headers: v.headers, body: Mutation.apply(v.body, &rng), timeout: 60)
                    }
                    if reply.status >= 500 { failures.append("\(name): \(reply.status) \(reply.text.prefix(200))") }
                    if sent % 500 == 0 { #expect(try await client.get("/healthz").status == 200) }
                }
                #expect(try await client.get("/healthz").status == 200)
                #expect(sent >= 1_000, "only \(sent) requests in the time bound")
                #expect(failures.isEmpty, "\(failures.prefix(20).joined(separator: "\n"))")
                print("mutation fuzzer: \(sent) requests, \(failures.count) 5xx")
            }
        }
    }

    /// A mutated path and query made sendable: bytes outside a URL's characters percent-encoded.
    static func urlSafe(_ bytes: [UInt8]) -> String {
        var out = ""
        for b in bytes {
            let c = Character(UnicodeScalar(b))
            if b < 128, c.isLetter || c.isNumber || "-._~/?&=%".contains(c) { out.append(c) } else { out += String(format: "%%%02X", b) }
        }
        if !out.hasPrefix("/") { out = "/" + out }
        return out
    }

    /// Every registered route, in its own spelling and in the spellings the router used to accept, with
    /// no token and with the read, write and admin tokens: only the route's own scope gets through, and
    /// no refused request changes the store.
    @Test func everyRouteTakesOnlyItsScopesTokens() async throws {
        try await withTestStore { store, path in
            var config = Self.quietConfig(path)
            config.server.readToken = "read-token"
            config.server.writeToken = "write-token"
            config.server.adminToken = "admin-token"
            let routes = RouteList()
            try await withTestServer(config: config, store: store, routes: routes) { client in
                let entries = routes.all
                #expect(entries.count >= 45, "\(entries.count) routes")
                let credentials: [(String, String?)] = [("none", nil), ("read", "read-token"), ("write", "write-token"), ("admin", "admin-token")]
                var failures: [String] = []
                for e in entries {
                    let path = e.path.replacingOccurrences(of: ":id", with: "1").replacingOccurrences(of: "{name}", with: "job")
                        .replacingOccurrences(of: ":namespace", with: "shop").replacingOccurrences(of: ":workload", with: "frontend")
                    let segments = path.split(separator: "/")
                    let variants = [path + "/", "/" + path, "/" + segments[0] + "//" + segments.dropFirst().joined(separator: "/"), path.replacingOccurrences(of: "/", with: "//")]
                    for (who, token) in credentials {
                        var headers = ["Content-Type": "application/json"]
                        if let token { headers["Authorization"] = "Bearer \(token)" }
                        let body: [UInt8]? = e.method == "POST" ? Array("{}".utf8) : nil
                        for v in variants {
                            let before = try Self.fingerprint(store)
                            let r = try await client.request(e.method, v, headers: headers, body: body, timeout: 60)
                            if r.status != 404 { failures.append("\(e.method) \(v) as \(who): \(r.status), want 404") }
                            if try Self.fingerprint(store) != before { failures.append("\(e.method) \(v) as \(who) changed the store") }
                        }
                        let allowed: Bool
                        switch e.scope {
                        case .open: allowed = true
                        case .read: allowed = who == "read" || who == "admin"
                        case .write: allowed = who == "write" || who == "admin"
                        case .admin: allowed = who == "admin"
                        }
                        let before = try Self.fingerprint(store)
                        let r = try await client.request(e.method, path, headers: headers, body: body, timeout: 120)
                        let refused = r.status == 401 || r.status == 403
                        // The login refuses a body without a valid token: that 401 is its answer, not a scope.
                        if refused == allowed && e.path != "/login" { failures.append("\(e.method) \(path) (\(e.scope)) as \(who): \(r.status)") }
                        if refused, try Self.fingerprint(store) != before { failures.append("\(e.method) \(path) as \(who) was refused but changed the store") }
                        if r.status >= 500 { failures.append("\(e.method) \(path) as \(who): \(r.status) \(r.text.prefix(200))") }
                    }
                }
                #expect(failures.isEmpty, "\(failures.prefix(40).joined(separator: "\n"))")
            }
        }
    }

    /// Browsers: a cross-site form cannot write, a rebound host name gets nothing, pages cannot be framed,
    /// and with tokens set a login gives the pages a session whose forms carry a CSRF token.
    @Test func browsersCannotDriveAugurAndPagesWorkAfterLogin() async throws {
        try await withTestStore { store, path in
            try await withTestServer(config: Self.quietConfig(path), store: store) { client in
                let form = Array("up 1\n".utf8)
                let crossSite = try await client.post("/api/v1/import/prometheus", form, headers: ["Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site", "Origin": "https://attacker.example"])
                #expect(crossSite.status == 403)
                let origin = try await client.post("/api/v1/incidents", Array("{\"service\":\"cart\"}".utf8), headers: ["Content-Type": "application/json", "Origin": "https://attacker.example"])
                #expect(origin.status == 403)
                let sameOrigin = try await client.post("/api/v1/import/prometheus", form, headers: ["Origin": client.base, "Sec-Fetch-Site": "same-origin"])
                #expect(sameOrigin.status == 200)
                let rebound = try await client.get("/api/v1/query?query=up", headers: ["Host": "attacker.example"])
                #expect(rebound.status == 421)
                #expect(try Self.fingerprint(store)[1] == 1)
                let page = try await client.get("/incidents")
                #expect(page.header("X-Frame-Options") == "DENY")
                #expect(page.header("Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
                #expect(page.header("X-Content-Type-Options") == "nosniff")
                #expect(page.header("Referrer-Policy") == "no-referrer")
            }
            var config = Self.quietConfig(path)
            config.server.readToken = "r-token"
            config.server.writeToken = "w-token"
            try await withTestServer(config: config, store: store) { client in
                let incident = try await client.post("/api/v1/incidents", Array("{\"service\":\"cart\",\"description\":\"slow\"}".utf8),
                                                     headers: ["Content-Type": "application/json", "Authorization": "Bearer w-token"])
                #expect(incident.status == 201)
                #expect(try await client.get("/incidents/1").status == 401)
                #expect(try await client.post("/login", Array("token=nope".utf8), headers: ["Content-Type": "application/x-www-form-urlencoded"]).status == 401)
                let login = try await client.request("POST", "/login?next=/incidents/1", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                     body: Array("token=w-token".utf8), followRedirects: false)
                #expect(login.status == 303 && login.header("Location") == "/incidents/1")
                let cookie = login.header("Set-Cookie") ?? ""
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
                let session = String(cookie.split(separator: ";").first ?? "")
                let page = try await client.get("/incidents/1", headers: ["Cookie": session])
                #expect(page.status == 200)
                guard let action = page.text.range(of: "action=\"/incidents/1/feedback?csrf=") else {
                    Issue.record("the page's form carries no csrf token")
                    return
                }
                let token = page.text[action.upperBound...].prefix { $0 != "\"" }
                let noToken = try await client.post("/incidents/1/feedback", Array("cause=cart".utf8), headers: ["Cookie": session, "Content-Type": "application/x-www-form-urlencoded"])
                #expect(noToken.status == 403)
                let posted = try await client.request("POST", "/incidents/1/feedback?csrf=\(token)", headers: ["Cookie": session, "Content-Type": "application/x-www-form-urlencoded", "Origin": client.base],
                                                      body: Array("cause=cart".utf8), followRedirects: false)
                #expect(posted.status == 303)
                #expect(try store.incidents().first?.confirmedCause == "cart")
                let away = try await client.request("POST", "/login?next=//attacker.example", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                    body: Array("token=r-token".utf8), followRedirects: false)
                #expect(away.header("Location") == "/incidents")
            }
        }
    }

    /// One sample from a client with a bad clock: refused at ingest, and retention counts from the
    /// server's clock, so a sample dated 2100 already in a store does not age out the rest.
    @Test func aFarFutureSampleNeitherEntersNorWipesTheStore() async throws {
        try await withTestStore { store, path in
            try await withTestServer(config: Self.quietConfig(path), store: store) { client in
                let nowMs = WallClock.nowMs()
                try await Self.seed(client, nowMs: nowMs)
                let future = try await client.post("/api/v1/import/prometheus", Array("up{job=\"bad-clock\"} 1 4102444800000\n".utf8))
                #expect(future.status == 400 && future.json["type"] as? String == "https://augur.dev/problems/out-of-window")
                let soon = try await client.post("/api/v1/import/prometheus", Array("up{job=\"skewed\"} 1 \(nowMs + 60_000)\n".utf8))
                #expect(soon.status == 200)
            }
            let samples = store.stats().samples
            var batch = AppendBatch()
            batch.newSeries = [Labels(name: "up", ["job": "bad-clock"])]
            batch.add(-1, 4_102_444_800_000, 1)
            try store.append(batch)
            try store.compact(force: true)
            #expect(try store.applyRetention(retentionMs: 86_400_000 * 2) == 0)
            #expect(store.stats().samples == samples + 1)
        }
    }

    /// A head-log sample near Int64.min (written by a build that did not check) crashed compaction at
    /// every start; now it is skipped when the store opens.
    @Test func aHeadLogSampleNearInt64MinDoesNotCrashStart() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/augur.sqlite"
            do {
                let store = try Store(path: path)
                var batch = AppendBatch()
                batch.newSeries = [Labels(name: "up", ["job": "min"])]
                batch.add(-1, .min + 5, 1)
                batch.add(-1, 1_700_000_000_000, 2)
                try store.append(batch)
            }
            let reopened = try Store(path: path)
            try reopened.compact()
            try reopened.compact(force: true)
            #expect(try reopened.select(try Selector(parsing: "up"), startMs: .min, endMs: .max).first?.samples == [Sample(1_700_000_000_000, 2)])
        }
    }

    /// A selector regex that backtracks exponentially elsewhere answers at once and does not hold up a write.
    @Test func aBacktrackingRegexNeitherHangsQueriesNorIngest() async throws {
        try await withTestStore { store, path in
            try await withTestServer(config: Self.quietConfig(path), store: store) { client in
                let value = String(repeating: "a", count: 2000) + "!"
                #expect(try await client.post("/api/v1/import/prometheus", Array("up{v=\"\(value)\"} 1\n".utf8)).status == 200)
                async let query = client.get("/api/v1/series?match%5B%5D=\(q("{v=~\"(a+)+\"}"))")
                async let write = client.post("/api/v1/import/prometheus", Array("up{v=\"b\"} 1\n".utf8))
                let (r, w) = try await (query, write)
                #expect(r.status == 200 && (r.json["data"] as? [Any])?.isEmpty == true)
                #expect(w.status == 200)
            }
        }
    }

    /// Past `limits.query_timeout` a query stops with a 503 and Retry-After; limits name their key.
    @Test func queriesStopAtTheirTimeoutAndLimitsNameTheirKey() async throws {
        try await withTestStore { store, path in
            var config = Self.quietConfig(path)
            config.limits.queryTimeout = ConfigDuration(ms: 1)
            config.limits.maxSeriesPerWrite = 100
            try await withTestServer(config: config, store: store) { client in
                let nowMs = WallClock.nowMs()
                let many = (0..<100).map { k in syntheticSeries(Labels(name: "many", ["k": "\(k)"]), startMs: nowMs - 86_400_000, count: 1440, stepMs: 60_000) }
                #expect(try await client.post("/api/v1/write", Snappy.compress(RemoteWriteEncoder.encode(many)), headers: RequestCorpusHeaders.remoteWrite).status == 204)
                let slow = try await client.get("/api/v1/query_range?query=many&start=\(nowMs / 1000 - 86_400)&end=\(nowMs / 1000)&step=60")
                #expect(slow.status == 503)
                #expect(slow.header("Retry-After") != nil && slow.json["errorType"] as? String == "timeout")
                #expect((slow.json["error"] as? String)?.contains("limits.query_timeout") == true)
                // An analysis that does not check the budget still answers at its timeout, not when it ends.
                let rca = try await client.post("/api/v1/rca", Array("{\"time\":\"\(nowMs / 1000 - 3600)\"}".utf8), headers: ["Content-Type": "application/json"])
                #expect(rca.status == 503 && rca.json["type"] as? String == "https://augur.dev/problems/query-timeout", "\(rca.status) \(rca.text.prefix(200))")
                let tooMany = (0..<101).map { k in Series(labels: Labels(name: "wide", ["k": "\(k)"]), samples: [Sample(nowMs, 1)]) }
                let refused = try await client.post("/api/v1/write", Snappy.compress(RemoteWriteEncoder.encode(tooMany)), headers: RequestCorpusHeaders.remoteWrite)
                #expect(refused.status == 422 && refused.json["limit"] as? String == "max_series_per_write")
            }
        }
        let budget = QueryBudget({ var l = AugurConfig.Limits(); l.maxSamplesPerQuery = 10; return l }())
        #expect(throws: QueryError.self) { try budget.take(samples: 11) }
    }

    /// No client number becomes an Int64 or Int time outside `TimeParsing`: a conversion of a Double
    /// to an integer in the sources must go through a checked helper (or be on the list below, with why).
    @Test func noUncheckedDoubleToIntegerConversionOfClientInput() throws {
        let pattern = try Regex(#"\bInt(64)?\((?!exactly:|clamping:|truncatingIfNeeded:|bitPattern:|saturating:)[^()]*(\([^()]*\)[^()]*)*(rounded|\* ?1e|\* ?1000|/ ?1000|seconds|Double\(|timeInterval)"#)
        // Internal numbers that are bounded before they are converted; client input never reaches them unchecked.
        let allowed = ["TimeParsing.swift", "lstm_cell", "DemoSystem.swift"]  // (the benchmarks are outside Sources)
        var found: [String] = []
        let root = repositoryRoot + "/Sources"
        for file in FileManager.default.enumerator(atPath: root)!.compactMap({ $0 as? String }) where file.hasSuffix(".swift") {
            guard !allowed.contains(where: { file.contains($0) }) else { continue }
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.contains(pattern) {
                found.append("\(file):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(found.isEmpty, "unchecked conversions:\n\(found.joined(separator: "\n"))")
    }
}

enum RequestCorpusHeaders {
    static let remoteWrite = ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"]
}
