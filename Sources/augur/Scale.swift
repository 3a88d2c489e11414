import AugurCommandLine
import ArgumentParser
import AugurApp
import Foundation

/// `augur scale …`: predictive replica recommendations.
struct Scale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scale", abstract: "Predictive autoscaling: replay a load trace through the recommender.",
                                                    subcommands: [ScaleBacktestCommand.self])
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
        (a day for traces shorter than 10 days). With a budget (the default, 1.1) the headroom is chosen online within it,
        and the frontier of the settings it chose among is printed beside the chosen point.
        """)

    @Option(help: "Load trace CSV: timestamp,value (ISO-8601 or Unix seconds).")
    var input: String

    @Option(help: "Recommendations CSV to write: timestamp,replicas.")
    var output: String

    @OptionGroup var scaling: ScalePolicyOptions

    @Option(help: "With a budget: write the frontier (bad minutes vs pod-hours per setting) as an SVG chart here.")
    var svg: String?

    func run() async throws {
        try await reportingFailures {
            let report = try TraceBacktest.run(input: input, policy: try scaling.policy(), output: output, svg: svg) { k, total in
                note("scale backtest: decision \(k) of \(total)")
            }
            print(report.table)
            if let frontier = report.frontier { print("\nfrontier explored (each setting held fixed over the trace) and the online choice\n" + frontier) }
            print(report.summary)
        }
    }
}
