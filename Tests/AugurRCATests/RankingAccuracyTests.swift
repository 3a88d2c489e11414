@testable import AugurRCA
import Testing

@Suite struct RankingAccuracyTests {
    /// Four cases: the cause first, third (after a repeated name), sixth, and no ranking at all.
    @Test func acAtKCountsDistinctNamesUpToFive() {
        var a = RankingAccuracy()
        a.add(truth: "cart", ranking: ["cart", "db"])
        a.add(truth: "db", ranking: ["web", "web", "api", "db"])
        a.add(truth: "db", ranking: ["a", "b", "c", "d", "e", "db"])
        a.add(truth: "db", ranking: [])
        #expect(a.cases == 4)
        #expect(a.accuracy == [0.25, 0.25, 0.5, 0.5, 0.5])
        #expect(abs(a.average - 0.4) < 1e-12)
    }
}
