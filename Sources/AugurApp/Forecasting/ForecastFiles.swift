import AugurCore
import AugurForecast
import AugurIngest
import AugurNumerics
import Foundation

/// The batch contract behind `augur forecast`: every series of a file (M4 wide rows, long CSV, or a
/// directory of NAB files) prepared as every forecast is and fitted by backtest selection, in input order.
package struct ForecastFiles: Sendable {
    package static let formats = ["m4", "csv", "nab"]
    /// `auto` (backtest selection) and the engine's models.
    package static let modelNames = ["auto"] + ModelKind.allCases.map(\.rawValue)

    package var horizon: Int
    /// Given periods in steps (the first is the season, the rest go to MSTL); empty: detected.
    package var periods: [Int] = []
    package var model = "auto"
    /// The interval's level in percent.
    package var level = 95.0
    /// Replace detected incidents by the seasonal norm before fitting.
    package var excludeIncidents = false

    package init(horizon: Int) { self.horizon = horizon }

    /// One row per input series: its id, and the point forecast and interval at `level`, or why it failed.
    package struct Row: Sendable {
        package let id: String
        package let point: [Double], lower: [Double], upper: [Double]
        package let model: String?
        package let failure: String?
    }

    /// Reads `path` and forecasts every series; `note` hears what a user should know as it happens, and
    /// `progress` gets (done, total).
    package func run(_ path: String, format: String, note: (String) -> Void,
                     progress: @escaping @Sendable (Int, Int) -> Void) async throws -> [Row] {
        let inputs = try Self.read(path, format: format)
        let preparation = ForecastPreparation(detectIncidents: excludeIncidents, periods: periods)
        let prepared = inputs.map { preparation.prepare($0.regular, candidates: $0.candidatePeriods) }
        if excludeIncidents { note("forecast: \(prepared.reduce(0) { $0 + $1.adjustment.detected.count }) detected incident windows replaced by the seasonal norm") }
        let lvl = level / 100
        let (setup, outcomes) = await BatchForecast(horizon: horizon, model: ModelKind(rawValue: model), levels: [lvl]).run(prepared.map(\.input), progress: progress)
        if let failure = setup.globalFailure { note("forecast: no global model (\(failure)); the per-series models carry on") }
        if let length = setup.globalInputLength { note("forecast: global model input \(length) steps, validation error \(String(format: "%.4f", setup.globalValidationError ?? .nan))") }
        if let failure = setup.lstmFailure { note("forecast: no LSTM (\(failure))") }
        if let epochs = setup.lstmEpochs { note("forecast: LSTM trained, \(epochs) epochs, \(Int(setup.lstmWindowsPerSecond ?? 0)) windows/s") }
        note("forecast: interval scale at \(level)%: \(String(format: "%.3f", setup.intervalScale[lvl] ?? 1))")
        return zip(inputs, outcomes).map { input, outcome in
            switch outcome {
            case .success(let r):
                return Row(id: input.id, point: r.point, lower: r.intervals[lvl]!.lower, upper: r.intervals[lvl]!.upper, model: r.model.rawValue, failure: nil)
            case .failure(let e):
                // A series that cannot be forecast still gets its row, repeating its last value.
                let last = Array(repeating: input.regular.values.last ?? .nan, count: horizon)
                return Row(id: input.id, point: last, lower: last, upper: last, model: nil, failure: e.description)
            }
        }
    }

    /// One input series on one step, with the seasonal periods its step suggests.
    struct Input: Sendable {
        let id: String
        let regular: Regularize.Regular
        let candidatePeriods: [Int]
    }

    static func read(_ path: String, format: String) throws -> [Input] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw IngestError(.unreadable, format: format, "\(path) does not exist") }
        let files = isDir.boolValue
            ? (try FileManager.default.contentsOfDirectory(atPath: path)).filter { $0.hasSuffix(".csv") }.sorted().map { path + "/" + $0 }
            : [path]
        var out: [Input] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw IngestError(.unreadable, format: format, "cannot read \(file)") }
            switch format {
            case "m4":
                // M4 Hourly: no timestamps; hourly steps, daily and weekly seasons.
                for s in try FileImporter.parse([UInt8](data), format: .m4, file: file) {
                    out.append(Input(id: s.labels["id"] ?? "", regular: Regularize.Regular(startMs: 0, stepMs: 1, values: s.samples.map(\.value)), candidatePeriods: [24, 168]))
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

    static func regular(id: String, _ samples: [Sample]) throws(ForecastError) -> Input {
        let r = try Regularize.regular(samples)
        return Input(id: id, regular: r, candidatePeriods: Regularize.candidatePeriods(stepMs: r.stepMs))
    }
}
