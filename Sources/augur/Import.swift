import AugurCommandLine
import ArgumentParser
import AugurCore
import AugurIngest
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

    @Option(help: "One of: \(ImportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String

    @OptionGroup var records: ImportOptions
    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingFailures {
            guard let format = ImportFormat(rawValue: format) else {
                throw ValidationError("unknown format \(format); one of \(ImportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let extra = try records.extraLabels()
            let config = try options.resolve().config
            let store = try Store(path: config.storage.path)
            let importer = FileImporter(ingestor: Ingestor(store: store), extraLabels: extra, strict: records.strict)
            let started = ContinuousClock.now
            let summary = try importer.importPath(path, format: format) { file, s in
                note("imported \(file): \(s.files) files, \(s.series) series, \(s.samples) samples so far")
            }
            let report = try store.compact(force: true)
            let seconds = (ContinuousClock.now - started).components.seconds
            for line in summary.bad.report { note(line) }
            print("imported \(summary.files) files: \(summary.series) series, \(summary.samples) samples, \(summary.edges) graph edges in \(seconds)s (\(report.chunksWritten) chunks), \(summary.bad.count) malformed records skipped")
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
