import AugurCore
@testable import AugurForecast
import AugurTestSupport
import Testing

@Suite struct LSTMTests {
    /// Back-propagation through time agrees with finite differences of the loss.
    @Test func gradientsMatchFiniteDifferences() {
        var rng = SplitMix64(seed: 5)
        let net = Network(inputLength: 5, hidden: 3, horizon: 2, rng: &rng)
        let batch: [([Float], [Float])] = (0..<2).map { _ in
            ((0..<5).map { _ in Float.random(in: -1...1, using: &rng) }, (0..<2).map { _ in Float.random(in: -1...1, using: &rng) })
        }
        var ws = Workspace(batch: 2, steps: 5, hidden: 3, horizon: 2)
        var grads = net.zeroGradients()
        _ = net.forwardBackward(batch, &ws, gradients: &grads)
        func loss(_ n: Network) -> Double {
            var w = Workspace(batch: 2, steps: 5, hidden: 3, horizon: 2)
            return n.loss(batch, &w)
        }
        let eps: Float = 1e-2
        var checked = 0
        for (name, path) in [("wh", \Network.wh), ("wx", \Network.wx), ("b", \Network.b), ("wo", \Network.wo), ("bo", \Network.bo)] {
            for k in stride(from: 0, to: net[keyPath: path].count, by: 3) {
                var plus = net, minus = net
                plus[keyPath: path][k] += eps
                minus[keyPath: path][k] -= eps
                let numeric = (loss(plus) - loss(minus)) / Double(2 * eps)
                let analytic = Double(grads[keyPath: path][k])
                #expect(abs(numeric - analytic) <= 2e-3 + 0.05 * abs(numeric), "\(name)[\(k)]: numeric \(numeric), analytic \(analytic)")
                checked += 1
            }
        }
        #expect(checked > 10)
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

@Suite struct LSTMSavedModelTests {
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
