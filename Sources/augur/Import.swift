import AugurCommandLine
import ArgumentParser
import AugurApp
import AugurCore
import AugurStore
import Foundation

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import metric files into the store (one transaction per file).",
        discussion: """
        Formats: long (timestamp,series,value), wide (time + one column per series), nab (timestamp,value),
        m4 (M4 wide rows, placed hourly from 2000-01-01), sockshop (<service>-<fault>/<run>/{normal,anomalous}.csv),
        nezha (<day>/metric/*.csv with dependency.csv), prometheus (text exposition), json (JSON lines).
        """
    )

    @Argument(help: "A file or a directory.")
    var path: String

    @Option(help: "One of: \(MetricFiles.formats.joined(separator: ", ")).")
    var format: String

    @OptionGroup var records: ImportOptions
    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingFailures {
            guard MetricFiles.formats.contains(format) else {
                throw ValidationError("unknown format \(format); one of \(MetricFiles.formats.joined(separator: ", "))")
            }
            let extra = try records.extraLabels()
            let config = try options.resolve().config
            let store = try Store(path: config.storage.path)
            let started = ContinuousClock.now
            let summary = try MetricFiles.importPath(path, format: format, into: store, labels: extra, strict: records.strict, progress: note)
            let seconds = (ContinuousClock.now - started).components.seconds
            for line in summary.skippedReport { note(line) }
            print("imported \(summary.files) files: \(summary.series) series, \(summary.samples) samples, \(summary.edges) graph edges in \(seconds)s (\(summary.chunks) chunks), \(summary.skipped) malformed records skipped")
        }
    }
}

/// What every file import takes beside the file: labels for everything it holds, and whether one
/// malformed record stops it.
struct ImportOptions: ParsableArguments {
    @Option(help: "Labels added to everything imported, e.g. env=prod,cluster=eu1.")
    var labels: String?

    @Flag(help: "All or nothing: stop at the first malformed record (by default it is skipped, counted and reported).")
    var strict = false

    func extraLabels() throws -> [String: String] {
        guard let labels, !labels.isEmpty else { return [:] }
        var out: [String: String] = [:]
        for pair in labels.split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, !kv[0].isEmpty else { throw ValidationError("labels must be name=value pairs separated by commas, got \"\(pair)\"") }
            out[String(kv[0])] = String(kv[1])
        }
        return out
    }
}
