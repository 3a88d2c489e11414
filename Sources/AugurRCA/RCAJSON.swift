package import AugurCore
import Foundation

/// Suspects as JSON, for the API and `augur rca eval`.
package enum RCAJSON {
    /// `chains`: the evidence chain of the suspects that have one (`EvidenceChain.chains`).
    package static func suspects(_ suspects: [RootCauseAnalyzer.Suspect], chains: [String: EvidenceChain] = [:], limit: Int = 10) -> String {
        "[" + suspects.prefix(limit).map { s in
            "{\"service\":\(JSONText.string(s.service)),\"score\":\(number(s.score)),\"evidence\":[" + s.evidence.map(evidence).joined(separator: ",")
                + "],\"changes\":[" + s.changes.map(change).joined(separator: ",") + "]" + (chains[s.service].map { ",\"chain\":" + chain($0) } ?? "") + "}"
        }.joined(separator: ",") + "]"
    }

    /// What an analysis looked at: `{"window": {start, end}, "baseline": {start, end}, "series",
    /// "reference_series", "step_seconds": {min, max}, "after_samples", "before_samples"}` (times in Unix seconds).
    package static func lookedAt(_ a: RootCauseAnalyzer.Analysis, analyzer: RootCauseAnalyzer) -> String {
        func range(_ r: ClosedRange<Int64>) -> String { "{\"start\":\(Double(r.lowerBound) / 1000),\"end\":\(Double(r.upperBound) / 1000)}" }
        return "{\"window\":\(range(a.windowMs)),\"baseline\":\(range(a.baselineMs)),\"series\":\(a.series),\"reference_series\":\(a.referenceSeries),"
            + "\"step_seconds\":\(a.stepsMs.map { "{\"min\":\(Double($0.lowerBound) / 1000),\"max\":\(Double($0.upperBound) / 1000)}" } ?? "null"),"
            + "\"after_samples\":\(analyzer.afterSamples),\"before_samples\":\(analyzer.beforeSamples)}"
    }

    static func evidence(_ e: RootCauseAnalyzer.Evidence) -> String {
        "{\"series\":\(JSONText.object(e.series)),\"score\":\(number(e.score)),\"direction\":\"\(e.direction > 0 ? "up" : "down")\","
            + "\"onset\":\(e.onsetMs.map { String(Double($0) / 1000) } ?? "null"),\"baseline\":\(number(e.baselineMedian)),\"peak\":\(number(e.peak))}"
    }

    /// `{"path": [...], "hops": [{"service", "evidence"}], "summary"}`.
    static func chain(_ c: EvidenceChain) -> String {
        "{\"path\":[" + c.path.map(JSONText.string).joined(separator: ",") + "],\"hops\":["
            + c.hops.map { "{\"service\":\(JSONText.string($0.service)),\"evidence\":\($0.evidence.map(evidence) ?? "null")}" }.joined(separator: ",")
            + "],\"summary\":\(JSONText.string(c.summary))}"
    }

    /// A change event with its link to the suspect (`link`, `lag_seconds`) when it has one.
    package static func change(_ c: LinkedChange) -> String {
        event(id: c.id, c.event, extra: ",\"link\":\"\(c.strength.rawValue)\",\"lag_seconds\":\(Double(c.lagMs) / 1000)")
    }

    package static func event(id: Int64, _ e: ChangeEvent, extra: String = "") -> String {
        "{\"id\":\(id),\"time\":\(Double(e.timeMs) / 1000),\"service\":\(JSONText.string(e.service)),\"kind\":\"\(e.kind.rawValue)\","
            + "\"description\":\(JSONText.string(e.description)),\"labels\":\(JSONText.object(Labels(e.labels.map { ($0.key, $0.value) }))),\"source\":\(JSONText.string(e.source))\(extra)}"
    }

    static func number(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "null" }
}
