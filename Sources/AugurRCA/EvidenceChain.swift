package import AugurCore
import Foundation

/// The answer's explanation: the path through the call graph from where the problem was seen to the
/// suspect, each hop with the series that moved most (how much, and when), and a one-line summary.
package struct EvidenceChain: Sendable {
    package struct Hop: Sendable {
        package let service: String
        /// Its strongest evidence; nil for a service on the path whose series did not move.
        package let evidence: RootCauseAnalyzer.Evidence?
    }

    package let hops: [Hop]
    package var path: [String] { hops.map(\.service) }

    /// "frontend http_request_duration_seconds ↑ → checkout … ↑ → payment db_pool_waiting_requests ↑ (0 → 7)".
    package var summary: String {
        hops.map { hop in
            guard let e = hop.evidence else { return hop.service }
            let name = e.series.name ?? "series"
            return "\(hop.service) \(name) \(e.direction > 0 ? "↑" : "↓")"
        }.joined(separator: " → ") + (hops.last?.evidence.map { " (\(Self.number($0.baselineMedian)) → \(Self.number($0.peak)))" } ?? "")
    }

    /// From the symptom services (else the anomalous services, score ≥ `RootCauseAnalyzer.changeFloor`)
    /// that reach the suspect along the call graph, the longest such path: the chain starts at the
    /// first symptom users saw. Just the suspect when nothing reaches it.
    package static func build(to suspect: String, symptoms: [String], suspects: [RootCauseAnalyzer.Suspect], edges: [GraphEdge]) -> EvidenceChain {
        let byService = Dictionary(suspects.map { ($0.service, $0) }) { a, _ in a }
        let starts = symptoms.isEmpty ? suspects.filter { $0.score >= RootCauseAnalyzer.changeFloor }.map(\.service) : symptoms
        let longest = longestPath(from: starts, to: suspect, edges: edges)
        return EvidenceChain(hops: (longest.isEmpty ? [suspect] : longest).map { Hop(service: $0, evidence: byService[$0]?.evidence.first) })
    }

    /// Of the paths from each of `starts` to `target` along the call graph, the longest (the chain from
    /// the first symptom users saw); empty when none reaches it.
    package static func longestPath(from starts: [String], to target: String, edges: [GraphEdge]) -> [String] {
        let pairs = edges.map { ($0.source, $0.target) }
        return starts.map { path(from: $0, to: target, edges: pairs) }.max { $0.count < $1.count } ?? []
    }

    /// Chains to the first `limit` suspects, by service.
    package static func chains(_ suspects: [RootCauseAnalyzer.Suspect], symptoms: [String], edges: [GraphEdge], limit: Int = 3) -> [String: EvidenceChain] {
        Dictionary(suspects.prefix(limit).map { ($0.service, build(to: $0.service, symptoms: symptoms, suspects: suspects, edges: edges)) }) { a, _ in a }
    }

    /// The shortest path from `a` to `b` along the edges (caller → callee), empty when there is none.
    static func path(from a: String, to b: String, edges: [(String, String)]) -> [String] {
        if a == b { return [a] }
        var previous: [String: String] = [a: a]
        var queue = [a]
        while !queue.isEmpty {
            let node = queue.removeFirst()
            for (source, target) in edges where source == node && previous[target] == nil {
                previous[target] = node
                if target == b {
                    var path = [b]
                    while path.last != a { path.append(previous[path.last!]!) }
                    return path.reversed()
                }
                queue.append(target)
            }
        }
        return []
    }

    static func number(_ v: Double) -> String { String(format: "%.4g", v) }
}
