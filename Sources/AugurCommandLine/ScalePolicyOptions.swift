import ArgumentParser
import AugurCore
package import AugurScaling

/// Options that describe one workload's scaling policy (`augur scale backtest`).
package struct ScalePolicyOptions: ParsableArguments {
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

    @Option(help: "A fixed quantile of the peak load over the lead window to size for, instead of a budget.")
    var quantile: Double?

    @Option(help: "What the headroom may cost over a rolling week: pod-hours relative to the simulated HPA (1.1 or 110%), a cap (500 pod-hours) or none. Default 1.1.")
    var budget: String?

    @Option(help: "Scale-down stabilisation window.")
    var stabilization = "5m"

    package init() {}

    package func policy() throws -> ScalePolicy {
        var p = ScalePolicy(capacity: capacity)
        p.target = target
        p.startupSeconds = try seconds(startup, "--startup")
        p.stepSeconds = try seconds(step, "--step")
        p.minReplicas = minReplicas
        p.maxReplicas = maxReplicas
        if let quantile {
            guard budget == nil else { throw ValidationError("--quantile fixes the headroom and --budget chooses it: pass one of them") }
            p.quantile = quantile
            p.budget = nil
        } else if let budget {
            guard let b = ScaleBudget(parsing: budget) else { throw ValidationError("--budget \(budget) is not \(ScaleBudget.expected)") }
            p.budget = b
        }
        p.downscaleStabilizationSeconds = try seconds(stabilization, "--stabilization")
        if let problem = p.problem { throw ValidationError(problem) }
        return p
    }

    private func seconds(_ text: String, _ flag: String) throws -> Double {
        guard let ms = TimeParsing.durationMs(text) else { throw ValidationError("\(flag) \(text) is not a duration") }
        return Double(ms) / 1000
    }
}
