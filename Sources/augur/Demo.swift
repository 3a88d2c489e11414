import AugurCommandLine
import ArgumentParser
import AugurCore
import AugurApp
import Foundation

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The demo system.", subcommands: [Generate.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate the demo shop and write metrics.jsonl, logs.jsonl, dependency.csv and scenarios.json.")

        @Option(help: "Output directory.")
        var output = "data/demo-out"

        @Option(help: "Random seed; the same seed and end give the same data.")
        var seed: UInt64 = 42

        @Option(help: "Days of history.")
        var days = 14

        @Option(help: "End time (RFC 3339, Unix time, now, now-30m); default now.")
        var end: String?

        func run() async throws {
            try await reportingFailures {
                guard days >= 1 && days <= 90 else { throw ValidationError("--days must be 1…90") }
                var endMs = WallClock.nowMs()
                if let end {
                    guard let t = TimeParsing.commandTimeMs(end, nowMs: endMs) else { throw ValidationError("--end \(end) is not a time (\(TimeParsing.commandTimeForms))") }
                    endMs = t
                }
                let s = try DemoShop.write(to: output, seed: seed, endMs: endMs, days: days)
                print("wrote \(s.series) series (\(s.samples) samples), \(s.logLines) log lines, \(s.edges) edges, \(s.scenarios) scenarios to \(output)")
            }
        }
    }
}
