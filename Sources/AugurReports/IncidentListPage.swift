package import AugurStore
import Foundation

/// The incidents page: open first, severity, service, age, top suspect; MTTR and RCA accuracy on top.
package enum IncidentListPage {
    package static func html(_ incidents: [Store.IncidentRow], nowMs now: Int64) -> String {
        let stats = IncidentStats(incidents)
        var h = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>Incidents — Augur</title><style>\(IncidentReport.style)</style></head><body><main><h1>Incidents</h1>"
        h += "<p class=\"meta\"><span>Open <strong>\(stats.open)</strong></span><span>MTTR \(stats.mttrSeconds.map { IncidentReport.duration(Int64($0 * 1000)) } ?? "n/a")</span>"
        h += "<span>RCA accuracy (AC@1 on confirmed) \(stats.accuracy.map { String(format: "%.0f %% of %d", 100 * $0, stats.confirmed) } ?? "n/a")</span></p>"
        h += "<table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">Status</th><th scope=\"col\">Severity</th><th scope=\"col\">Service</th><th scope=\"col\">Title</th><th scope=\"col\">Age</th><th scope=\"col\">Top suspect</th></tr></thead><tbody>"
        for i in incidents {
            let top = IncidentSnapshot.decode(i.snapshot).suspects.first?.service ?? "—"
            h += "<tr><td><a href=\"/incidents/\(i.id)\">\(i.id)</a></td><td>\(i.status)</td><td class=\"sev-\(IncidentReport.escape(i.severity))\">\(IncidentReport.escape(i.severity))</td><td>\(IncidentReport.escape(i.service))</td>"
            h += "<td><a href=\"/incidents/\(i.id)\">\(IncidentReport.escape(i.title))</a></td><td>\(IncidentReport.duration(now - i.startedMs))</td><td>\(IncidentReport.escape(top))</td></tr>"
        }
        if incidents.isEmpty { h += "<tr><td colspan=\"7\">No incidents.</td></tr>" }
        return h + "</tbody></table></main></body></html>"
    }
}

/// MTTR and Augur's own RCA accuracy, for `/metrics` and the incidents page.
package struct IncidentStats: Sendable {
    package var open = 0, resolved = 0, confirmed = 0, correct = 0
    package var mttrSeconds: Double?
    package var accuracy: Double? { confirmed > 0 ? Double(correct) / Double(confirmed) : nil }

    package init(_ incidents: [Store.IncidentRow]) {
        var repair = 0.0
        for i in incidents {
            if i.status != "resolved" { open += 1 }
            if let r = i.resolvedMs { resolved += 1; repair += Double(r - i.startedMs) / 1000 }
            if let cause = i.confirmedCause {
                confirmed += 1
                if IncidentSnapshot.decode(i.snapshot).suspects.first?.service == cause { correct += 1 }
            }
        }
        mttrSeconds = resolved > 0 ? repair / Double(resolved) : nil
    }
}

