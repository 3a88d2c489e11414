import AugurCore
import AugurIngest
import AugurReports
package import AugurScaling
import Foundation

/// A load trace file (`timestamp,value` CSV) as the scaling commands read it.
package func loadTrace(_ path: String) throws -> LoadTrace {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        throw IngestError(.unreadable, format: "trace", "cannot read \(path)")
    }
    return try LoadTrace.csv(text, name: path)
}

/// `augur scale backtest`: a load trace replayed through the recommender, its decisions written as
/// `timestamp,replicas`, and the comparison with the reactive HPA.
package enum TraceBacktest {
    package struct Report: Sendable {
        /// The comparison table (tab-separated, header first).
        package let table: String
        /// Decisions, fits and decision latency.
        package let summary: String
        /// With a budget: every candidate setting held fixed, beside the online choice (tab-separated).
        package let frontier: String?
    }

    /// `svg`: where to write the frontier as a chart (with a budget).
    package static func run(input: String, policy: ScalePolicy, output: String, svg: String? = nil,
                            progress: @escaping (Int, Int) -> Void) throws -> Report {
        let trace = try loadTrace(input)
        let result = ScaleBacktest.replay(trace, policy: policy, progress: progress)
        var csv = "timestamp,replicas\n"
        for d in result.decisions { csv += "\(utcText(d.time)),\(d.replicas)\n" }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: output))
        let latency = result.decisionSeconds.sorted()
        let summary = String(format: "decisions %d, model fits %d (%.1f s), decision latency median %.3f ms, p99 %.3f ms",
                             result.decisions.count, result.fits, result.fitSeconds,
                             1000 * latency[latency.count / 2], 1000 * latency[min(latency.count - 1, latency.count * 99 / 100)])
        let comparison = ScaleComparison(trace: trace, policy: policy, decisions: result.decisions)
        var frontier: BudgetFrontier?
        if let budget = policy.budget, !result.candidates.isEmpty {
            frontier = BudgetFrontier(trace: trace, policy: policy, budget: budget, result: result, comparison: comparison)
            if let svg { try Data(frontier!.svg().utf8).write(to: URL(fileURLWithPath: svg)) }
        }
        return Report(table: comparison.table(), summary: summary, frontier: frontier?.table())
    }
}

/// What each budget candidate would have cost and saved had it been held fixed over the whole trace,
/// beside the HPA alone and the setting chosen online within the budget.
struct BudgetFrontier {
    struct Point { let name: String, badMinutes: Int, podHours: Double }
    let budget: ScaleBudget
    let hpa: Point, chosen: Point
    let candidates: [Point]
    /// The HPA's pod-hours, the unit of the x axis (never zero).
    var hpaHours: Double { max(hpa.podHours, 1e-9) }

    init(trace: LoadTrace, policy: ScalePolicy, budget: ScaleBudget, result: ScaleBacktest.Result, comparison: ScaleComparison) {
        self.budget = budget
        let sim = HPASimulation(policy: policy, trace: trace)
        hpa = Point(name: "hpa alone", badMinutes: comparison.rows[0].score.badMinutes, podHours: comparison.rows[0].score.podHours)
        chosen = Point(name: "chosen online within \(budget)", badMinutes: comparison.rows[1].score.badMinutes, podHours: comparison.rows[1].score.podHours)
        candidates = BudgetedHeadroom.candidates.enumerated().map { k, h in
            let s = sim.run(trace, recommendations: zip(result.decisions, result.candidates).map { ($0.time, $1[k]) })
            return Point(name: "fixed: \(h)", badMinutes: s.badMinutes, podHours: s.podHours)
        }
    }

    /// Candidates no other candidate beats on both bad minutes and pod-hours.
    var efficient: [Point] {
        candidates.filter { p in !candidates.contains { $0.badMinutes <= p.badMinutes && $0.podHours < p.podHours || $0.badMinutes < p.badMinutes && $0.podHours <= p.podHours } }
            .sorted { $0.podHours < $1.podHours }
    }

    func table() -> String {
        let frontier = Set(efficient.map(\.name))
        var out = "setting\tbad minutes\tpod-hours\tpod-hours vs HPA\tefficient\n"
        for p in [hpa] + candidates.sorted(by: { $0.podHours < $1.podHours }) + [chosen] {
            out += String(format: "%@\t%d\t%.1f\t%.3f\t%@\n", p.name, p.badMinutes, p.podHours, p.podHours / hpaHours, frontier.contains(p.name) ? "*" : "")
        }
        return String(out.dropLast())
    }

