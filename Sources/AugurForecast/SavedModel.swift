import AugurCore
package import AugurNumerics
import Foundation

/// A trained model as saved under `models/` — JSON, versioned:
/// `{"format":"augur-model","version":1,"series":{labels},"kind":"ets","period":24,"step_ms":…,
///   "trained_from_ms":…,"trained_to_ms":…,"horizon":48,"half_widths":{"95":[…]},"backtest_mase":{…},
///   "trusted":true,"trust_threshold":1.0,"created_ms":…,"state":{…}}`.
/// A global model's weights are saved once per batch in `<id>.json` beside the series' files.
package struct SavedModel: Sendable, Codable {
    package static let formatName = "augur-model"
    package static let currentVersion = 1

    package var format = SavedModel.formatName
    package var version = SavedModel.currentVersion
    package let series: [String: String]
    package let kind: ModelKind
    package let period: Int
    package let stepMs: Int64
    package let trainedFromMs: Int64
    package let trainedToMs: Int64
    package let horizon: Int
    /// Interval half-widths per level in percent ("95") and step.
    package let halfWidths: [String: [Double]]
    package let backtestMASE: [String: Double]
    /// Whether the backtest MASE is within `trustThreshold`; consumers fall back when it is not.
    package let trusted: Bool
    package let trustThreshold: Double
    package let createdMs: Int64
    package let state: FittedModel
    /// The training history never went below zero (absent in models saved before it was recorded).
    package var nonNegative: Bool?

    enum CodingKeys: String, CodingKey {
        case format, version, series, kind, period, state, horizon, trusted, nonNegative = "non_negative"
        case stepMs = "step_ms", trainedFromMs = "trained_from_ms", trainedToMs = "trained_to_ms", halfWidths = "half_widths"
        case backtestMASE = "backtest_mase", trustThreshold = "trust_threshold", createdMs = "created_ms"
    }

    package init(series: [String: String], result: ForecastResult, stepMs: Int64, trainedFromMs: Int64, trainedToMs: Int64,
                 horizon: Int, trustThreshold: Double, createdMs: Int64) {
        self.series = series
        kind = result.model
        period = result.period
        self.stepMs = stepMs
        self.trainedFromMs = trainedFromMs
        self.trainedToMs = trainedToMs
        self.horizon = horizon
        halfWidths = Dictionary(uniqueKeysWithValues: result.halfWidths.map { (Self.levelKey($0.key), $0.value) })
        backtestMASE = Dictionary(uniqueKeysWithValues: result.backtestMASE.filter { $0.value.isFinite }.map { ($0.key.rawValue, $0.value) })
        let score = result.backtestMASE[result.model] ?? .infinity
        trusted = score <= trustThreshold
        self.trustThreshold = trustThreshold
        self.createdMs = createdMs
        state = result.fitted
        nonNegative = result.nonNegative
    }

    static func levelKey(_ level: Double) -> String {
        let p = level * 100
        return p == p.rounded() ? String(Int(p)) : String(p)
    }

    /// The forecast after `trainedToMs`: points, and bounds at each saved level.
    package func forecast() throws(ForecastError) -> (point: [Double], intervals: [String: (lower: [Double], upper: [Double])]) {
        let floored = nonNegative ?? false
        let point = try state.forecast(horizon: horizon).map { floored ? max(0, $0) : $0 }
        var intervals: [String: (lower: [Double], upper: [Double])] = [:]
        for (level, q) in halfWidths { intervals[level] = band(point, q, nonNegative: floored) }
        return (point, intervals)
    }

    // MARK: Files

    /// The file name for a series: a stable hash of its label set.
    package static func fileName(for series: [String: String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for (k, v) in series.sorted(by: { $0.key < $1.key }) {
            for b in (k + "\u{1}" + v + "\u{2}").utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        return "series-" + String(h, radix: 16) + ".json"
    }

    /// Writes the model (and its global model, once) into `directory`, atomically; returns the path.
    @discardableResult
    package func save(in directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for model in state.batchModels {
            let path = directory + "/" + model.id + ".json"
            if !FileManager.default.fileExists(atPath: path) { try encoder.encode(model).write(to: URL(fileURLWithPath: path), options: .atomic) }
        }
        let path = directory + "/" + Self.fileName(for: series)
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    /// Reads a saved model, resolving its global model from the same directory.
    package static func load(_ path: String) throws -> SavedModel {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let header = try JSONDecoder().decode(Header.self, from: data)
        guard header.format == formatName, header.version == currentVersion else {
            throw ForecastError(.badInput, "\(path) is not an augur-model version \(currentVersion) file (format \(header.format), version \(header.version))")
        }
        let directory = (path as NSString).deletingLastPathComponent
        var models: [String: BatchModel] = [:]
        for id in header.batchModelIDs {
            models[id] = try JSONDecoder().decode(BatchModel.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/" + id + ".json")))
        }
        let decoder = JSONDecoder()
        decoder.userInfo[BatchModelReference.registryKey] = BatchModelRegistry(models)
        return try decoder.decode(SavedModel.self, from: data)
    }

    private struct Header: Decodable {
        let format: String
        let version: Int
        let batchModelIDs: [String]

        enum CodingKeys: String, CodingKey { case format, version, state }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            format = try c.decode(String.self, forKey: .format)
            version = try c.decode(Int.self, forKey: .version)
            // The batch models' ids, wherever they sit in the state (alone or inside an ensemble).
            batchModelIDs = try c.decode(StateIDs.self, forKey: .state).ids
        }
    }

    /// Collects every `global.model.id` in a state without decoding the rest.
    private struct StateIDs: Decodable {
        var ids: [String] = []
        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int?
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
        }

        init(from decoder: any Decoder) throws {
            if let c = try? decoder.container(keyedBy: AnyKey.self) {
                for key in c.allKeys {
                    if key.stringValue == "global", let g = try? c.decode(GlobalCase.self, forKey: key) { ids.append(g.model.id) }
                    else if let nested = try? c.decode(StateIDs.self, forKey: key) { ids += nested.ids }
                }
            } else if var u = try? decoder.unkeyedContainer() {
                while !u.isAtEnd { if let nested = try? u.decode(StateIDs.self) { ids += nested.ids } else { _ = try? u.decode(Skip.self) } }
            }
        }
    }

    private struct GlobalCase: Decodable {
        struct Model: Decodable { let id: String }
        let model: Model
    }

    private struct Skip: Decodable {}
}

extension FittedModel {
    /// The batch models this state uses, directly or through an ensemble.
    var batchModels: [BatchModel] {
        switch self {
        case .global(_, let reference): return reference.model.map { [$0] } ?? []
        case .ensemble(let members): return members.flatMap(\.batchModels)
        default: return []
        }
    }
}
