package import AugurCore
import AugurRCA
import Foundation

/// An incident's report, rendered from its stored row, alerts, timeline and snapshot: Markdown for
/// tickets and chat, self-contained HTML (inline CSS and SVG, no script, no network) for the page.
package struct IncidentReport: Sendable {
    package let incident: Incident
    package let alerts: [IncidentAlert]
    package let events: [IncidentEvent]
    package let snapshot: IncidentSnapshot

    package init(incident: Incident, alerts: [IncidentAlert], events: [IncidentEvent]) {
        self.incident = incident
        self.alerts = alerts
        self.events = events
        snapshot = IncidentSnapshot.decode(incident.snapshot)
    }

    static func time(_ ms: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func duration(_ ms: Int64) -> String {
        let m = ms / 60_000
        return m >= 60 ? "\(m / 60) h \(m % 60) min" : "\(max(m, 0)) min"
    }

    static func number(_ x: Double) -> String { String(format: "%.4g", x) }

    var top: IncidentSnapshot.Suspect? { snapshot.suspects.first }

    var impact: String {
        let end = incident.resolvedMs.map(Self.time) ?? "ongoing"
        let length = incident.resolvedMs.map { " (\(Self.duration($0 - incident.startedMs)))" } ?? ""
        return "\(Self.time(incident.startedMs)) – \(end)\(length)"
    }

    var summary: String {
        guard let top else { return "RCA found no series that moved around \(Self.time(incident.startedMs))." }
        guard top.score >= RootCauseAnalyzer.clearScore else {
            return "\(incident.title). No clear cause: no service's series moved beyond its baseline's noise (top score \(Self.number(top.score)), \(top.service); 3 or more stands out)."
        }
        let e = top.evidence.first.map { " Its strongest evidence: \($0.text) went \($0.direction) from \(Self.number($0.baseline)) to \(Self.number($0.peak))\($0.onsetMs.map { " from \(Self.time($0))" } ?? "")." } ?? ""
        return "\(incident.title). Augur ranks **\(top.service)** as the most likely root cause (score \(Self.number(top.score))).\(e)"
    }

    var chainLines: [String] {
        snapshot.chain.map { "\($0.service): \($0.evidence.text) \($0.evidence.direction == "up" ? "↑" : "↓") (\(Self.number($0.evidence.baseline)) → \(Self.number($0.evidence.peak)))" }
            + snapshot.saturation.map { "\(top?.service ?? ""): \($0)" }
            + (top?.changes ?? []).map { "\(top?.service ?? ""): \($0)" }
    }

    // MARK: Markdown

    /// `▁▂▅█▇` over the chart (min – max), and its peak against the forecast interval at that time.
    static func sparkline(_ c: IncidentSnapshot.Chart, width: Int = 40) -> String {
        guard let t0 = c.points.first?[0], let t1 = c.points.last?[0], t1 > t0 else { return "no samples" }
        var bars = [Double?](repeating: nil, count: width)
        for p in c.points {
            let k = max(0, min(width - 1, Int(saturating: (p[0] - t0) / (t1 - t0) * Double(width))))
            bars[k] = max(bars[k] ?? -.infinity, p[1])
        }
        let values = c.points.map { $0[1] }
        let lo = values.min()!, hi = values.max()!
        let blocks = Array("▁▂▃▄▅▆▇█")
        let line = String(bars.map { v in v.map { blocks[hi > lo ? min(7, Int(($0 - lo) / (hi - lo) * 8)) : 0] } ?? " " })
        var text = "`\(line)` (\(number(lo)) – \(number(hi)))"
        if let peak = c.points.max(by: { $0[1] < $1[1] }), let expected = c.band?.min(by: { abs($0[0] - peak[0]) < abs($1[0] - peak[0]) }), expected.count == 3 {
            text += "; peak \(number(peak[1])) where the forecast's 95 % interval was \(number(expected[1])) – \(number(expected[2]))"
        }
        return text
    }

    package var markdown: String {
        var md = "# Incident #\(incident.id): \(incident.title)\n\n"
        md += "**Status** \(incident.status) · **Service** \(incident.service) · **Severity** \(incident.severity) · **Source** \(incident.source) · **Impact** \(impact)\n\n"
        md += "## Summary\n\n\(summary)\n\n"
        if let cause = incident.confirmedCause { md += "Root cause confirmed by the operator: **\(cause)**.\n\n" }
        md += "## Suspects\n\nScore: \(RootCauseAnalyzer.scoreMeaning).\(snapshot.lookedAt.map { " Looked at \($0)." } ?? "")\n\n| rank | service | score | strongest evidence |\n| --- | --- | --- | --- |\n"
        for (k, s) in snapshot.suspects.enumerated() {
            let e = s.evidence.first.map { "\($0.text) \($0.direction) \(Self.number($0.baseline)) → \(Self.number($0.peak))" } ?? ""
            md += "| \(k + 1) | \(s.service) | \(Self.number(s.score)) | \(e.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        md += "\n## Evidence chain\n\n"
        md += chainLines.isEmpty ? "No evidence.\n" : chainLines.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n") + "\n"
        if !snapshot.path.isEmpty { md += "\nCall path: \(snapshot.path.joined(separator: " → "))\n" }
        if !snapshot.charts.isEmpty {
            md += "\n## Charts\n\nAn hour around the onset, one character per bar (the bar's highest value).\n\n"
            for c in snapshot.charts { md += "- \(c.service) `\(c.title)`: \(Self.sparkline(c))\n" }
        }
        if !snapshot.templates.isEmpty {
            md += "\n## Log templates new or surging\n\n"
            for t in snapshot.templates { md += "- \(t.service): `\(t.text)` — \(t.count) lines (before: \(t.previous))\(t.example.map { "\n  example: `\($0)`" } ?? "")\n" }
        }
        md += "\n## Timeline\n\n"
        for e in events { md += "- \(Self.time(e.timeMs)) — \(e.kind): \(e.detail)\n" }
        md += "\n## Alerts\n\n"
        for a in alerts { md += "- \(a.name) on \(a.service), \(a.status), from \(Self.time(a.startsMs))\(a.endsMs.map { " to \(Self.time($0))" } ?? "")\n" }
        md += "\n## Postmortem (draft)\n\n"
        md += "- **Summary:** \(incident.title) on \(incident.service).\n"
        md += "- **Impact window:** \(impact).\n"
        md += "- **Timeline:** as above.\n"
        md += "- **Root cause:** \(incident.confirmedCause ?? top?.service ?? "unknown")\(incident.confirmedCause == nil ? " (Augur's top suspect, not yet confirmed)" : "").\n"
        md += "- **Contributing factors:** \(chainLines.isEmpty ? "none found" : chainLines.joined(separator: "; ")).\n"
        md += "- **Follow-ups:** \n"
        return md
    }

    // MARK: HTML

    /// Text for HTML and SVG: `&`, `<`, `>` and `"` as entities.
    package static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let style = """
        body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem;color:#1b1f24;background:#fff}
        h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #d0d7de}
        table{border-collapse:collapse;width:100%}td,th{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
        code{background:#f3f4f6;padding:0 .2rem}.meta span{margin-right:1rem}.sev-critical,.sev-page{color:#b42318;font-weight:600}
        figure{margin:.8rem 0}figcaption{font-size:.85rem;color:#57606a}svg{max-width:100%;height:auto}
        a{color:#0550ae}button{font:inherit;padding:.3rem .8rem}
        """

    package func html(feedbackAction: String? = nil) -> String {
        var h = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        h += "<title>Incident #\(incident.id): \(Self.escape(incident.title))</title><style>\(Self.style)</style></head><body><main>"
        h += "<p><a href=\"/incidents\">All incidents</a></p><h1>Incident #\(incident.id): \(Self.escape(incident.title))</h1>"
        h += "<p class=\"meta\"><span>Status <strong>\(incident.status)</strong></span><span>Service <strong>\(Self.escape(incident.service))</strong></span>"
        h += "<span class=\"sev-\(Self.escape(incident.severity))\">Severity \(Self.escape(incident.severity))</span><span>Impact \(Self.escape(impact))</span></p>"
        h += "<h2>Summary</h2><p>\(Self.escape(summary).replacingOccurrences(of: "**", with: ""))</p>"
        if let cause = incident.confirmedCause { h += "<p>Root cause confirmed by the operator: <strong>\(Self.escape(cause))</strong>.</p>" }
        h += "<h2>Suspects</h2><p>Score: \(Self.escape(RootCauseAnalyzer.scoreMeaning)).\(snapshot.lookedAt.map { " Looked at \(Self.escape($0))." } ?? "")</p><table><thead><tr><th scope=\"col\">Rank</th><th scope=\"col\">Service</th><th scope=\"col\">Score</th><th scope=\"col\">Strongest evidence</th></tr></thead><tbody>"
        for (k, s) in snapshot.suspects.enumerated() {
            let e = s.evidence.first.map { "<code>\(Self.escape($0.text))</code> \($0.direction) \(Self.number($0.baseline)) → \(Self.number($0.peak))" } ?? ""
            h += "<tr><td>\(k + 1)</td><td>\(Self.escape(s.service))</td><td>\(Self.number(s.score))</td><td>\(e)</td></tr>"
        }
        h += "</tbody></table><h2>Evidence chain</h2><ol>" + chainLines.map { "<li>\(Self.escape($0))</li>" }.joined() + "</ol>"
        if !snapshot.edges.isEmpty { h += "<h2>Dependency graph</h2>" + graphSVG() }
        if !snapshot.charts.isEmpty {
            h += "<h2>Suspect series</h2>"
            for c in snapshot.charts { h += chartSVG(c) }
        }
        if !snapshot.templates.isEmpty {
            h += "<h2>Log templates new or surging</h2><ul>"
            for t in snapshot.templates {
                h += "<li>\(Self.escape(t.service)): <code>\(Self.escape(t.text))</code> — \(t.count) lines (before: \(t.previous))\(t.example.map { "<br><small>example: <code>\(Self.escape($0))</code></small>" } ?? "")</li>"
            }
            h += "</ul>"
        }
        h += "<h2>Timeline</h2><ul>" + events.map { "<li><time>\(Self.time($0.timeMs))</time> — \(Self.escape($0.kind)): \(Self.escape($0.detail))</li>" }.joined() + "</ul>"
        if let action = feedbackAction {
            let options = snapshot.suspects.map { "<option>\(Self.escape($0.service))</option>" }.joined()
            h += "<h2>Root cause feedback</h2><form method=\"post\" action=\"\(action)\"><label for=\"cause\">Root cause service</label> "
            h += "<input id=\"cause\" name=\"cause\" list=\"suspects\" value=\"\(Self.escape(incident.confirmedCause ?? top?.service ?? ""))\" required><datalist id=\"suspects\">\(options)</datalist> "
            h += "<button type=\"submit\">Confirm root cause</button></form>"
        }
        h += "<h2>Postmortem (draft)</h2><dl><dt>Summary</dt><dd>\(Self.escape(incident.title)) on \(Self.escape(incident.service)).</dd><dt>Impact window</dt><dd>\(Self.escape(impact))</dd>"
        h += "<dt>Root cause</dt><dd>\(Self.escape(incident.confirmedCause ?? top?.service ?? "unknown"))</dd><dt>Contributing factors</dt><dd>\(Self.escape(chainLines.joined(separator: "; ")))</dd><dt>Follow-ups</dt><dd></dd></dl>"
        h += "</main></body></html>"
        return h
    }

    /// A line chart of one series with the alert time (red) and the anomaly onset (orange) marked, over
    /// the forecast band (shaded) when there is one.
    func chartSVG(_ c: IncidentSnapshot.Chart) -> String {
        let w = 640.0, ht = 160.0, pad = 36.0
        guard let t0 = c.points.first?[0], let t1 = c.points.last?[0], t1 > t0 else { return "" }
        let band = (c.band ?? []).filter { $0.count == 3 && $0[0] >= t0 && $0[0] <= t1 && $0[1].isFinite && $0[2].isFinite }
        let values = c.points.map { $0[1] } + band.flatMap { [$0[1], $0[2]] }
        let lo = values.min()!, hi = values.max()! == values.min()! ? values.min()! + 1 : values.max()!
        func x(_ t: Double) -> Double { pad + (t - t0) / (t1 - t0) * (w - 2 * pad) }
        func y(_ v: Double) -> Double { ht - pad / 2 - (v - lo) / (hi - lo) * (ht - pad) }
        let line = c.points.map { String(format: "%.1f,%.1f", x($0[0]), y($0[1])) }.joined(separator: " ")
        var s = "<figure><svg viewBox=\"0 0 \(Int(w)) \(Int(ht))\" role=\"img\" aria-label=\"\(Self.escape(c.title))\"><rect width=\"100%\" height=\"100%\" fill=\"#fafbfc\"/>"
        if band.count >= 2 {
            let outline = (band.map { ($0[0], $0[2]) } + band.reversed().map { ($0[0], $0[1]) }).map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }
            s += "<polygon fill=\"#0550ae\" fill-opacity=\"0.12\" stroke=\"none\" points=\"\(outline.joined(separator: " "))\"><title>95 % forecast interval</title></polygon>"
        }
        s += "<polyline fill=\"none\" stroke=\"#0550ae\" stroke-width=\"1.5\" points=\"\(line)\"/>"
        let alert = Double(incident.startedMs) / 1000
        if alert >= t0 && alert <= t1 { s += String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%.0f\" stroke=\"#b42318\" stroke-dasharray=\"4 3\"/>", x(alert), x(alert), ht) }
        if let onset = c.onsetMs.map({ Double($0) / 1000 }), onset >= t0 && onset <= t1 {
            s += String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%.0f\" stroke=\"#bc4c00\"/>", x(onset), x(onset), ht)
        }
        s += "<text x=\"2\" y=\"12\" font-size=\"10\">\(Self.number(hi))</text><text x=\"2\" y=\"\(Int(ht) - 4)\" font-size=\"10\">\(Self.number(lo))</text></svg>"
        s += "<figcaption>\(Self.escape(c.service)): <code>\(Self.escape(c.title))</code> — alert at the dashed red line, anomaly onset at the orange line\(band.count >= 2 ? ", shaded: the 95 % forecast interval from the week before" : "").</figcaption></figure>"
        return s
    }

    /// Services on a circle, calls as lines; the path from the alerting service to the top suspect in red.
    func graphSVG() -> String {
        let nodes = Array(Set(snapshot.edges.flatMap { $0 })).sorted()
        let n = Double(nodes.count), r = 150.0, cx = 320.0, cy = 185.0
        var pos: [String: (Double, Double)] = [:]
        for (k, name) in nodes.enumerated() {
            let a = 2 * Double.pi * Double(k) / n - .pi / 2
            pos[name] = (cx + r * cos(a), cy + r * sin(a))
        }
        let onPath = Set(zip(snapshot.path, snapshot.path.dropFirst()).map { "\($0)>\($1)" })
        var s = "<figure><svg viewBox=\"0 0 640 370\" role=\"img\" aria-label=\"Dependency graph\">"
        for e in snapshot.edges where e.count == 2 {
            guard let a = pos[e[0]], let b = pos[e[1]] else { continue }
            let hot = onPath.contains("\(e[0])>\(e[1])")
            s += String(format: "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%@\" stroke-width=\"%@\"/>", a.0, a.1, b.0, b.1, hot ? "#b42318" : "#8c959f", hot ? "3" : "1")
        }
        let suspects = Set(snapshot.suspects.prefix(1).map(\.service))
        for name in nodes {
            let p = pos[name]!
            let fill = suspects.contains(name) ? "#ffebe9" : snapshot.path.contains(name) ? "#fff8c5" : "#f6f8fa"
            s += String(format: "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"7\" fill=\"%@\" stroke=\"#57606a\"/>", p.0, p.1, fill)
            s += String(format: "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"middle\">%@</text>", p.0, p.1 - 11, Self.escape(name))
        }
        s += "</svg><figcaption>Calls between services; the path from the alerting service to the top suspect is red.</figcaption></figure>"
        return s
    }
}