    /// Bad minutes against pod-hours relative to the HPA: the candidates (the efficient ones joined),
    /// the HPA alone, the online choice and the budget's limit.
    func svg() -> String {
        let all = [hpa, chosen] + candidates
        let xs = all.map { $0.podHours / hpaHours }
        var xMax = max(xs.max() ?? 1, 1.05)
        if case .relative(let r) = budget { xMax = max(xMax, r * 1.05) }
        let xMin = min(xs.min() ?? 1, 1.0) - 0.02, yMax = Double(max(all.map(\.badMinutes).max() ?? 1, 1)) * 1.05
        let (w, h, l, b, t, r) = (640.0, 400.0, 60.0, 40.0, 30.0, 20.0)
        func x(_ v: Double) -> Double { l + (v - xMin) / (xMax - xMin) * (w - l - r) }
        func y(_ v: Double) -> Double { h - b - v / yMax * (h - b - t) }
        func pt(_ p: Point) -> (Double, Double) { (x(p.podHours / hpaHours), y(Double(p.badMinutes))) }
        var s = String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">", w, h)
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        s += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>", l, h - b, w - r, h - b, l, t, l, h - b)
        for i in 0...4 {
            let xv = xMin + Double(i) / 4 * (xMax - xMin), yv = Double(i) / 4 * yMax
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.2f</text>", x(xv), h - b + 16, xv)
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>", l - 6, y(yv) + 4, yv)
        }
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">pod-hours vs the HPA</text>", (l + w - r) / 2, h - 6)
        s += String(format: "<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">bad minutes</text>", (t + h - b) / 2, (t + h - b) / 2)
        if case .relative(let ratio) = budget {
            s += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#c33\">budget %.2f×</text>", x(ratio), t, x(ratio), h - b, x(ratio) + 4, t + 12, ratio)
        }
        s += "<polyline fill=\"none\" stroke=\"#888\" points=\"" + efficient.map { String(format: "%.1f,%.1f", pt($0).0, pt($0).1) }.joined(separator: " ") + "\"/>"
        for p in candidates { s += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#7a9cc6\"><title>%@</title></circle>", pt(p).0, pt(p).1, IncidentReport.escape(p.name)) }
        s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"#333\"><title>HPA alone</title></rect>", pt(hpa).0 - 4.5, pt(hpa).1 - 4.5)
        s += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"#c33\"><title>%@</title></circle>", pt(chosen).0, pt(chosen).1, IncidentReport.escape(chosen.name))
        s += String(format: "<text x=\"%.1f\" y=\"18\">● fixed settings (line: efficient)  ■ HPA alone  </text><text x=\"%.1f\" y=\"18\" fill=\"#c33\">● chosen online</text>", l, l + 300)
        return s + "</svg>\n"
    }
}

/// The reactive HPA, Augur's recommendations through it, and the seasonal-naive baselines on one trace.
package struct ScaleComparison {
    package let rows: [(name: String, score: HPASimulation.Score)]

    package init(trace: LoadTrace, policy: ScalePolicy, decisions: [ScaleDecision]) {
        let sim = HPASimulation(policy: policy, trace: trace)
        var rows = [("hpa", sim.run(trace)), ("augur+hpa", sim.run(trace, recommendations: decisions.map { ($0.time, $0.replicas) }))]
        for (name, season) in [("snaive-day+hpa", 86_400.0), ("snaive-week+hpa", 7 * 86_400.0)] where trace.end - trace.times[0] >= 2 * season {
            rows.append((name, sim.run(trace, recommendations: HPASimulation.seasonalNaive(trace, policy: policy, seasonSeconds: season))))
        }
        self.rows = rows
    }

    package func table() -> String {
        let hpa = rows[0].score
        var out = "policy\tunder-provisioned %\tbad minutes\tpod-hours\tscaling actions\tbad minutes vs HPA\tpod-hours vs HPA\n"
        for (name, s) in rows {
            out += String(format: "%@\t%.2f\t%d\t%.1f\t%d\t%@\t%.3f\n", name, 100 * s.underProvisionedShare, s.badMinutes, s.podHours, s.scalingActions,
                          hpa.badMinutes > 0 ? String(format: "%+.1f%%", 100 * (Double(s.badMinutes) / Double(hpa.badMinutes) - 1)) : "n/a",
                          s.podHours / max(hpa.podHours, 1e-9))
        }
        return String(out.dropLast())
    }
}

/// `2014-04-10 00:04:00` in UTC.
package func utcText(_ seconds: Double) -> String {
    var t = time_t(seconds.rounded(.down))
    var parts = tm()
    gmtime_r(&t, &parts)
    return String(format: "%04d-%02d-%02d %02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
}
