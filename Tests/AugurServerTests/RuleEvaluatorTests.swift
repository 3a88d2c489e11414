import AugurApp
import AugurCore
import AugurIngest
import AugurReports
import AugurStore
import AugurTestSupport
import Foundation
import Testing

/// Augur's rules on a real store: a forecast rule fires on a surge the daily cycle does not explain,
/// at the right time, and stays quiet on ordinary days.
@Suite(.ownThread) struct RuleEvaluatorTests {
    static let day: Int64 = 86_400_000
    static let end: Int64 = 1_790_000_000_000 - 1_790_000_000_000 % day  // midnight UTC

    /// Five days of a daily cycle sampled each minute (peak 140, trough 60, noise σ 2); on the last
    /// day `surge` multiplies it by 1.6.
    static func load(surge: Range<Int64>?) -> Series {
        var rng = SplitMix64(seed: 4)
        let samples = stride(from: end - 5 * day, to: end, by: 60_000).map { t in
            let v = 100 + 40 * sin(2 * Double.pi * Double(t % day) / Double(day)) + 2 * rng.nextGaussian()
            return Sample(t, surge?.contains(t) == true ? 1.6 * v : v)
        }
        return Series(labels: Labels(name: "requests_per_second", ["service": "shop"]), samples: samples)
    }

    let rule = AlertRule(name: "LoadOutsideForecast", expr: "outside_forecast(requests_per_second, 99)", forDuration: ConfigDuration(seconds: 600))

    @Test func forecastRuleFiresOnASurgeAndResolvesAfterIt() async throws {
        let surge = (Self.end - 5 * 3_600_000 - 25 * 60_000)..<(Self.end - 4 * 3_600_000 - 40 * 60_000)  // 18:35–19:20
        try await withTestStore { store, _ in
            _ = try Ingestor(store: store).write([Self.load(surge: surge)])
            let alerts = try RuleEvaluator.alerts(rules: [rule], store: store, startMs: Self.end - 8 * 3_600_000, endMs: Self.end)
            let firing = alerts.filter(\.alert.firing), resolved = alerts.filter { !$0.alert.firing }
            #expect(firing.count == 1 && resolved.count == 1, "\(alerts.map { ($0.atMs, $0.alert.firing) })")
            let start = try #require(firing.first?.alert.startsMs)
            #expect(start >= surge.lowerBound + 600_000 && start <= surge.lowerBound + 900_000, "fired \((start - surge.lowerBound) / 60_000) min into the surge")
            let end = try #require(resolved.first?.atMs)
            #expect(end >= surge.upperBound && end <= surge.upperBound + 300_000, "resolved \((end - surge.upperBound) / 60_000) min after it")
            #expect(firing.first?.alert.labels == ["alertname": "LoadOutsideForecast", "service": "shop"])
        }
    }

    @Test func forecastRuleIsQuietOnOrdinaryDaysAndWithoutHistory() async throws {
        try await withTestStore { store, _ in
            _ = try Ingestor(store: store).write([Self.load(surge: nil)])
            let cache = ForecastBandCache()
            let quiet = try RuleEvaluator.alerts(rules: [rule], store: store, startMs: Self.end - 12 * 3_600_000, endMs: Self.end, bands: cache)
            #expect(quiet.isEmpty, "\(quiet.map { ($0.atMs, $0.alert.firing) })")
            // Before three days of history there is no daily cycle to learn: nothing to compare with, no alert.
            let early = try RuleEvaluator.alerts(rules: [rule], store: store, startMs: Self.end - 5 * Self.day, endMs: Self.end - 2 * Self.day - 3_600_000)
            #expect(early.isEmpty)
        }
    }
}
