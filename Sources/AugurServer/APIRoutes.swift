import AugurApp
import AugurCore
import AugurIngest
import AugurPromQL
import AugurStore
import Foundation
import Hummingbird

/// The HTTP API: health, ingest, Prometheus-compatible queries, the graph and Augur's own metrics.
struct APIRoutes: Sendable {
    let ingestor: Ingestor
    let metrics: ServerMetrics
    let config: AugurConfig.Server
    let limits: AugurConfig.Limits
    let savedForecasts: SavedForecasts

    init(ingestor: Ingestor, metrics: ServerMetrics, config: AugurConfig.Server, limits: AugurConfig.Limits) {
        self.ingestor = ingestor
        self.metrics = metrics
        self.config = config
        self.limits = limits
        savedForecasts = SavedForecasts(store: ingestor.store)
    }

    var store: Store { ingestor.store }

    /// Raw series for a selector: stored ones, or the saved models' `augur_forecast` series.
    private func raw(_ sel: Selector, startMs: Int64, endMs: Int64, budget: QueryBudget) throws -> [Series] {
        guard sel.metricName == SavedForecasts.metricName else { return try store.select(sel, startMs: startMs, endMs: endMs, budget: budget) }
        return try savedForecasts.series(matching: sel).compactMap { s in
            let kept = s.samples.filter { $0.timestampMs >= startMs && $0.timestampMs <= endMs }
            return kept.isEmpty ? nil : Series(labels: s.labels, samples: kept)
        }
    }

    func register(on router: ScopedRouter) {
        router.get("/healthz", .open) { _, _ in "ok\n" }
        router.get("/readyz", .open) { _, _ in
            await WorkLane.store.run { [store] in
                _ = store.stats()
                // Still ready: queries are served. Writes get 507 until space frees.
                return store.diskFull ? "ready: degraded, the disk is full (writes refused, reads served)\n" : "ready\n"
            }
        }
        router.get("/metrics", .read) { _, _ in
            text(await WorkLane.store.run { [metrics, ingestor] in metrics.render(ingestor: ingestor) }, contentType: "text/plain; version=0.0.4; charset=utf-8")
        }

        router.post("/api/v1/write", .write) { request, _ in try await remoteWrite(request) }
        router.post("/api/v1/import/prometheus", .write) { request, _ in
            let body = try await collect(request)
            return try await WorkLane.store.run { [self] in
                let series = try ExpositionParser.parse(body, defaultTimestampMs: WallClock.nowMs())
                let written = try ingestor.write(series)
                try store.writeMetadata(ExpositionParser.metadata(body))
                return summary(written, series.count)
            }
        }
        router.post("/api/v1/import/json", .write) { request, _ in
            let body = try await collect(request)
            return try await WorkLane.store.run { [self] in
                let series = try JSONLinesParser.parse(body)
                return try summary(ingestor.write(series), series.count)
            }
        }

        for method in [HTTPRequest.Method.get, .post] {
            router.on("/api/v1/series", method: method, .read) { request, _ in try await seriesRoute(request) }
            router.on("/api/v1/query_range", method: method, .read) { request, _ in try await queryRange(request) }
            router.on("/api/v1/query", method: method, .read) { request, _ in try await queryInstant(request) }
            router.on("/api/v1/labels", method: method, .read) { request, _ in try await labelNames(request) }
        }
        router.get("/api/v1/label/{name}/values", .read) { request, context in
            let name = context.parameters.get("name") ?? ""
            let p = try await parameters(request)
            var sels = try selected(p)
            if sels.isEmpty { sels = [try Selector(parsing: "{__name__=~\".+\"}")] }
            let budget = QueryBudget(limits)
            let values = try await WorkLane.store.run(within: budget) { [store, sels] in
                let found = store.series(matching: sels)
                try budget.take(series: found.count)
                return Set(found.compactMap { $0[name] }).sorted()
            }
            return json(PrometheusJSON.success("[" + values.map(PrometheusJSON.string).joined(separator: ",") + "]"))
        }
        // Grafana reads the version to pick the PromQL features it offers (2.42's: @, negative offsets).
        router.get("/api/v1/status/buildinfo", .read) { _, _ in
            json(PrometheusJSON.success("{\"version\":\"2.42.0\",\"revision\":\"augur-\(AugurVersion.current)\",\"branch\":\"\",\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"\",\"application\":\"augur\"}"))
        }
        router.get("/-/healthy", .open) { _, _ in "Augur is Healthy.\n" }
        router.get("/-/ready", .open) { _, _ in "Augur is Ready.\n" }
        router.get("/api/v1/metadata", .read) { request, _ in
            let p = try await parameters(request)
            let metric = p["metric"]?.last ?? ""
            let limit = try p["limit"]?.last.map { text throws in
                guard let n = Int(text) else { throw QueryError(.badParameter, "limit=\"\(text.prefix(40))\" is not an integer") }
                return n
            } ?? -1
            let all = try await WorkLane.store.run { [store] in try store.metadata() }
            var families: [String] = []
            for m in all where (metric.isEmpty || m.name == metric) && (limit < 0 || families.count < limit) {
                families.append("\(PrometheusJSON.string(m.name)):[{\"type\":\(PrometheusJSON.string(m.type.rawValue)),\"help\":\(PrometheusJSON.string(m.help)),\"unit\":\(PrometheusJSON.string(m.unit))}]")
            }
            return json(PrometheusJSON.success("{" + families.joined(separator: ",") + "}"))
        }
        for method in [HTTPRequest.Method.get, .post] {
            // Augur keeps no exemplars; the query is still checked, as Prometheus checks it.
            router.on("/api/v1/query_exemplars", method: method, .read) { request, _ in
                _ = try expression(try await parameters(request))
                return json(PrometheusJSON.success("[]"))
            }
        }
        router.get("/api/v1/graph", .read) { request, _ in
            let edges = try await WorkLane.store.run { [store] in try store.edges() }
            if request.uri.queryParameters.get("format") == "dot" {
                var dot = "digraph services {\n"
                for e in edges { dot += "  \(PrometheusJSON.string(e.source)) -> \(PrometheusJSON.string(e.target)) [weight=\(e.weight), origin=\(PrometheusJSON.string(e.origin))];\n" }
                return text(dot + "}\n", contentType: "text/vnd.graphviz")
            }
            let body = edges.map { "{\"source\":\(PrometheusJSON.string($0.source)),\"target\":\(PrometheusJSON.string($0.target)),\"weight\":\($0.weight),\"origin\":\(PrometheusJSON.string($0.origin))}" }
            return json("{\"edges\":[" + body.joined(separator: ",") + "]}")
        }
    }

