/// A fitted model's state: everything needed to forecast without the history. Saved models hold one
/// of these, so a loaded model forecasts exactly as it did when it was trained.
package indirect enum FittedModel: Sendable, Codable {
    /// The last full cycle.
    case seasonalNaive(lastCycle: [Double])
    /// The last seasonally adjusted value.
    case naive2(last: Double, season: SeasonIndices?)
    /// SES level, the linear slope and α of the Theta method.
    case theta(level: Double, slope: Double, alpha: Double, count: Int, season: SeasonIndices?)
    case ets(ETSState)
    /// ETS on the seasonally adjusted series plus each seasonal component's last cycle.
    case mstl(adjusted: ETSState, cycles: [[Double]])
    /// The last input window of a model trained across the batch (the global autoregression or the LSTM).
    case global(window: [Double], model: BatchModelReference)
    /// The median of the members, step by step.
    case ensemble([FittedModel])

    /// Point forecasts for steps 1…horizon after the training data.
    package func forecast(horizon: Int) throws(ForecastError) -> [Double] {
        switch self {
        case .seasonalNaive(let cycle):
            return (0..<horizon).map { cycle[$0 % cycle.count] }
        case .naive2(let last, let season):
            return season.reseasonalize(Array(repeating: last, count: horizon))
        case .theta(let level, let slope, let alpha, let count, let season):
            let tail = pow(1 - alpha, Double(count)) / alpha
            return season.reseasonalize((1...max(horizon, 1)).prefix(horizon).map { h in level + slope / 2 * (Double(h - 1) + 1 / alpha - tail) })
        case .ets(let state):
            return state.forecast(horizon: horizon)
        case .mstl(let adjusted, let cycles):
            var f = adjusted.forecast(horizon: horizon)
            for cycle in cycles { for h in 0..<horizon { f[h] += cycle[h % cycle.count] } }
            return f
        case .global(let window, let reference):
            guard let model = reference.model else { throw ForecastError(.badInput, "batch model \(reference.id) is not loaded") }
            guard horizon <= model.horizon else { throw ForecastError(.badInput, "the global model forecasts \(model.horizon) steps, \(horizon) asked") }
            return Array(try model.forecast(window).prefix(horizon))
        case .ensemble(let members):
            let fs = try members.map { (m) throws(ForecastError) in try m.forecast(horizon: horizon) }
            return (0..<horizon).map { h in median(fs.map { $0[h] }) }
        }
    }
}

/// Multiplicative seasonal indices and where the next step falls in the cycle.
package struct SeasonIndices: Sendable, Codable, Equatable {
    package let indices: [Double]
    /// Index of the first forecast step within the cycle.
    package let nextPosition: Int
}

extension Optional where Wrapped == SeasonIndices {
    func reseasonalize(_ f: [Double]) -> [Double] {
        guard let s = self else { return f }
        return f.enumerated().map { $0.element * s.indices[(s.nextPosition + $0.offset) % s.indices.count] }
    }
}

/// A model trained across a batch of series.
package enum BatchModel: Sendable, Codable {
    case ar(GlobalAR)
    case lstm(LSTMModel)

    package var id: String {
        switch self {
        case .ar(let m): m.id
        case .lstm(let m): m.id
        }
    }

    package var horizon: Int {
        switch self {
        case .ar(let m): m.horizon
        case .lstm(let m): m.horizon
        }
    }

    package var inputLength: Int {
        switch self {
        case .ar(let m): m.inputLength
        case .lstm(let m): m.inputLength
        }
    }

    package func forecast(_ y: [Double]) throws(ForecastError) -> [Double] {
        switch self {
        case .ar(let m): try m.forecast(y)
        case .lstm(let m): try m.forecast(y)
        }
    }
}

/// A batch model named in saved files; the model itself is saved once per batch.
package struct BatchModelReference: Sendable, Codable {
    package let id: String
    /// Present in memory; resolved from the models directory when loading.
    package var model: BatchModel?

    enum CodingKeys: String, CodingKey { case id }

    package init(_ model: BatchModel) {
        id = model.id
        self.model = model
    }

    package init(from decoder: any Decoder) throws {
        id = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .id)
        model = (decoder.userInfo[BatchModelReference.registryKey] as? BatchModelRegistry)?.models[id]
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
    }

    package static let registryKey = CodingUserInfoKey(rawValue: "augur.batchModels")!
}

/// Batch models by id, handed to the decoder of saved models.
package final class BatchModelRegistry: Sendable {
    package let models: [String: BatchModel]
    package init(_ models: [String: BatchModel]) { self.models = models }
}

#if canImport(Glibc)
import AugurCore
package import AugurNumerics
import Glibc
#else
import Darwin
#endif
