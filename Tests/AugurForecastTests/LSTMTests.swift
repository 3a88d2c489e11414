import AugurCore
@testable import AugurForecast
import AugurTestSupport
import Foundation
import Testing

@Suite(.ownThread) struct LSTMTests {
    /// Back-propagation through time agrees with finite differences of the loss, for the batch split
    /// across two shards as in training.
    @Test func gradientsMatchFiniteDifferences() {
        var rng = SplitMix64(seed: 5)
        let net = Network(inputLength: 5, hidden: 8, horizon: 2, rng: &rng)
        var perturbed = net
        for k in perturbed.parameters.indices { perturbed.parameters[k] += Float.random(in: -0.3...0.3, using: &rng) }  // a non-zero output layer
        let batch: [([Float], [Float])] = (0..<5).map { _ in
            ((0..<5).map { _ in Float.random(in: -1...1, using: &rng) }, (0..<2).map { _ in Float.random(in: -1...1, using: &rng) })
        }
        let shards = LSTMModel.shards(perturbed, batchSize: batch.count, threads: 2)
        #expect(shards.count == 2)
        let gradient = perturbed.gradient(batch, shards: shards)
        let single = perturbed.gradient(batch, shards: LSTMModel.shards(perturbed, batchSize: batch.count, threads: 1))
        #expect(zip(gradient, single).allSatisfy { abs($0 - $1) <= 1e-6 + 1e-4 * abs($1) }, "the shards add up to the whole batch")
        func loss(_ n: Network) -> Double { n.loss(batch, Workspace(batch: batch.count, steps: 5, hidden: 8, horizon: 2)) }
        let eps: Float = 1e-2
        let o = perturbed.offsets
        var checked = 0
        for (name, range) in [("wx", 0..<o.wh), ("wh", o.wh..<o.b), ("b", o.b..<o.wo), ("wo", o.wo..<o.bo), ("bo", o.bo..<perturbed.parameters.count)] {
            for k in stride(from: range.lowerBound, to: range.upperBound, by: 7) {
                var plus = perturbed, minus = perturbed
                plus.parameters[k] += eps
                minus.parameters[k] -= eps
                let numeric = (loss(plus) - loss(minus)) / Double(2 * eps)
                let analytic = Double(gradient[k])
                #expect(abs(numeric - analytic) <= 2e-3 + 0.05 * abs(numeric), "\(name)[\(k - range.lowerBound)]: numeric \(numeric), analytic \(analytic)")
                checked += 1
            }
        }
        #expect(checked > 20)
    }

    /// The vector exponential behind the gates: within a few Float ulps of libm's, and saturating
    /// (0 and large but finite) instead of wrapping outside Float's exponent range.
    @Test func vectorExponentialMatchesLibm() {
        let x = Array(stride(from: Float(-90), to: 90, by: 0.041))
        let v = Array(x.prefix(x.count / Network.lanes * Network.lanes))
        let e = Network.exp(v)
        let worst = zip(v, e).map { v, e in
            let exact = Foundation.exp(Double(min(max(v, -87), 88)))
            return abs(Double(e) - exact) / exact
        }.max() ?? .infinity
        #expect(worst < 5e-7, "relative error \(worst)")
        let extremes = Network.exp([Float](repeating: -1000, count: 8)), big = Network.exp([Float](repeating: 1000, count: 8))
        #expect(extremes[0] >= 0 && extremes[0] < 1e-37 && big[0].isFinite && big[0] > 1e38)
    }

    @Test func learnsASharedSeasonalShapeReproducibly() throws {
        let series = (0..<30).map { i in ModelTests.seasonal(24 * 20, noise: 1, seed: UInt64(i)).map { $0 * Double(1 + i % 4) } }
        let train = series.map { Array($0.dropLast(24)) }
        let a = try LSTMModel.train(train, horizon: 24, inputLength: 48, period: 24, hidden: 16, maxEpochs: 12) { $0.count }
        let b = try LSTMModel.train(train, horizon: 24, inputLength: 48, period: 24, hidden: 16, maxEpochs: 12) { $0.count }
        #expect(a.id == b.id, "same data and seed, same weights")
        var mase = 0.0
        for s in series {
            let history = Array(s.dropLast(24))
            let f = try a.forecast(history)
            mase += zip(f, s.suffix(24)).reduce(0) { $0 + abs($1.0 - $1.1) } / 24 / ForecastEngine.naiveScale(history, 24)
        }
        #expect(mase / 30 < 1.5, "MASE \(mase / 30)")
        #expect(a.windowsPerSecond > 0)
    }
}

@Suite(.ownThread) struct LSTMSavedModelTests {
    @Test func savedLSTMForecastsExactlyAsTrained() async throws {
        let series = (0..<12).map { ModelTests.seasonal(24 * 20, noise: 1, seed: UInt64($0)) }
        var engine = ForecastEngine()
        engine.lstm = try LSTMModel.train(series, horizon: 24, inputLength: 48, period: 24, hidden: 8, batchSize: 32, maxEpochs: 3) { $0.count - 24 }
        let result = try engine.forecast(series[0], horizon: 24, period: 24, model: .lstm, levels: [0.95])
        try await withTemporaryDirectory { dir in
            let saved = SavedModel(series: ["__name__": "x"], result: result, stepMs: 3_600_000, trainedFromMs: 0, trainedToMs: 1,
                                   horizon: 24, trustThreshold: 1, createdMs: 1)
            let loaded = try SavedModel.load(try saved.save(in: dir))
            #expect(try loaded.forecast().point.map(\.bitPattern) == result.point.map(\.bitPattern))
        }
    }
}
