import AugurApp
import AugurNumerics
import AugurCore
import AugurForecast
@testable import AugurRCA
import AugurStore
import AugurTestSupport
import Foundation
import Testing

/// RCA against what a trusted saved model expected.
@Suite(.ownThread) struct ForecastSurpriseTests {
    /// Web's traffic steps from 10 to 100 requests/s every day at 06:00, which its model (trained an
    /// hour before) expects; the batch job's CPU jumps for real at the same minute. Against the recent
    /// past alone web's step looks worse; against the forecast it is no news, and batch ranks first.
    /// On a day when web's step fails to come, web is the anomaly, downwards, although it stayed flat.
    @Test func aSeriesIsScoredAgainstItsForecastWhereATrustedModelCoversTheWindow() async throws {
        let day: Int64 = 86_400_000, step: Int64 = 300_000
        let t: Int64 = 1_767_225_600_000 + 8 * day + 6 * 3_600_000  // 06:00 UTC on the ninth day
        func web(_ at: Int64, stepComes: Bool = true) -> Double {
            let tod = at % day
            return (tod >= 6 * 3_600_000 && tod < 18 * 3_600_000 && (stepComes || at < t - 3_600_000)) ? 100 : 10
        }
        for stepComes in [true, false] {
            try await withTestStore { store, file in
                var rng = SplitMix64(seed: 5)
                let start = t - 8 * day
                let webLabels = Labels(name: "requests_per_second", ["service": "web"])
                let webSeries = Series(labels: webLabels, samples: stride(from: start, through: t + 10 * 60_000, by: Int(step)).map {
                    Sample($0, web($0, stepComes: stepComes) + 0.5 * rng.nextGaussian())
                })
                let batch = Series(labels: Labels(name: "cpu_usage", ["service": "batch"]), samples: stride(from: t - 3_600_000, through: t + 10 * 60_000, by: 60_000).map {
                    Sample($0, ($0 >= t ? 30 : 10) + rng.nextGaussian())
                })
                var batchAppend = AppendBatch()
                var cache: [Labels: Int64] = [:]
                for s in [webSeries, batch] { for p in s.samples { batchAppend.add(batchAppend.ref(for: s.labels, in: store, cache: &cache), p.timestampMs, p.value) } }
                try store.append(batchAppend)
                // The model, trained on web's history up to an hour before t, forecasting a day.
                let trainedTo = t - 3_600_000
                let history = try Regularize.forForecasting(Series(labels: webLabels, samples: webSeries.samples.filter { $0.timestampMs <= trainedTo }), stepMs: step)
                let result = try ForecastEngine().forecast(history.values, horizon: 288, period: 288, model: nil, levels: [0.95])
                let saved = SavedModel(series: webLabels.dictionary, result: result, stepMs: step, trainedFromMs: history.startMs, trainedToMs: history.endMs,
                                       horizon: 288, trustThreshold: 10, createdMs: 1)
                #expect(saved.trusted, "\(saved.backtestMASE)")
                let path = try saved.save(in: URL(fileURLWithPath: file).deletingLastPathComponent().path)
                let analyzer = RootCauseAnalyzer()
                let without = try analyzer.rank(store, atMs: t)
                try store.register(RegisteredModel(series: webLabels, kind: saved.kind.rawValue, path: path, period: 288, stepMs: step,
                                                   trainedFromMs: history.startMs, trainedToMs: history.endMs, backtest: "{}", trusted: true, createdMs: 1))
                let with = try analyzer.rank(store, atMs: t)
                let webEvidence = with.first { $0.service == "web" }?.evidence.first
                if stepComes {
                    #expect(without.first?.service == "web", "without a model the expected step looks like news: \(without.map { ($0.service, $0.score) })")
                    #expect(with.first?.service == "batch", "\(with.map { ($0.service, $0.score) })")
                    #expect((webEvidence?.score ?? 99) < 3)
                } else {
                    #expect(with.first?.service == "web", "\(with.map { ($0.service, $0.score) })")
                    #expect(webEvidence?.direction == -1 && (webEvidence?.baselineMedian ?? 0) > 90 && (webEvidence?.peak ?? 99) < 12, "\(String(describing: webEvidence))")
                }
            }
        }
    }
}
