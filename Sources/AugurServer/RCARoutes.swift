import AugurApp
import AugurCore
import AugurRCA
import AugurStore
import Foundation
import Hummingbird

/// `POST /api/v1/rca`: ranked suspects with the evidence behind each.
struct RCARoutes: Sendable {
    let store: Store
    let config: AugurConfig.Server
    let limits: AugurConfig.Limits
    /// The longest window after the start, and baseline before it, one analysis reads.
    static let longestWindowMs: Int64 = 86_400_000
    static let longestBaselineMs: Int64 = 7 * 86_400_000

    struct Body: Decodable {
        struct Symptom: Decodable {
            let service: String?
        }

        let time: String?
        let window: String?
        let baseline: String?
        let symptom: Symptom?
    }

    func register(on router: ScopedRouter) {
        router.post("/api/v1/rca", .read) { request, _ in try await rca(request) }
    }

    private func rca(_ request: Request) async throws -> Response {
        let raw = try await collectBody(request, config: config)
        let body: Body
        do { body = try JSONDecoder().decode(Body.self, from: Data(raw.isEmpty ? Array("{}".utf8) : raw)) } catch {
            throw QueryError(.badParameter, "body must be JSON {\"time\": RFC 3339 or unix, \"window\": \"5m\", \"baseline\": \"30m\", \"symptom\": {\"service\": …}}")
        }
        var analyzer = RootCauseAnalyzer()
        // An analysis reads every series over its window and baseline: both are bounded.
        if let w = body.window {
            guard let ms = TimeParsing.durationMs(w), ms > 0, ms <= Self.longestWindowMs else {
                throw QueryError(.badParameter, "window \(w.prefix(100)) is not a duration from 1ms to \(ConfigDuration(ms: Self.longestWindowMs))")
            }
            analyzer.afterMs = ms
        }
        if let b = body.baseline {
            guard let ms = TimeParsing.durationMs(b), ms > 0, ms <= Self.longestBaselineMs else {
                throw QueryError(.badParameter, "baseline \(b.prefix(100)) is not a duration from 1ms to \(ConfigDuration(ms: Self.longestBaselineMs))")
            }
            analyzer.beforeMs = ms
        }
        let t: Int64
        if let text = body.time {
            guard let ms = TimeParsing.timestampMs(text) else { throw QueryError(.badParameter, "time \(text.prefix(100)) is not a time (\(TimeParsing.rangeText))") }
            t = ms
        } else {
            t = WallClock.nowMs() - analyzer.afterMs
        }
        let started = ContinuousClock.now
        let (ranker, symptoms) = (analyzer, [body.symptom?.service].compactMap { $0 })
        let (analysis, edges) = try await WorkLane.compute.run(within: QueryBudget(limits)) { [store] in
            let input = try ranker.gather(store, times: t...t)
            return (ranker.analyse(input, atMs: t, symptoms: symptoms), input.edges)
        }
        let suspects = analysis.suspects
        let elapsed = ContinuousClock.now - started
        return json("{\"status\":\"success\",\"data\":{\"time\":\(Double(t) / 1000),\"seconds\":\(seconds(elapsed)),\"clear_cause\":\(RootCauseAnalyzer.hasClearCause(suspects)),\"score_meaning\":\(JSONText.string(RootCauseAnalyzer.scoreMeaning)),\"looked_at\":\(RCAJSON.lookedAt(analysis, analyzer: ranker)),\"suspects\":\(RCAJSON.suspects(suspects, chains: EvidenceChain.chains(suspects, symptoms: symptoms, edges: edges)))}}")
    }
}
