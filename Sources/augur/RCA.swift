import AugurCommandLine
import ArgumentParser
import AugurApp
import AugurCore
import AugurStore
import Foundation

/// `augur rca …`: root-cause analysis.
struct RCA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rca", abstract: "Root-cause analysis: suspects at a time (--at), or the benchmark contract (eval, score).",
                                                    subcommands: [RCAEval.self, RCAScore.self])

    @Option(help: "When the incident started (RFC 3339, Unix time, now, now-30m); the analysis looks at the window after it.")
    var at: String?

    @Option(help: "Window after --at to look at.")
    var window = "5m"

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingFailures {
            guard let at else { throw ValidationError("--at TIME is required (or use augur rca eval)") }
            guard let t = TimeParsing.commandTimeMs(at, nowMs: WallClock.nowMs()) else { throw ValidationError("--at \(at) is not a time (\(TimeParsing.commandTimeForms))") }
            guard let w = TimeParsing.durationMs(window), w > 0 else { throw ValidationError("--window \(window) is not a duration") }
            let store = try Store(path: try options.resolve().config.storage.path, readOnly: true)
            let (table, notes) = try RCAEvaluation.suspects(in: store, atMs: t, windowMs: w)
            print(table)
            for line in notes { note(line) }
        }
    }
}

/// The benchmark contract: every case of a fault-injection data set through a fresh store and the analyzer.
struct RCAEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run RCA on every case of a fault-injection data set: one JSON line per case with the ranking and the evidence.",
        discussion: """
        nezha: DIR/<day>/{fault_list.json,metric/,log/} and optionally DIR/normal/<day>/metric/ (a fault-free reference);
        RCA runs at each fault's inject_time, read as UTC wall-clock time, the clock of the metric files' Time column
        (TimeStamp and inject_timestamp are not trusted). sockshop: DIR/<service>-<fault>/<run>/{normal,anomalous}.csv;
        RCA runs at the first row of anomalous.csv. Only the time is used: never the folder names or injected pods.
        """)

    @OptionGroup var dataSet: FaultDataSet

    @Option(help: "Cases as JSON lines.")
    var output: String

    @Flag(help: "All or nothing: stop at the first malformed record of the data set (by default it is skipped, counted and reported).")
    var strict = false

    func run() async throws {
        try await reportingFailures {
            let result = try RCAEvaluation.evaluate(format: dataSet.format, dir: dataSet.dir, strict: strict, progress: note)
            for line in result.skippedReport { note("rca eval: " + line) }
            try Data(result.jsonLines.utf8).write(to: URL(fileURLWithPath: output))
            note("rca eval: \(result.cases) cases written to \(output)")
        }
    }
}

/// Scores `augur rca eval`'s output against the data set's ground truth.
struct RCAScore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "AC@1, AC@3, AC@5 and Avg@5 of an eval's rankings, per fault type and overall.",
        discussion: """
        The truth comes from the data set: nezha, each fault of DIR/<day>/fault_list.json (its inject_pod's service, its
        inject_type); sockshop, the folder <service>-<fault>. Every case of the data set is scored: one missing from
        CASES counts as a miss at every k. The last line is machine-readable.
        """)

    @OptionGroup var dataSet: FaultDataSet

    @Option(help: "The eval's output (JSON lines with case and ranking).")
    var cases: String

    func run() async throws {
        try await reportingFailures {
            print(try RCAEvaluation.score(format: dataSet.format, dir: dataSet.dir, cases: cases))
        }
    }
}

/// A labelled fault data set as eval and score both take it: its layout and its directory.
struct FaultDataSet: ParsableArguments {
    @Option(help: "nezha or sockshop.")
    var format: String

    @Argument(help: "The data set's directory (score takes the one given to eval).")
    var dir: String

    func validate() throws {
        guard RCAEvaluation.formats.contains(format) else { throw ValidationError("--format must be nezha or sockshop") }
    }
}
