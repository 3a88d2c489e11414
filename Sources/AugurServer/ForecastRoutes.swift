import AugurApp
import AugurCore
import AugurNumerics
import AugurForecast
import AugurStore
import Foundation
import Hummingbird

/// `GET /api/v1/forecast` (series from the store) and `POST /api/v1/forecast` (a series in the body).
struct ForecastRoutes: Sendable {
    let store: Store
    let maxBodyBytes: Int
    /// Configured calendar events (the API's are read from the store on each request).
    let calendar: [AugurConfig.Forecasting.Event]
    /// Whether detected incidents are cut from each history (the `detect_incidents` parameter overrides it).
    let detectIncidents: Bool
    let limits: AugurConfig.Limits
    /// At most this many series per GET; each is fitted with every candidate model.
    static let maxSeries = 200
    static let maxHorizon = 10_000

    func register(on router: ScopedRouter) {
        router.get("/api/v1/forecast", .read) { request, _ in try await WorkLane.compute.run { try get(request) } }
        router.post("/api/v1/forecast", .read) { request, _ in try await post(request) }
    }

    private func get(_ request: Request) throws -> Response {
        let p = request.uri.queryParameters
        guard let q = p.get("query"), !q.isEmpty else { throw QueryError(.badParameter, "parameter query is required") }
        let selector = try Selector(parsing: q)
        let horizonText = p.get("horizon") ?? ""
        guard Int(horizonText) != nil || TimeParsing.durationMs(horizonText) != nil else {
            throw QueryError(.badParameter, "horizon is required: steps (48) or a duration (12h)")
        }
        let model = try Self.model(p.get("model"))
        let levels = try Self.levels(p.get("level"))
        /// A parameter parsed by `parse`, or nil when absent; a value that does not parse is a 400.
        func parameter(_ name: String, _ what: String, _ parse: (String) -> Int64?) throws -> Int64? {
            guard let text = p.get(name) else { return nil }
            guard let v = parse(text), v > 0 else { throw QueryError(.badParameter, "\(name)=\(text) is not \(what)") }
            return v
        }
        let historyMs = try parameter("history", "a duration", TimeParsing.durationMs) ?? 28 * 86_400_000
        let stepMs = try parameter("step", "a duration", TimeParsing.durationMs)
        let endMs = try parameter("time", "a time") { TimeParsing.timestampMs($0) } ?? store.stats().newestTs ?? WallClock.nowMs()
        let raw = try store.select(selector, startMs: endMs - historyMs, endMs: endMs)
        guard raw.count <= Self.maxSeries else {
            throw QueryError(.badParameter, "\(raw.count) series match; forecast at most \(Self.maxSeries) per request (narrow the selector)")
        }
        let detect: Bool
        switch p.get("detect_incidents") {
        case nil: detect = detectIncidents
        case "true": detect = true
        case "false": detect = false
        case let text?: throw QueryError(.badParameter, "detect_incidents=\(text) is not true or false")
        }
        // Excluded windows are cut from the history; learned event effects scale the forecast.
        let preparation = ForecastPreparation(events: try ForecastPreparation.calendar(configured: calendar, store: store).map(\.event),
                                              detectIncidents: detect, periods: Self.periods(p.get("season")))
        let prepared = try raw.map { (s) throws(ForecastError) in try preparation.prepare(s, stepMs: stepMs, maxPoints: limits.maxRegularPoints) }
        var engine = ForecastEngine()
        var items: [String] = []
        // Series that share a step and horizon share one global model.
        let horizons = try prepared.map { try Self.horizonSteps(horizonText, stepMs: $0.regular.stepMs) }
        if prepared.count >= 2, Set(horizons).count == 1, Set(prepared.map(\.regular.stepMs)).count == 1, model == nil || model == .global || model == .ensemble {
            let h = horizons[0], m = prepared[0].period
            engine = (try? engine.withGlobalModels(prepared.map(\.regular.values), horizon: h, inputLengths: [2 * h, 7 * m, 14 * m].filter { $0 >= h && $0 <= 1024 })) ?? engine
        }
        for (k, (series, prep)) in zip(raw, prepared).enumerated() {
            let r = prep.regular, adjustment = prep.adjustment
            let result = try engine.forecast(prep.values, horizon: horizons[k], period: prep.period, extraPeriods: prep.extraPeriods, model: model, levels: levels)
            var effects = ""
            if !adjustment.effects.isEmpty {
                effects = ",\"event_effects\":{" + adjustment.effects.sorted { $0.key < $1.key }.map { "\(JSONText.string($0.key)):\($0.value)" }.joined(separator: ",") + "}"
            }
            if !adjustment.detected.isEmpty {
                effects += ",\"excluded_incidents\":[" + adjustment.detected.map { "{\"start\":\(Double($0.startMs) / 1000),\"end\":\(Double($0.endMs) / 1000)}" }.joined(separator: ",") + "]"
            }
            items.append("{\"metric\":\(JSONText.object(series.labels)),\(Self.body(result.applying(adjustment, after: r), startMs: r.endMs, stepMs: r.stepMs))\(effects)}")
        }
        return json(PrometheusJSON.success("[" + items.joined(separator: ",") + "]"))
    }

