import AugurCore
import AugurReports

/// An incident as the list and the detail give it.
struct IncidentSummary: Encodable {
    let id: Int64
    let title, service, severity, status, source: String
    /// Unix seconds.
    let started: Double
    let resolved: OrNull<Double>
    let topSuspect: OrNull<String>
    let confirmedCause: OrNull<String>

    enum CodingKeys: String, CodingKey {
        case id, title, service, severity, status, source, started, resolved, topSuspect = "top_suspect", confirmedCause = "confirmed_cause"
    }

    init(_ i: Incident) {
        (id, title, service, severity, status, source) = (i.id, i.title, i.service, i.severity, i.status.rawValue, i.source)
        started = Double(i.startedMs) / 1000
        resolved = OrNull(i.resolvedMs.map { Double($0) / 1000 })
        topSuspect = OrNull(IncidentSnapshot.decode(i.snapshot).suspects.first?.service)
        confirmedCause = OrNull(i.confirmedCause)
    }
}

/// `GET /api/v1/incidents/{id}`: the incident, its alerts, its timeline, every RCA run (when and what
/// it ranked) and the latest one in full.
struct IncidentDetail: Encodable {
    struct Alert: Encodable {
        let name, service, status: String
        let starts: Double
        let fingerprint: String
    }

    struct Event: Encodable {
        let time: Double
        let kind, detail: String
    }

    struct Run: Encodable {
        struct Suspect: Encodable {
            let service: String
            let score: Double
        }

        let time: Double
        let suspects: [Suspect]
    }

    let incident: IncidentSummary
    let alerts: [Alert]
    let timeline: [Event]
    let analyses: [Run]
    let analysis: IncidentSnapshot

    init(_ report: IncidentReport, runs: [(timeMs: Int64, snapshot: String)]) {
        incident = IncidentSummary(report.incident)
        alerts = report.alerts.map { Alert(name: $0.name, service: $0.service, status: $0.status.rawValue, starts: Double($0.startsMs) / 1000, fingerprint: $0.fingerprint) }
        timeline = report.events.map { Event(time: Double($0.timeMs) / 1000, kind: $0.kind, detail: $0.detail) }
        analyses = runs.map { run in
            Run(time: Double(run.timeMs) / 1000, suspects: IncidentSnapshot.decode(run.snapshot).suspects.map { Run.Suspect(service: $0.service, score: $0.score) })
        }
        analysis = report.snapshot
    }
}

/// What an Alertmanager delivery did.
struct AlertReceipt: Encodable {
    let opened, joined, resolved: [Int64]
    let duplicates: Int
}

/// The generic incident webhook's body (`notify` targets of format `json`).
struct IncidentNotification: Encodable {
    let id: Int64
    let title, service, severity: String
    let topSuspect: OrNull<String>
    let summary, link: String

    enum CodingKeys: String, CodingKey {
        case id, title, service, severity, topSuspect = "top_suspect", summary, link
    }
}
