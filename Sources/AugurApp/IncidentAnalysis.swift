import AugurCore
import AugurLogs
import AugurRCA
package import AugurReports
package import AugurStore

extension IncidentSnapshot {
    /// Runs RCA and freezes its evidence: with `searchMs` > 0 at the sample times of the `searchMs` before
    /// `atMs` (the store read once for all of them), keeping the onset; then the charts of the top
    /// suspects' strongest series, the saturated limits of the top suspect and the log templates new
    /// or surging after the onset.
    package static func analyse(store: Store, atMs: Int64, searchMs: Int64 = 0, services: [String], nowMs: Int64) throws -> IncidentSnapshot {
        let input = try RootCauseAnalyzer().gather(store, times: (atMs - searchMs)...atMs)
        let (at, analysis) = onset(input, atMs: atMs, searchMs: searchMs, services: services)
        var s = IncidentSnapshot(analysedMs: nowMs, atMs: at, analysis: analysis, edges: input.edges, services: services)
        for (service, e) in s.chartedEvidence {
            let labels = Labels(e.series.map { ($0.key, $0.value) })
            let matching = try store.select(Selector(exactly: labels), startMs: at - chartMs - chartHistoryMs, endMs: at + chartMs)
            if let series = matching.first(where: { $0.labels == labels }) { s.addChart(e, service: service, series: series) }
        }
        if let top = s.suspects.first?.service {
            s.saturation = saturation(try store.select(Selector(exactly: Labels([("service", top)])), startMs: at, endMs: at + afterMs))
        }
        let streams = try store.logStreams(matching: nil)
        if !streams.isEmpty {
            s.note(try TemplateActivity.compare(store: store, streams: streams, startNs: TimeParsing.nsClamped(ms: at), endNs: TimeParsing.nsClamped(ms: at + afterMs)))
        }
        return s
    }
}

extension IncidentReport {
    /// The report of stored incident `id`.
    package init(store: Store, id: Int64) throws {
        guard let incident = try store.incident(id: id) else { throw IncidentError(.notFound, "no incident \(id)") }
        self.init(incident: incident, alerts: try store.alerts(incidentId: id), events: try store.incidentEvents(incidentId: id))
    }
}
