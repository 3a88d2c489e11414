import ArgumentParser
import AugurApp
import AugurCommandLine
import AugurCore
import Foundation

/// `augur forecast`: the batch contract (files in, wide CSV forecasts out).
struct Forecast: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast every series of a file: wide CSV out (id,h1,…,hH), one row per input series, in input order.")

    @Option(help: "Input file (or, for nab, a directory of NAB files).")
    var input: String

    @Option(help: "m4 (wide rows, hourly), csv (long timestamp,series,value) or nab (timestamp,value; id = file name).")
    var format: String

    @Option(help: "Steps to forecast.")
    var horizon: Int

    @Option(help: "Seasonal period(s) in steps, e.g. 24 or 24,168; detected from the data when absent.")
    var season: String?

    @Option(help: "auto (backtest selection), \(ForecastFiles.modelNames.dropFirst().joined(separator: ", ")).")
    var model = "auto"

    @Option(help: "Prediction interval level in percent for --lower/--upper.")
    var level = 95.0

    @Option(help: "Point forecasts, wide CSV.")
    var output: String

    @Option(help: "Lower bounds at --level, wide CSV.")
    var lower: String?

    @Option(help: "Upper bounds at --level, wide CSV.")
    var upper: String?

    // Off by default here: the batch contract forecasts each series as given. On M4 Hourly it makes no
    // measurable difference (`augur-bench forecast --exclude-incidents`: OWA 0.503 either way).
    @Flag(help: "Replace detected incidents (runs far outside the seasonal norm) by the norm before fitting, as `augur serve` does.")
    var excludeIncidents = false

    func validate() throws {
        guard horizon > 0 else { throw ValidationError("--horizon must be positive") }
        guard ForecastFiles.formats.contains(format) else { throw ValidationError("--format must be m4, csv or nab") }
        guard ForecastFiles.modelNames.contains(model) else { throw ValidationError("unknown --model \(model)") }
        guard level > 0 && level < 100 else { throw ValidationError("--level must be between 0 and 100") }
    }

    func run() async throws {
        try await reportingFailures {
            let periods = try season.map { text in
                try text.split(separator: ",").map { s -> Int in
                    guard let p = Int(s), p >= 1 else { throw ValidationError("--season takes whole numbers, got \(s)") }
                    return p
                }
            } ?? []
            var job = ForecastFiles(horizon: horizon)
            (job.periods, job.model, job.level, job.excludeIncidents) = (periods, model, level, excludeIncidents)
            let started = ContinuousClock.now
            let reporter = ProgressReporter(started: started)
            let rows = try await job.run(input, format: format, note: note, progress: { reporter.report($0, $1) })
            var models: [String: Int] = [:]
            for row in rows {
                if let model = row.model { models[model, default: 0] += 1 }
                if let failure = row.failure { note("warning: \(row.id): \(failure); wrote its last value") }
            }
            let ids = rows.map(\.id), failures = rows.count { $0.failure != nil }
            try ForecastCSV.write(output, ids: ids, rows: rows.map(\.point))
            if let lower { try ForecastCSV.write(lower, ids: ids, rows: rows.map(\.lower)) }
            if let upper { try ForecastCSV.write(upper, ids: ids, rows: rows.map(\.upper)) }
            let chosen = models.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            note("forecast: \(rows.count) series in \(String(format: "%.1f", seconds(ContinuousClock.now - started))) s; models: \(chosen)\(failures > 0 ? "; \(failures) failed" : "")")
        }
    }
}

enum ForecastCSV {
    /// `id,h1,…,hH` then one row per series.
    static func write(_ path: String, ids: [String], rows: [[Double]]) throws {
        let h = rows.first?.count ?? 0
        var text = "id," + (1...max(h, 1)).prefix(h).map { "h\($0)" }.joined(separator: ",") + "\n"
        for (id, row) in zip(ids, rows) {
            let quoted = id.contains(",") || id.contains("\"") ? "\"" + id.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : id
            text += quoted + "," + row.map { String($0) }.joined(separator: ",") + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// Progress on stderr: series done, elapsed, ETA, about every tenth of the work.
struct ProgressReporter: Sendable {
    let started: ContinuousClock.Instant

    func report(_ done: Int, _ total: Int) {
        let every = max(1, total / 10)
        guard done % every == 0 || done == total else { return }
        let elapsed = seconds(ContinuousClock.now - started)
        let eta = elapsed / Double(done) * Double(total - done)
        note(String(format: "forecast: %d/%d series, %.1f s elapsed, ETA %.1f s", done, total, elapsed, eta))
    }
}
