import AugurCommandLine
import AugurNumerics
import ArgumentParser
import AugurCore
import AugurForecast
import AugurIngest
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

    @Option(help: "auto (backtest selection), \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
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
        guard ["m4", "csv", "nab"].contains(format) else { throw ValidationError("--format must be m4, csv or nab") }
        guard model == "auto" || ModelKind(rawValue: model) != nil else { throw ValidationError("unknown --model \(model)") }
        guard level > 0 && level < 100 else { throw ValidationError("--level must be between 0 and 100") }
    }

    func run() async throws {
        try await reportingFailures {
            let inputs = try ForecastInput.read(input, format: format)
            let periods = try season.map { text in
                try text.split(separator: ",").map { s -> Int in
                    guard let p = Int(s), p >= 1 else { throw ValidationError("--season takes whole numbers, got \(s)") }
                    return p
                }
            }
            let kind = ModelKind(rawValue: model)
            let lvl = level / 100
            let started = ContinuousClock.now
            // The first period as given (or detected from the data); further given periods go to MSTL.
            var excluded = 0
            let batch = inputs.map { input in
                let period = periods?.first ?? Seasonality.detectPeriod(input.values, candidates: input.candidatePeriods) ?? 1
                var values = input.values
                if excludeIncidents {
                    let cleaned = IncidentDetection().cleaned(values, period: period)
                    values = cleaned.values
                    excluded += cleaned.windows.count
                }
                return BatchForecast.Input(values: values, period: period, extraPeriods: Array((periods ?? []).dropFirst()))
            }
            if excludeIncidents { note("forecast: \(excluded) detected incident windows replaced by the seasonal norm") }
            let reporter = ProgressReporter(started: started)
            let (setup, outcome) = await BatchForecast(horizon: horizon, model: kind, levels: [lvl]).run(batch) { reporter.report($0, $1) }
            if let failure = setup.globalFailure { note("forecast: no global model (\(failure)); the per-series models carry on") }
            if let length = setup.globalInputLength { note("forecast: global model input \(length) steps, validation error \(String(format: "%.4f", setup.globalValidationError ?? .nan))") }
            if let failure = setup.lstmFailure { note("forecast: no LSTM (\(failure))") }
            if let epochs = setup.lstmEpochs { note("forecast: LSTM trained, \(epochs) epochs, \(Int(setup.lstmWindowsPerSecond ?? 0)) windows/s") }
            note("forecast: interval scale at \(level)%: \(String(format: "%.3f", setup.intervalScale[lvl] ?? 1))")
            let results: [(ForecastResult?, String?)] = outcome.map { r in
                switch r {
                case .success(let f): (f, nil)
                case .failure(let e): (nil, e.description)
                }
            }
            var failures = 0
            var points: [[Double]] = [], lows: [[Double]] = [], highs: [[Double]] = []
            var models: [String: Int] = [:]
            for (i, (r, failure)) in results.enumerated() {
                if let r {
                    points.append(r.point)
                    lows.append(r.intervals[lvl]!.lower)
                    highs.append(r.intervals[lvl]!.upper)
                    models[r.model.rawValue, default: 0] += 1
                } else {
                    // A series that cannot be forecast still gets its row (repeating its last value) and a warning.
                    failures += 1
                    note("warning: \(inputs[i].id): \(failure ?? "no forecast"); wrote its last value")
                    let last = inputs[i].values.last ?? .nan
                    points.append(Array(repeating: last, count: horizon))
                    lows.append(Array(repeating: last, count: horizon))
                    highs.append(Array(repeating: last, count: horizon))
                }
            }
            let ids = inputs.map(\.id)
            try ForecastCSV.write(output, ids: ids, rows: points)
            if let lower { try ForecastCSV.write(lower, ids: ids, rows: lows) }
            if let upper { try ForecastCSV.write(upper, ids: ids, rows: highs) }
            let chosen = models.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            note("forecast: \(inputs.count) series in \(String(format: "%.1f", seconds(ContinuousClock.now - started))) s; models: \(chosen)\(failures > 0 ? "; \(failures) failed" : "")")
        }
    }
}

/// One input series, regular and gap-free, with the seasonal periods its sampling step suggests.
struct ForecastInput: Sendable {
    let id: String
    let values: [Double]
    let candidatePeriods: [Int]

    static func read(_ path: String, format: String) throws -> [ForecastInput] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw IngestError(.unreadable, format: format, "\(path) does not exist") }
        let files = isDir.boolValue
            ? (try FileManager.default.contentsOfDirectory(atPath: path)).filter { $0.hasSuffix(".csv") }.sorted().map { path + "/" + $0 }
            : [path]
        var out: [ForecastInput] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw IngestError(.unreadable, format: format, "cannot read \(file)") }
            switch format {
            case "m4":
                // M4 Hourly: no timestamps; hourly steps, daily and weekly seasons.
                for s in try FileImporter.parse([UInt8](data), format: .m4, file: file) {
                    out.append(ForecastInput(id: s.labels["id"] ?? "", values: s.samples.map(\.value), candidatePeriods: [24, 168]))
                }
            case "nab":
                for s in try FileImporter.parse([UInt8](data), format: .nab, file: file) {
                    out.append(try regular(id: URL(fileURLWithPath: file).lastPathComponent, s.samples))
                }
            default:
                for s in try FileImporter.parse([UInt8](data), format: .long, file: file) {
                    out.append(try regular(id: s.labels.description, s.samples))
                }
            }
        }
        guard !out.isEmpty else { throw IngestError(.malformed, format: format, "\(path) holds no series") }
        return out
    }

    static func regular(id: String, _ samples: [Sample]) throws(ForecastError) -> ForecastInput {
        let r = try Regularize.regular(samples)
        return ForecastInput(id: id, values: r.values, candidatePeriods: Regularize.candidatePeriods(stepMs: r.stepMs))
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
