package import AugurCore
package import AugurReports
package import AugurStore
import Foundation

/// Opens, joins, re-analyses and closes incidents. One alert storm is one incident: a firing alert
/// joins an open incident that started within `groupWindowMs` when their services are the same or
/// call each other; every join re-runs RCA and keeps the earlier runs in the timeline. Redelivered
/// alerts (same fingerprint and start) change nothing. Callers serialise calls (one desk per store).
package struct IncidentDesk: Sendable {
    package let store: Store
    package var groupWindowMs: Int64 = 30 * 60_000
    /// RCA searches this far before an alert's start for the onset: alerts fire after their
    /// `for:` duration, so the fault began earlier.
    package var rcaLookbackMs: Int64 = 15 * 60_000

    package init(store: Store) { self.store = store }

    /// The stored incidents, open first, each with its top suspect's service when RCA named one.
    package func list() throws -> [(incident: Incident, topSuspect: String?)] {
        try store.incidents().map { ($0, IncidentSnapshot.decode($0.snapshot).suspects.first?.service) }
    }

    /// Stored incident `id`'s report: Markdown, or a self-contained HTML page.
    package func report(id: Int64, html: Bool) throws -> String {
        let report = try IncidentReport(store: store, id: id)
        return html ? report.html() : report.markdown
    }

    /// What a delivery did.
    package struct Outcome: Sendable, Equatable {
        package var opened: [Int64] = []
        package var joined: [Int64] = []
        package var resolved: [Int64] = []
        package var duplicates = 0
    }

    package func receive(_ payload: AlertmanagerPayload, nowMs: Int64) throws -> Outcome {
        var outcome = Outcome()
        for alert in payload.alerts {
            let labels = JSONText.object(Labels(alert.labels.map { ($0.key, $0.value) }))
            let annotations = JSONText.object(Labels(alert.annotations.map { ($0.key, $0.value) }))
            if let known = try store.alert(fingerprint: alert.fingerprint, startsMs: alert.startsMs) {
                guard !alert.firing, known.status == .firing, var incident = try store.incident(id: known.incidentId) else { outcome.duplicates += 1; continue }
                var row = known
                row.status = .resolved
                row.endsMs = alert.endsMs
                var events = [IncidentEvent(timeMs: alert.endsMs ?? nowMs, kind: "alert-resolved", detail: "\(alert.name) on \(alert.service) resolved")]
                let stillFiring = try store.alerts(incidentId: incident.id).filter { $0.status == .firing && !($0.fingerprint == known.fingerprint && $0.startsMs == known.startsMs) }
                if stillFiring.isEmpty, incident.status != .resolved {
                    incident.status = .resolved
                    incident.resolvedMs = alert.endsMs ?? nowMs
                    events.append(IncidentEvent(timeMs: incident.resolvedMs!, kind: "resolved", detail: "every alert resolved"))
                    outcome.resolved.append(incident.id)
                }
                try store.saveIncident(incident, alerts: [row], events: events)
                continue
            }
            let row = IncidentAlert(fingerprint: alert.fingerprint, startsMs: alert.startsMs, incidentId: 0, status: .firing,
                                     endsMs: alert.endsMs, name: alert.name, service: alert.service, labels: labels, annotations: annotations)
            let summary = alert.annotations["summary"] ?? alert.annotations["description"] ?? ""
            let fired = IncidentEvent(timeMs: alert.startsMs, kind: "alert-fired", detail: "\(alert.name) on \(alert.service)" + (summary.isEmpty ? "" : ": \(summary)"))
            // A resolution for an alert never seen firing (Augur was down when it fired) opens nothing.
            guard alert.firing else { outcome.duplicates += 1; continue }
            if var incident = try joinable(service: alert.service, atMs: alert.startsMs) {
                let snapshot = try IncidentSnapshot.analyse(store: store, atMs: min(incident.startedMs, alert.startsMs), searchMs: rcaLookbackMs,
                                                        services: try store.alerts(incidentId: incident.id).map(\.service) + [alert.service], nowMs: nowMs)
                incident.snapshot = snapshot.json
                incident.startedMs = min(incident.startedMs, alert.startsMs)
                var reopened: [IncidentEvent] = []
                if incident.status == .resolved {
                    incident.status = incident.acknowledgedMs == nil ? .open : .acknowledged
                    incident.resolvedMs = nil
                    reopened.append(IncidentEvent(timeMs: alert.startsMs, kind: "reopened", detail: "\(alert.name) on \(alert.service) fired again"))
                }
                if Self.rank(alert.severity) > Self.rank(incident.severity) { incident.severity = alert.severity }
                var r = row
                r.incidentId = incident.id
                try store.saveIncident(incident, alerts: [r], events: reopened + [fired, rcaEvent(snapshot, nowMs, again: true)], analysedAtMs: nowMs)
                outcome.joined.append(incident.id)
            } else {
                var incident = Incident(title: "\(alert.name) on \(alert.service)", service: alert.service, severity: alert.severity, source: payload.source,
                                                 description: summary, startedMs: alert.startsMs, openedMs: nowMs)
                let snapshot = try IncidentSnapshot.analyse(store: store, atMs: alert.startsMs, searchMs: rcaLookbackMs, services: [alert.service], nowMs: nowMs)
                incident.snapshot = snapshot.json
                let id = try store.saveIncident(incident, alerts: [row], events: [fired, rcaEvent(snapshot, nowMs, again: false)], analysedAtMs: nowMs)
                outcome.opened.append(id)
            }
        }
        return outcome
    }

    /// A manual incident (`POST /api/v1/incidents`).
    package func open(atMs: Int64, service: String, description: String, severity: String = "warning", nowMs: Int64) throws -> Int64 {
        var incident = Incident(title: description.isEmpty ? "Manual incident on \(service)" : description, service: service, severity: severity,
                                         source: "manual", description: description, startedMs: atMs, openedMs: nowMs)
        let snapshot = try IncidentSnapshot.analyse(store: store, atMs: atMs, services: [service], nowMs: nowMs)
        incident.snapshot = snapshot.json
        return try store.saveIncident(incident, events: [IncidentEvent(timeMs: nowMs, kind: "opened", detail: "opened by hand: \(description)"), rcaEvent(snapshot, nowMs, again: false)], analysedAtMs: nowMs)
    }

    package func acknowledge(id: Int64, nowMs: Int64) throws -> Incident {
        var incident = try existing(id)
        guard incident.acknowledgedMs == nil else { return incident }
        incident.acknowledgedMs = nowMs
        if incident.status == .open { incident.status = .acknowledged }
        try store.saveIncident(incident, events: [IncidentEvent(timeMs: nowMs, kind: "acknowledged", detail: "acknowledged")])
        return incident
    }

    package func resolve(id: Int64, nowMs: Int64) throws -> Incident {
        var incident = try existing(id)
        guard incident.status != .resolved else { return incident }
        incident.status = .resolved
        incident.resolvedMs = nowMs
        try store.saveIncident(incident, events: [IncidentEvent(timeMs: nowMs, kind: "resolved", detail: "resolved by hand")])
        return incident
    }

    /// The operator confirms or corrects the root cause.
    package func feedback(id: Int64, cause: String, nowMs: Int64) throws -> Incident {
        guard !cause.trimmingCharacters(in: .whitespaces).isEmpty else { throw IncidentError(.badInput, "cause must name the root-cause service", field: "cause") }
        var incident = try existing(id)
        incident.confirmedCause = cause
        let top = IncidentSnapshot.decode(incident.snapshot).suspects.first?.service
        try store.saveIncident(incident, events: [IncidentEvent(timeMs: nowMs, kind: "feedback",
                                                                      detail: top == cause ? "root cause confirmed: \(cause)" : "root cause corrected to \(cause) (Augur ranked \(top ?? "nothing") first)")])
        return incident
    }

    func existing(_ id: Int64) throws -> Incident {
        guard let incident = try store.incident(id: id) else { throw IncidentError(.notFound, "no incident \(id)") }
        return incident
    }

    /// An open incident this alert belongs to: started within the window, same service or a neighbour in the call graph.
    private func joinable(service: String, atMs: Int64) throws -> Incident? {
        // A recently resolved incident counts too: a flapping alert reopens it rather than opening another.
        let open = try store.incidents().filter {
            abs($0.startedMs - atMs) <= groupWindowMs && ($0.status != .resolved || ($0.resolvedMs ?? 0) >= atMs - groupWindowMs)
        }
        guard !open.isEmpty else { return nil }
        let edges = try store.edges()
        func near(_ a: String, _ b: String) -> Bool {
            a == b || edges.contains { ($0.source == a && $0.target == b) || ($0.source == b && $0.target == a) }
        }
        return open.first { incident in
            near(incident.service, service) || (try? store.alerts(incidentId: incident.id))?.contains { near($0.service, service) } == true
        }
    }

    private func rcaEvent(_ s: IncidentSnapshot, _ nowMs: Int64, again: Bool) -> IncidentEvent {
        let top = s.suspects.prefix(3).map { "\($0.service) (\(String(format: "%.1f", $0.score)))" }.joined(separator: ", ")
        return IncidentEvent(timeMs: nowMs, kind: "rca", detail: (again ? "RCA re-run: " : "RCA done: ") + (top.isEmpty ? "no suspects" : top))
    }

    static func rank(_ severity: String) -> Int { ["info": 0, "warning": 1, "error": 2, "critical": 3, "page": 3][severity.lowercased()] ?? 1 }
}
