package import AugurCore
import AugurNumerics
package import AugurLogs
package import AugurRCA
import Foundation

/// What an incident's report is rendered from, frozen when RCA ran: the ranking, the evidence series
/// around the window, the graph path and the surging log templates. Stored as JSON with the incident.
package struct IncidentSnapshot: Codable, Sendable, Equatable {
    package struct Evidence: Codable, Sendable, Equatable {
        package var series: [String: String]
        package var score: Double
        package var direction: String
        package var onsetMs: Int64?
        package var baseline: Double
        package var peak: Double

        package var name: String { series["__name__"] ?? "series" }
        package var text: String {
            let labels = series.filter { $0.key != "__name__" }.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
            return labels.isEmpty ? name : "\(name){\(labels)}"
        }
    }

    package struct Suspect: Codable, Sendable, Equatable {
        package var service: String
        package var score: Double
        package var evidence: [Evidence]
        /// Changes its anomaly followed, as text with the link's strength.
        package var changes: [String]?
    }

    package struct Chart: Codable, Sendable, Equatable {
        package var title: String
        package var service: String
        package var points: [[Double]]  // [unix seconds, value]
        package var onsetMs: Int64?
        /// The 95 % forecast interval over the chart, fitted on the week before it: [unix seconds, lower, upper].
        package var band: [[Double]]?
    }

    package struct Template: Codable, Sendable, Equatable {
        package var service: String
        package var text: String
        package var count: Int
        package var previous: Int
        package var example: String?
    }

    package var analysedMs: Int64 = 0
    package var atMs: Int64 = 0
    package var suspects: [Suspect] = []
    package var charts: [Chart] = []
    package var edges: [[String]] = []
    /// Services from the alerting one to the top suspect along the call graph (empty when unconnected).
    package var path: [String] = []
    package var templates: [Template] = []
    /// Limits the top suspect ran into: "<usage series> reached <limit series> (value)".
    package var saturation: [String] = []
    /// What the analysis looked at (`RootCauseAnalyzer.Analysis.lookedAt`).
    package var lookedAt: String?

    package init() {}

    package static func decode(_ json: String) -> IncidentSnapshot {
        (try? JSONDecoder().decode(IncidentSnapshot.self, from: Data(json.utf8))) ?? IncidentSnapshot()
    }

    package var json: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self) }

    /// Of the analyses at the sample times of the `searchMs` before `atMs` (`RCAInput.onsetTimes`), the
    /// one whose top suspect stands out most: alerts fire after the fault began (a threshold must be
    /// crossed, then held for `for:`), so that time is the onset. `input` holds the data of every time tried.
    package static func onset(_ input: RCAInput, atMs: Int64, searchMs: Int64, services: [String]) -> (atMs: Int64, analysis: RootCauseAnalyzer.Analysis) {
        let analyzer = RootCauseAnalyzer()
        var best: (atMs: Int64, analysis: RootCauseAnalyzer.Analysis)?
        for at in input.onsetTimes(in: (atMs - searchMs)...atMs) {
            let analysis = analyzer.analyse(input, atMs: at, symptoms: services)
            if best == nil || (analysis.suspects.first?.score ?? 0) > (best!.analysis.suspects.first?.score ?? 0) { best = (at, analysis) }
        }
        return best!
    }

    /// RCA's ranking at `atMs` frozen: the top five suspects with their strongest evidence, the call
    /// graph and the path along it from the alerting `services` to the top suspect.
    package init(analysedMs: Int64, atMs: Int64, analysis: RootCauseAnalyzer.Analysis, edges: [GraphEdge], services: [String]) {
        self.analysedMs = analysedMs
        self.atMs = atMs
        lookedAt = analysis.lookedAt
        suspects = analysis.suspects.prefix(5).map { r in
            Suspect(service: r.service, score: r.score, evidence: r.evidence.prefix(4).map { e in
                Evidence(series: e.series.dictionary, score: e.score, direction: e.direction > 0 ? "up" : "down", onsetMs: e.onsetMs, baseline: e.baselineMedian, peak: e.peak)
            }, changes: r.changes.isEmpty ? nil : r.changes.map {
                "\($0.event.kind.rawValue) of \($0.event.service) (\($0.event.description)) \($0.lagMs / 60_000) min before the onset: \($0.strength.rawValue) link"
            })
        }
        self.edges = edges.map { [$0.source, $0.target] }
        // From the alerting service furthest up the call graph: the chain starts at the first symptom users saw.
        if let top = suspects.first?.service { path = EvidenceChain.longestPath(from: services, to: top, edges: edges) }
    }

    /// The evidence charted: the strongest two series of each of the top three suspects.
    package var chartedEvidence: [(service: String, evidence: Evidence)] {
        suspects.prefix(3).flatMap { s in s.evidence.prefix(2).map { (s.service, $0) } }
    }

    /// How far either side of the onset a chart reaches, and how much history before it its band is fitted on.
    package static let chartMs: Int64 = 30 * 60_000
    package static var chartHistoryMs: Int64 { ForecastBand.historyMs }

    /// The chart of `evidence` of `service` from `series` (read from `atMs - chartMs - chartHistoryMs` to `atMs + chartMs`).
    package mutating func addChart(_ evidence: Evidence, service: String, series: Series) {
        let from = atMs - Self.chartMs, to = atMs + Self.chartMs
        let points = series.samples.filter { $0.value.isFinite && $0.timestampMs >= from }.map { [Double($0.timestampMs) / 1000, $0.value] }
        charts.append(Chart(title: evidence.text, service: service, points: points, onsetMs: evidence.onsetMs, band: Self.band(series, fromMs: from, toMs: to)))
    }

    /// The templates new or surging in the ten minutes after the onset (`activity` of that window).
    package mutating func note(_ activity: [TemplateActivity]) {
        templates = activity.filter { $0.isNew || $0.surge > 2 }.prefix(6).map {
            Template(service: $0.service, text: $0.text, count: $0.count, previous: $0.previous, example: $0.example)
        }
    }

    /// The window after the onset that saturation and log activity are looked for in.
    package static let afterMs: Int64 = 10 * 60_000

    /// What the week before the chart forecast for it (gauges only: counters are charted raw, not as increases).
    static func band(_ series: Series, fromMs: Int64, toMs: Int64) -> [[Double]]? {
        guard !Regularize.isCounter(series.labels),
              let regular = try? ForecastBand.regular(series), let band = ForecastBand.fit(regular, originMs: fromMs, horizonMs: toMs - fromMs, level: 0.95) else { return nil }
        return band.point.indices.map { k in [Double(band.originMs + Int64(k + 1) * band.stepMs) / 1000, band.lower[k], band.upper[k]] }
    }

    /// Usage series of `service` that reached their limit: a series named like `…max…`/`…limit…`
    /// (`db_pool_max_connections`) and a sibling with the same labels and name prefix
    /// (`db_pool_active_connections`) whose peak in the window met it.
    /// `all`: every series of the service in the window.
    package static func saturation(_ all: [Series]) -> [String] {
        var found: [String] = []
        for limit in all {
            guard let name = limit.labels[Labels.metricName], let marker = ["max", "limit"].compactMap({ name.range(of: $0) }).first,
                  let value = limit.samples.last?.value, value > 0 else { continue }
            let prefix = name[..<marker.lowerBound]
            let others = limit.labels.dictionary.filter { $0.key != Labels.metricName }
            for usage in all where usage.labels[Labels.metricName] != name {
                guard let u = usage.labels[Labels.metricName], u.hasPrefix(prefix), !prefix.isEmpty,
                      usage.labels.dictionary.filter({ $0.key != Labels.metricName }) == others,
                      let peak = usage.samples.map(\.value).max(), peak >= value else { continue }
                found.append("\(u) reached \(name) = \(String(format: "%g", value)): the limit is too small for the load")
            }
        }
        return found
    }

    /// Symptom to cause: the strongest evidence of each service on the path, else of the top suspects.
    package var chain: [(service: String, evidence: Evidence)] {
        let byService = Dictionary(suspects.map { ($0.service, $0) }) { a, _ in a }
        let services = path.count > 1 ? path : Array(suspects.prefix(1).map(\.service))
        return services.compactMap { name in byService[name]?.evidence.first.map { (name, $0) } }
    }
}
