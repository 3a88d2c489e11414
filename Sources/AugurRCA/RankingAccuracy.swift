/// How often the true cause is among a ranking's first k services (AC@k, k = 1…5) and their mean
/// (Avg@5), as the RCAEval and BARO papers score service-level root-cause rankings. A name counts at
/// its first place only; a case without a ranking is a miss at every k.
package struct RankingAccuracy: Sendable, Equatable {
    package private(set) var cases = 0
    /// Cases whose cause is among the first k + 1 distinct names.
    package private(set) var hits = [Int](repeating: 0, count: 5)

    package init() {}

    package mutating func add(truth: String, ranking: [String]) {
        cases += 1
        var seen = Set<String>(), distinct: [String] = []
        for name in ranking where seen.insert(name).inserted { distinct.append(name) }
        guard let place = distinct.firstIndex(of: truth), place < 5 else { return }
        for k in place..<5 { hits[k] += 1 }
    }

    /// AC@k for k = 1…5.
    package var accuracy: [Double] { hits.map { cases == 0 ? 0 : Double($0) / Double(cases) } }
    package var average: Double { accuracy.reduce(0, +) / 5 }
}