    struct PostBody: Decodable {
        let values: [Double]
        let timestamps: [Double]?
        let horizon: Int
        let season: [Int]?
        let model: String?
        let level: [Double]?
    }

    private func post(_ request: Request) async throws -> Response {
        let bytes = try await request.body.collect(upTo: maxBodyBytes)
        let body: PostBody
        do {
            body = try JSONDecoder().decode(PostBody.self, from: Data(bytes.readableBytesView))
        } catch {
            throw QueryError(.badParameter, "body must be JSON {\"values\":[…],\"horizon\":N, optional \"timestamps\", \"season\", \"model\", \"level\"}")
        }
        guard (1...Self.maxHorizon).contains(body.horizon) else { throw QueryError(.badParameter, "horizon must be 1…\(Self.maxHorizon)") }
        let model = try Self.model(body.model)
        let levels = try Self.levels(body.level.map { $0.map { String($0) }.joined(separator: ",") })
        var r = Regularize.Regular(startMs: 0, stepMs: 1, values: body.values)
        if let ts = body.timestamps {
            guard ts.count == body.values.count else { throw QueryError(.badParameter, "\(ts.count) timestamps for \(body.values.count) values") }
            let samples = try zip(ts, body.values).enumerated().map { (k, pair) throws(QueryError) in
                guard let ms = TimeParsing.unixToMs(pair.0) else { throw QueryError(.badParameter, "timestamps[\(k)] = \(pair.0) is not a Unix time (\(TimeParsing.rangeText))") }
                return Sample(ms, pair.1)
            }
            r = try Regularize.regular(samples, maxPoints: limits.maxRegularPoints)
        }
        let prep = ForecastPreparation(periods: body.season ?? []).prepare(r)
        let result = try await WorkLane.compute.run {
            try ForecastEngine().forecast(prep.values, horizon: body.horizon, period: prep.period, extraPeriods: prep.extraPeriods, model: model, levels: levels)
        }
        return json("{" + Self.body(result, startMs: r.endMs, stepMs: r.stepMs) + "}")
    }

    static func model(_ text: String?) throws -> ModelKind? {
        guard let text, text != "auto", !text.isEmpty else { return nil }
        guard let kind = ModelKind(rawValue: text) else {
            throw QueryError(.badParameter, "model=\(text): one of auto, \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }

    /// `80,95` → [0.8, 0.95].
    static func levels(_ text: String?) throws -> [Double] {
        guard let text, !text.isEmpty else { return [0.8, 0.95] }
        return try text.split(separator: ",").map { part in
            guard let v = Double(part.trimmingCharacters(in: .whitespaces)), v > 0, v < 100 else {
                throw QueryError(.badParameter, "level=\(text): percentages between 0 and 100, e.g. 80,95")
            }
            return v / 100
        }
    }

    /// A horizon in steps (`48`) or as a duration (`12h`) divided by the step.
    static func horizonSteps(_ text: String, stepMs: Int64) throws -> Int {
        if let n = Int(text) {
            guard (1...maxHorizon).contains(n) else { throw QueryError(.badParameter, "horizon of \(n) steps; 1…\(maxHorizon)") }
            return n
        }
        guard let ms = TimeParsing.durationMs(text), ms > 0 else { throw QueryError(.badParameter, "horizon is required: steps (48) or a duration (12h)") }
        let steps = Int((ms + stepMs - 1) / stepMs)
        guard steps <= maxHorizon else { throw QueryError(.badParameter, "horizon \(text) is \(steps) steps at this step; at most \(maxHorizon)") }
        return steps
    }

    /// `24,168` → [24, 168]; absent: detected from the data.
    static func periods(_ text: String?) -> [Int] { (text ?? "").split(separator: ",").compactMap { Int($0) } }

    /// The shared part of both answers: the model and why, points and intervals as `[t, "v"]` pairs.
    static func body(_ r: ForecastResult, startMs: Int64, stepMs: Int64) -> String {
        func pairs(_ vs: [Double]) -> String {
            var out: [UInt8] = [UInt8(ascii: "[")]
            for (k, v) in vs.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                PrometheusJSON.appendPoint(&out, startMs + Int64(k + 1) * stepMs, v)
            }
            out.append(UInt8(ascii: "]"))
            return String(decoding: out, as: UTF8.self)
        }
        let scores = r.backtestMASE.sorted { $0.key.rawValue < $1.key.rawValue }
            .map { "\(JSONText.string($0.key.rawValue)):\($0.value.isFinite ? String($0.value) : "null")" }.joined(separator: ",")
        let intervals = r.intervals.sorted { $0.key < $1.key }.map { level, band in
            "\(JSONText.string(PrometheusJSON.value(level * 100))):{\"lower\":\(pairs(band.lower)),\"upper\":\(pairs(band.upper))}"
        }.joined(separator: ",")
        return "\"model\":\(JSONText.string(r.model.rawValue)),\"period\":\(r.period),\"step_seconds\":\(PrometheusJSON.time(stepMs)),"
            + "\"backtest_mase\":{\(scores)},\"values\":\(pairs(r.point)),\"intervals\":{\(intervals)}"
    }
}
