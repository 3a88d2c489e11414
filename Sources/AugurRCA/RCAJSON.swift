import AugurCore
import Foundation

/// Suspects as JSON, for the API and `augur rca eval`.
package enum RCAJSON {
    package static func suspects(_ suspects: [RootCauseAnalyzer.Suspect], limit: Int = 10) -> String {
        "[" + suspects.prefix(limit).map { s in
            "{\"service\":\(JSONText.string(s.service)),\"score\":\(number(s.score)),\"evidence\":[" + s.evidence.map { e in
                "{\"series\":\(JSONText.object(e.series)),\"score\":\(number(e.score)),\"direction\":\"\(e.direction > 0 ? "up" : "down")\","
                    + "\"onset\":\(e.onsetMs.map { String(Double($0) / 1000) } ?? "null"),\"baseline\":\(number(e.baselineMedian)),\"peak\":\(number(e.peak))}"
            }.joined(separator: ",") + "]}"
        }.joined(separator: ",") + "]"
    }

    static func number(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "null" }
}
