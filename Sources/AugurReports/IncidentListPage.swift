package import AugurCore
import Foundation

/// The incidents page: open first, severity, service, age, top suspect; MTTR and RCA accuracy on top.
package enum IncidentListPage {
    package static func html(_ incidents: [Incident], nowMs now: Int64) -> String {
        let stats = IncidentStats(incidents, nowMs: now)
        var h = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>Incidents — Augur</title><style>\(IncidentReport.style)</style></head><body><main><h1>Incidents</h1>"
        h += "<p class=\"meta\"><span>Open <strong>\(stats.open)</strong></span><span>MTTR \(stats.mttrSeconds.map { IncidentReport.duration(Int64(saturating: $0 * 1000)) } ?? "n/a")</span>"
        h += "<span>RCA accuracy (AC@1 on confirmed) \(stats.accuracy.map { String(format: "%.0f %% of %d", 100 * $0, stats.confirmed) } ?? "n/a")</span></p>"
        h += "<table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">Status</th><th scope=\"col\">Severity</th><th scope=\"col\">Service</th><th scope=\"col\">Title</th><th scope=\"col\">Age</th><th scope=\"col\">Time to resolve</th><th scope=\"col\">Top suspect</th></tr></thead><tbody>"
        for i in incidents {
            let top = IncidentSnapshot.decode(i.snapshot).suspects.first?.service ?? "—"
            h += "<tr><td><a href=\"/incidents/\(i.id)\">\(i.id)</a></td><td>\(i.status)</td><td class=\"sev-\(IncidentReport.escape(i.severity))\">\(IncidentReport.escape(i.severity))</td><td>\(IncidentReport.escape(i.service))</td>"
            h += "<td><a href=\"/incidents/\(i.id)\">\(IncidentReport.escape(i.title))</a></td><td>\(IncidentReport.duration(now - i.startedMs))</td>"
            h += "<td>\(i.resolvedMs.map { IncidentReport.duration($0 - i.startedMs) } ?? "—")</td><td>\(IncidentReport.escape(top))</td></tr>"
        }
        if incidents.isEmpty { h += "<tr><td colspan=\"8\">No incidents.</td></tr>" }
        h += "</tbody></table><h2>MTTR by week</h2><table><thead><tr><th scope=\"col\">Week ending</th><th scope=\"col\">Resolved</th><th scope=\"col\">MTTR</th></tr></thead><tbody>"
        for week in stats.weekly {
            h += "<tr><td>\(IncidentReport.time(week.endMs).prefix(10))</td><td>\(week.resolved)</td><td>\(week.mttrSeconds.map { IncidentReport.duration(Int64(saturating: $0 * 1000)) } ?? "—")</td></tr>"
        }
        return h + "</tbody></table></main></body></html>"
    }
}

/// MTTR (overall, over recent windows and by week, for its trend) and Augur's own RCA accuracy, for
/// `/metrics` and the incidents page.
package struct IncidentStats: Sendable {
    package struct Week: Sendable {
        package var endMs: Int64
        package var resolved: Int
        package var mttrSeconds: Double?
    }

    package var open = 0, resolved = 0, confirmed = 0, correct = 0
    package var mttrSeconds: Double?
    /// MTTR of the incidents resolved in the last 7 and 28 days.
    package var recentMTTRSeconds: [(days: Int, seconds: Double?)] = []
    /// The last eight weeks, oldest first, by resolution time.
    package var weekly: [Week] = []
    package var accuracy: Double? { confirmed > 0 ? Double(correct) / Double(confirmed) : nil }

    package init(_ incidents: [Incident], nowMs: Int64) {
        let week: Int64 = 7 * 86_400_000
        func mttr(_ from: Int64, _ to: Int64) -> (Int, Double?) {
            let repairs = incidents.compactMap { i in i.resolvedMs.flatMap { $0 > from && $0 <= to ? Double($0 - i.startedMs) / 1000 : nil } }
            return (repairs.count, repairs.isEmpty ? nil : repairs.reduce(0, +) / Double(repairs.count))
        }
        for i in incidents {
            if i.status != .resolved { open += 1 }
            if let cause = i.confirmedCause {
                confirmed += 1
                if IncidentSnapshot.decode(i.snapshot).suspects.first?.service == cause { correct += 1 }
            }
        }
        (resolved, mttrSeconds) = mttr(.min, .max)
        recentMTTRSeconds = [7, 28].map { ($0, mttr(nowMs - Int64($0) * 86_400_000, nowMs).1) }
        weekly = (0..<8).reversed().map { k in
            let end = nowMs - Int64(k) * week
            let (count, seconds) = mttr(end - week, end)
            return Week(endMs: end, resolved: count, mttrSeconds: seconds)
        }
    }
}