    // MARK: Ingest

    private func remoteWrite(_ request: Request) async throws -> Response {
        let encoding = request.headers[.contentEncoding]?.lowercased() ?? ""
        guard encoding == "snappy" else {
            throw IngestError(.unsupported, format: "remote-write", "Content-Encoding must be snappy (got \"\(encoding)\")", field: "Content-Encoding")
        }
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/x-protobuf") {
            throw IngestError(.unsupported, format: "remote-write", "Content-Type must be application/x-protobuf (got \"\(type)\")", field: "Content-Type")
        }
        let body = try await collect(request)
        try await WorkLane.store.run { [ingestor, limits] in
            let decoded = try body.withUnsafeBytes { try Snappy.decompress($0, limit: limits.maxDecompressedBytes) }
            try ingestor.writeRemote(decoded)
        }
        return Response(status: .noContent)
    }

    private func summary(_ samples: Int, _ series: Int) -> Response {
        json("{\"series\":\(series),\"samples\":\(samples)}")
    }

    private func collect(_ request: Request) async throws -> [UInt8] { try await collectBody(request, config: config) }

    // MARK: Queries

    /// Query-string and form-encoded body parameters together, decoded as Go's `url.ParseQuery`
    /// decodes them for Prometheus (`+` is a space, `%XX` a byte).
    private func parameters(_ request: Request) async throws -> [String: [String]] {
        var out = try FormBody.decode(request.uri.query ?? "")
        if request.method == .post, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            out.merge(try FormBody.decode(String(decoding: try await collect(request), as: UTF8.self))) { $0 + $1 }
        }
        return out
    }

    private func selected(_ p: [String: [String]]) throws -> [Selector] {
        let texts = p["match[]"] ?? []
        return try texts.map { (t) throws(QueryError) in try Selector(parsing: t) }
    }

    private func time(_ p: [String: [String]], _ name: String, default value: Int64?) throws -> Int64 {
        guard let text = p[name]?.last, !text.isEmpty else {
            guard let value else { throw QueryError(.badParameter, "parameter \(name) is required") }
            return value
        }
        guard let ms = TimeParsing.timestampMs(text) else {
            throw QueryError(.badParameter, "\(name)=\"\(text.prefix(100))\" is not a time (\(TimeParsing.rangeText))")
        }
        return ms
    }

    private func expression(_ p: [String: [String]]) throws -> Expr {
        guard let q = p["query"]?.last, !q.isEmpty else { throw QueryError(.badParameter, "parameter query is required") }
        return try Parser.parse(q)
    }

    private func seriesRoute(_ request: Request) async throws -> Response {
        let p = try await parameters(request)
        let budget = QueryBudget(limits)
        return try await WorkLane.store.run(within: budget) { [self] in try series(p, budget) }
    }

    private func series(_ p: [String: [String]], _ budget: QueryBudget) throws -> Response {
        let sels = try selected(p)
        guard !sels.isEmpty else { throw QueryError(.badParameter, "at least one match[] selector is required") }
        let start = try time(p, "start", default: .min), end = try time(p, "end", default: .max)
        var found = store.series(matching: sels, startMs: start, endMs: end)
        for sel in sels where sel.metricName == SavedForecasts.metricName {
            found += try raw(sel, startMs: start, endMs: end, budget: budget).map(\.labels)
        }
        try budget.take(series: found.count)
        return json(PrometheusJSON.success("[" + found.map(PrometheusJSON.labels).joined(separator: ",") + "]"))
    }

    private func labelNames(_ request: Request) async throws -> Response {
        let p = try await parameters(request)
        var sels = try selected(p)
        if sels.isEmpty { sels = [try Selector(parsing: "{__name__=~\".+\"}")] }
        let budget = QueryBudget(limits)
        let names = try await WorkLane.store.run(within: budget) { [store, sels] in
            let found = store.series(matching: sels)
            try budget.take(series: found.count)
            return Set(found.flatMap { $0.pairs.map(\.name) }).sorted()
        }
        return json(PrometheusJSON.success("[" + names.map(PrometheusJSON.string).joined(separator: ",") + "]"))
    }

    private func queryRange(_ request: Request) async throws -> Response {
        let p = try await parameters(request)
        let budget = QueryBudget(limits)
        return try await WorkLane.store.run(within: budget) { [self] in try range(p, budget) }
    }

    private func range(_ p: [String: [String]], _ budget: QueryBudget) throws -> Response {
        let expr = try expression(p)
        let start = try time(p, "start", default: nil), end = try time(p, "end", default: nil)
        guard let stepText = p["step"]?.last, let step = TimeParsing.durationMs(stepText), step > 0 else {
            throw QueryError(.badParameter, "parameter step is required: a positive duration (15s) or seconds (15), at most \(TimeParsing.longestDurationMs / 1000) s")
        }
        try Store.checkRange(startMs: start, endMs: end, stepMs: step, maxPoints: limits.maxPointsPerSeries)
        let result = try Evaluator.range(expr, startMs: start, endMs: end, stepMs: step, budget: budget) { [self] sel, lo, hi in
            try raw(sel, startMs: lo, endMs: hi, budget: budget)
        }
        var out: [UInt8] = []
        out.reserveCapacity(64 + result.reduce(0) { $0 + 200 + $1.samples.count * 24 })
        out.append(contentsOf: "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[".utf8)
        PrometheusJSON.appendMatrix(&out, result)
        out.append(contentsOf: "]}}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: out)))
    }

    private func queryInstant(_ request: Request) async throws -> Response {
        let p = try await parameters(request)
        let budget = QueryBudget(limits)
        return try await WorkLane.store.run(within: budget) { [self] in try instant(p, budget) }
    }

    private func instant(_ p: [String: [String]], _ budget: QueryBudget) throws -> Response {
        let expr = try expression(p)
        let at = try time(p, "time", default: WallClock.nowMs())
        let result = try Evaluator.instant(expr, at: at, budget: budget) { [self] sel, lo, hi in
            try raw(sel, startMs: lo, endMs: hi, budget: budget)
        }
        let data: String
        switch result {
        case .scalar(let t, let v): data = "{\"resultType\":\"scalar\",\"result\":\(PrometheusJSON.point(t, v))}"
        case .string(let t, let s): data = "{\"resultType\":\"string\",\"result\":[\(PrometheusJSON.time(t)),\(PrometheusJSON.string(s))]}"
        case .vector(let v):
            let items = v.map { "{\"metric\":\(PrometheusJSON.labels($0.labels)),\"value\":\(PrometheusJSON.point($0.timestampMs, $0.value))}" }
            data = "{\"resultType\":\"vector\",\"result\":[" + items.joined(separator: ",") + "]}"
        case .matrix(let m):
            var out: [UInt8] = []
            PrometheusJSON.appendMatrix(&out, m)
            data = "{\"resultType\":\"matrix\",\"result\":[" + String(decoding: out, as: UTF8.self) + "]}"
        }
        return json(PrometheusJSON.success(data))
    }
}

func json(_ body: String) -> Response {
    text(body, contentType: "application/json")
}

func text(_ body: String, contentType: String) -> Response {
    Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
}

/// The whole body, refused past `max_body_bytes` (413) or when it is slower than the request timeout.
func collectBody(_ request: Request, config: AugurConfig.Server) async throws -> [UInt8] {
    let limit = config.maxBodyBytes
    if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
        throw HTTPError(.contentTooLarge, message: "body of \(length) bytes is over the limit of \(limit)")
    }
    let body = request.body
    let timeout = config.requestTimeout
    let buffer = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
        group.addTask { try await body.collect(upTo: limit) }
        group.addTask {
            try await Task.sleep(for: timeout.duration)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let buffer = first else {
            throw RequestError(.timeout, "the body did not arrive within \(timeout)")
        }
        return buffer
    }
    return Array(buffer.readableBytesView)
}
