package import AugurCore
import Foundation

/// The recommender's continuous backtest, and the headroom it buys within a budget.
///
/// The live load is replayed, as it arrives, through the HPA alone, through the HPA with each
/// candidate headroom's recommendations, and through the HPA with what was actually served. Over
/// the rolling window each replay's bad minutes and pod-hours are kept per time-of-day bucket, so
/// that headroom is spent in the hours where it saved bad minutes and not where the load was
/// unpredictable or the HPA was enough. The choice per bucket minimises bad minutes subject to the
/// budget's pod-hours (a Lagrangian: the bucket's setting with the fewest bad minutes + λ pod-hours,
/// with the smallest λ that fits the budget); a setting that saved nothing costs more than the HPA
/// alone at every λ, so the HPA's own recommendation is kept there.
package struct BudgetedHeadroom: Sendable {
    /// One headroom setting: the forecast bound at a quantile of its calibrated peak error, a
    /// standing floor at a multiple of the last day's median load or of the observed load, or a
    /// bound with a floor (the larger of the two).
    package struct Headroom: Sendable, Equatable, CustomStringConvertible {
        package var quantile: Double?
        /// The floor's multiple of the last day's median load (nil: no floor).
        package var floorMargin: Double?
        /// A multiple of the load observed now (nil: none): headroom in proportion to the current load.
        package var observedMargin: Double? = nil

        package var description: String {
            [quantile.map { "q\(BudgetedHeadroom.percent($0)) forecast headroom" },
             floorMargin.map { $0 == 1 ? "the last day's median as a floor" : "\(BudgetedHeadroom.percent($0)) % of the last day's median as a floor" },
             observedMargin.map { "\(BudgetedHeadroom.percent($0)) % of the observed load" }]
                .compactMap { $0 }.joined(separator: " with ")
        }
    }

    /// The settings tried (the HPA alone is the setting with none of these).
    package static let candidates: [Headroom] = [1.0, 1.1, 1.25].map { Headroom(quantile: nil, floorMargin: $0) }
        + [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99].flatMap { q in [Headroom(quantile: q, floorMargin: nil), Headroom(quantile: q, floorMargin: 1.1)] }
        + [1.25, 1.5, 2].map { Headroom(quantile: nil, floorMargin: nil, observedMargin: $0) }

    /// What the choice for one decision rests on.
    package struct Choice: Sendable, Equatable {
        /// The setting chosen, nil for no headroom (the HPA's own recommendation).
        package var headroom: Headroom?
        /// Pod-hours served over the window as a share of the budget's allowance (nil: no limit or no history).
        package var budgetUsed: Double?
        package var reason: String
    }

    package let budget: ScaleBudget
    /// The rolling window the budget and the backtest cover.
    package let windowSeconds: Double
    /// Time-of-day buckets the choice is made per.
    let buckets: Int
    let simulation: HPASimulation
    /// [0] the HPA alone, [1...] one per candidate, last: what was served.
    private var replays: [HPASimulation.Replay] = []
    private var totals: [Tally] = []
    private var intervals: [(time: Double, bucket: Int, tallies: [Tally])] = []
    private var firstInterval = 0
    /// The window's tallies per bucket, per replay.
    private var sums: [[Tally]]
    private var through = -Double.infinity

    struct Tally: Sendable {
        var bad = 0.0, hours = 0.0
        static func + (a: Tally, b: Tally) -> Tally { Tally(bad: a.bad + b.bad, hours: a.hours + b.hours) }
        static func - (a: Tally, b: Tally) -> Tally { Tally(bad: a.bad - b.bad, hours: a.hours - b.hours) }
    }

    /// A rolling week: the budget's window.
    package static let week = 7 * 86_400.0

    package init(policy: ScalePolicy, budget: ScaleBudget, windowSeconds: Double = week, buckets: Int = 24) {
        self.budget = budget
        self.windowSeconds = windowSeconds
        self.buckets = max(1, buckets)
        simulation = HPASimulation(policy: policy, warmupSeconds: 0)
        sums = Array(repeating: Array(repeating: Tally(), count: Self.candidates.count + 2), count: self.buckets)
    }

    /// Replays every setting up to the newest sample of `load` (the samples observed so far), then
    /// the headroom for a decision at `time`.
    package mutating func choose(at time: Double, lead: Double, load: LoadTrace) -> Choice {
        advance(load)
        let hpa = total(0), served = replays.isEmpty ? Tally() : total(replays.count - 1)
        let allowed = budget.allowance(hpa: hpa.hours)
        let used = allowed.flatMap { $0 > 0 && hpa.hours > 0 ? served.hours / $0 : nil }
        let usedText = used.map { String(format: "; the last %@ used %.0f %% of it", Self.span(covered), 100 * $0) } ?? ""
        guard hpa.hours > 0 else { return Choice(headroom: nil, budgetUsed: nil, reason: "no headroom: no load replayed yet") }
        guard hpa.bad > 0 else {
            return Choice(headroom: nil, budgetUsed: used,
                          reason: "no headroom: the reactive HPA alone had no under-provisioned minute over the last \(Self.span(covered)) (budget \(budget)\(usedText))")
        }
        // The served replay is the truth the plan answers to: over budget, nothing more is added until it is back within.
        if let allowed, served.hours > allowed {
            return Choice(headroom: nil, budgetUsed: used, reason: "no headroom: the budget \(budget) is spent over the last \(Self.span(covered))\(usedText)")
        }
        let b = bucket(time + lead)
        let k = allocate(allowed: allowed)[b]
        let at = String(format: "%02d:00–%02d:00", 24 * b / buckets, 24 * (b + 1) / buckets)
        if k == 0 {
            return Choice(headroom: nil, budgetUsed: used,
                          reason: "no headroom at \(at): within budget \(budget) none saved a bad minute there over the last \(Self.span(covered))\(usedText)")
        }
        return Choice(headroom: Self.candidates[k - 1], budgetUsed: used,
                      reason: "\(Self.candidates[k - 1]) at \(at), the fewest bad minutes there within budget \(budget)\(usedText)")
    }

    /// Records the decision at `time`: each candidate's recommendation and the one served.
    package mutating func record(time: Double, candidates: [Int], served: Int) {
        guard !replays.isEmpty else { return }
        for (i, r) in candidates.enumerated() { replays[i + 1].schedule(time, r) }
        replays[replays.count - 1].schedule(time, served)
    }

    /// How far back the window's tallies reach.
    private var covered: Double { firstInterval < intervals.count ? through - intervals[firstInterval].time : 0 }

    private func total(_ replay: Int) -> Tally { sums.reduce(Tally()) { $0 + $1[replay] } }

    private func bucket(_ t: Double) -> Int {
        let day = t.truncatingRemainder(dividingBy: 86_400)
        return min(buckets - 1, Int(saturating: ((day < 0 ? day + 86_400 : day) / 86_400 * Double(buckets)).rounded(.down)))
    }

    /// Runs the replays up to the newest sample's midpoint (the last time the load is known) and
    /// moves the window.
    private mutating func advance(_ trace: LoadTrace) {
        guard let last = trace.times.last else { return }
        if replays.isEmpty {
            replays = [HPASimulation.Replay(simulation, trace: trace, scoredFrom: trace.times[0], external: false)]
                + Array(repeating: HPASimulation.Replay(simulation, trace: trace, scoredFrom: trace.times[0], external: true), count: Self.candidates.count + 1)
            totals = Array(repeating: Tally(), count: replays.count)
        }
        let to = last + trace.step / 2
        guard to > through else { return }
        var tallies: [Tally] = []
        for i in replays.indices {
            replays[i].advance(trace, to: to)
            let now = Tally(bad: Double(replays[i].score.badMinutes), hours: replays[i].score.podHours)
            tallies.append(now - totals[i])
            totals[i] = now
        }
        let b = bucket(through.isFinite ? (through + to) / 2 : to)
        intervals.append((to, b, tallies))
        for i in tallies.indices { sums[b][i] = sums[b][i] + tallies[i] }
        through = to
        while firstInterval < intervals.count, intervals[firstInterval].time <= to - windowSeconds {
            let old = intervals[firstInterval]
            for i in old.tallies.indices { sums[old.bucket][i] = sums[old.bucket][i] - old.tallies[i] }
            firstInterval += 1
        }
        if firstInterval > 4096 { intervals.removeFirst(firstInterval); firstInterval = 0 }
    }

    /// The setting per bucket (0: the HPA alone, k: candidate k) with the fewest bad minutes whose
    /// pod-hours, summed over the buckets, fit `allowed`.
    private func allocate(allowed: Double?) -> [Int] {
        let candidates = 0...Self.candidates.count  // the served replay is not a candidate
        func plan(_ lambda: Double) -> (choice: [Int], hours: Double) {
            var choice: [Int] = [], hours = 0.0
            for b in 0..<buckets {
                var best = 0
                for k in candidates {
                    let c = sums[b][k], e = sums[b][best]
                    let (x, y) = (c.bad + lambda * c.hours, e.bad + lambda * e.hours)
                    if x < y - 1e-9 || (abs(x - y) <= 1e-9 && c.hours < e.hours) { best = k }
                }
                choice.append(best)
                hours += sums[b][best].hours
            }
            return (choice, hours)
        }
        let free = plan(0)
        guard let allowed, free.hours > allowed else { return free.choice }
        // Bisection on λ (bad minutes per pod-hour) in log space.
        var lo = 1e-6, hi = 1e6
        guard plan(hi).hours <= allowed else { return Array(repeating: 0, count: buckets) }
        for _ in 0..<40 {
            let mid = (lo * hi).squareRoot()
            if plan(mid).hours <= allowed { hi = mid } else { lo = mid }
        }
        return plan(hi).choice
    }

    static func span(_ seconds: Double) -> String {
        seconds >= 86_400 ? String(format: "%.3g d", seconds / 86_400) : String(format: "%.3g h", seconds / 3600)
    }

    static func percent(_ q: Double) -> String { String(format: "%g", (q * 1000).rounded() / 10) }
}
