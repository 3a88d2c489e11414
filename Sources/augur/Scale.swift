import AugurCommandLine
import ArgumentParser
import AugurCore
import AugurScaling
import Foundation

/// `augur scale …`: predictive replica recommendations.
struct Scale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scale", abstract: "Predictive autoscaling: replay a load trace through the recommender.",
                                                    subcommands: [ScaleBacktestCommand.self])
}

/// Options that describe one workload's scaling, shared by the backtest and its benchmark.
struct ScalePolicyOptions: ParsableArguments {
    @Option(help: "Per-pod capacity at 100 % utilisation, in the trace's load units.")
    var capacity: Double

    @Option(help: "Target utilisation.")
    var target = 0.7

    @Option(help: "Pod start-up time (e.g. 3m, 90s).")
    var startup = "3m"

    @Option(name: .customLong("min"), help: "Minimum replicas.")
    var minReplicas = 1

    @Option(name: .customLong("max"), help: "Maximum replicas.")
    var maxReplicas = 10_000

    @Option(help: "Time between decisions.")
    var step = "5m"

    @Option(help: "Quantile of the peak load over the lead window that the replicas are sized for.")
    var quantile = 0.9

    @Option(help: "Scale-down stabilisation window.")
    var stabilization = "5m"

    func policy() throws -> ScalePolicy {
        var p = ScalePolicy(capacity: capacity)
        p.target = target
        p.startupSeconds = try seconds(startup, "--startup")
        p.stepSeconds = try seconds(step, "--step")
        p.minReplicas = minReplicas
        p.maxReplicas = maxReplicas
        p.quantile = quantile
        p.downscaleStabilizationSeconds = try seconds(stabilization, "--stabilization")
        if let problem = p.problem { throw ValidationError(problem) }
        return p
    }

    private func seconds(_ text: String, _ flag: String) throws -> Double {
        guard let ms = TimeParsing.durationMs(text) else { throw ValidationError("\(flag) \(text) is not a duration") }
        return Double(ms) / 1000
    }
}

/// The backtest contract: decisions as `timestamp,replicas`, and the comparison with the reactive HPA.
struct ScaleBacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Replay a load trace through the recommender; write timestamp,replicas and compare with a simulated HPA.",
        discussion: """
        Each row is a decision at `timestamp` made from the samples that ended by then: the READY pods wanted from
        timestamp + start-up until the next row. The comparison replays the Kubernetes HPA (sync 15 s, tolerance 0.1,
        5-minute downscale stabilisation, starting pods ignored, metric 30 s old) alone, with these recommendations as an
        External metric beside CPU, and with seasonal-naive recommendations (+10 %), scored after a warm-up of a week
        (a day for traces shorter than 10 days).
        """)

    @Option(help: "Load trace CSV: timestamp,value (ISO-8601 or Unix seconds).")
    var input: String

    @Option(help: "Recommendations CSV to write: timestamp,replicas.")
    var output: String

    @OptionGroup var scaling: ScalePolicyOptions

    func run() async throws {
        try await reportingFailures {
            let policy = try scaling.policy()
            let trace = try loadTrace(input)
            let result = ScaleBacktest.replay(trace, policy: policy) { k, total in note("scale backtest: decision \(k) of \(total)") }
            var csv = "timestamp,replicas\n"
            for d in result.decisions { csv += "\(utcText(d.time)),\(d.replicas)\n" }
            try Data(csv.utf8).write(to: URL(fileURLWithPath: output))
            let comparison = ScaleComparison(trace: trace, policy: policy, decisions: result.decisions)
            print(comparison.table())
            let latency = result.decisionSeconds.sorted()
            print(String(format: "decisions %d, model fits %d (%.1f s), decision latency median %.3f ms, p99 %.3f ms",
                         result.decisions.count, result.fits, result.fitSeconds,
                         1000 * latency[latency.count / 2], 1000 * latency[min(latency.count - 1, latency.count * 99 / 100)]))
        }
    }
}

/// The reactive HPA, Augur's recommendations through it, and the seasonal-naive baselines on one trace.
struct ScaleComparison {
    let rows: [(name: String, score: HPASimulation.Score)]

    init(trace: LoadTrace, policy: ScalePolicy, decisions: [ScaleDecision]) {
        let sim = HPASimulation(policy: policy, trace: trace)
        var rows = [("hpa", sim.run(trace)), ("augur+hpa", sim.run(trace, recommendations: decisions.map { ($0.time, $0.replicas) }))]
        for (name, season) in [("snaive-day+hpa", 86_400.0), ("snaive-week+hpa", 7 * 86_400.0)] where trace.end - trace.times[0] >= 2 * season {
            rows.append((name, sim.run(trace, recommendations: HPASimulation.seasonalNaive(trace, policy: policy, seasonSeconds: season))))
        }
        self.rows = rows
    }

    func table() -> String {
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
func utcText(_ seconds: Double) -> String {
    var t = time_t(seconds.rounded(.down))
    var parts = tm()
    gmtime_r(&t, &parts)
    return String(format: "%04d-%02d-%02d %02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
}
