import AugurCore
import AugurIngest
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
    }

    package static func run(input: String, policy: ScalePolicy, output: String, progress: @escaping (Int, Int) -> Void) throws -> Report {
        let trace = try loadTrace(input)
        let result = ScaleBacktest.replay(trace, policy: policy, progress: progress)
        var csv = "timestamp,replicas\n"
        for d in result.decisions { csv += "\(utcText(d.time)),\(d.replicas)\n" }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: output))
        let latency = result.decisionSeconds.sorted()
        let summary = String(format: "decisions %d, model fits %d (%.1f s), decision latency median %.3f ms, p99 %.3f ms",
                             result.decisions.count, result.fits, result.fitSeconds,
                             1000 * latency[latency.count / 2], 1000 * latency[min(latency.count - 1, latency.count * 99 / 100)])
        return Report(table: ScaleComparison(trace: trace, policy: policy, decisions: result.decisions).table(), summary: summary)
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
