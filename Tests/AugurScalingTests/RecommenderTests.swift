import AugurCore
@testable import AugurScaling
import AugurTestSupport
import Foundation
import Testing

/// Seeded load traces: a daily cycle with steep morning ramps (what a start-up delay hurts), noise.
func dailyTrace(days: Int, stepSeconds: Double = 300, seed: UInt64 = 7, spikeAfter: Double? = nil) -> LoadTrace {
    var rng = SplitMix64(seed: seed)
    let n = Int(Double(days) * 86_400 / stepSeconds)
    let t0 = 1_700_000_000.0 - 1_700_000_000.0.truncatingRemainder(dividingBy: 86_400)
    var times: [Double] = [], values: [Double] = []
    for k in 0..<n {
        let t = t0 + Double(k) * stepSeconds
        let hour = t.truncatingRemainder(dividingBy: 86_400) / 3600
        // Quiet nights, a fast ramp at 08:00 to a plateau, evening decline.
        let day = hour < 8 ? 20.0 : hour < 8.5 ? 20 + 160 * (hour - 8) : hour < 18 ? 100 : max(20, 100 - 40 * (hour - 18))
        var v = day * (1 + 0.05 * rng.nextGaussian())
        if let s = spikeAfter, t >= s { v *= 5 }
        times.append(t)
        values.append(max(0, v))
    }
    return LoadTrace(times: times, values: values)
}

@Suite struct ScalePolicyTests {
    @Test func replicasCarryTheLoadAtTheTarget() {
        var p = ScalePolicy(capacity: 10)
        p.maxReplicas = 50
        #expect(p.replicas(for: 70) == 10)     // 70 / (10 × 0.7)
        #expect(p.replicas(for: 70.5) == 11)
        #expect(p.replicas(for: 0) == 1)       // min replicas
        #expect(p.replicas(for: 1e9) == 50)    // max replicas
        p.quantile = 1
        #expect(p.problem != nil)
    }
}

@Suite(.ownThread) struct HPASimulationTests {
    let policy = ScalePolicy(capacity: 10)

    @Test func flatLoadSettlesWithoutUnderProvisioning() {
        let trace = LoadTrace(times: (0..<864).map { 1_600_000_000 + 300 * Double($0) }, values: Array(repeating: 100, count: 864))
        let s = HPASimulation(policy: policy, trace: trace).run(trace)
        #expect(s.badMinutes == 0)
        // ceil(100 / 7) = 15 pods for the scored two days.
        #expect(abs(s.podHours - 15 * (3 * 86_400 - 86_400) / 3600) < 1)
    }

    /// A step up: the reactive HPA sees it 30 s late and its pods are ready 3 minutes after that.
    @Test func aStepUpCostsTheReactiveHPAItsStartUpTime() {
        var values = Array(repeating: 100.0, count: 864)
        for k in 600..<864 { values[k] = 300 }
        let trace = LoadTrace(times: (0..<864).map { 1_600_000_000 + 300 * Double($0) }, values: values)
        let s = HPASimulation(policy: policy, trace: trace).run(trace)
        #expect(s.badMinutes >= 3 && s.badMinutes <= 8, "bad minutes \(s.badMinutes)")
        // Recommending the higher count a start-up ahead removes the violation.
        let ahead = [(time: trace.times[600] - 600, replicas: 43)]
        #expect(HPASimulation(policy: policy, trace: trace).run(trace, recommendations: ahead).badMinutes < s.badMinutes)
    }
}

@Suite(.ownThread) struct RecommenderTests {
    /// Decisions use only samples that ended by their time: changing the future changes no earlier decision.
    @Test func decisionsNeverSeeTheFuture() {
        let a = dailyTrace(days: 3, stepSeconds: 900)
        let cut = a.times[a.times.count - 30]
        let b = dailyTrace(days: 3, stepSeconds: 900, spikeAfter: cut)
        var policy = ScalePolicy(capacity: 10)
        policy.quantile = 0.9
        policy.budget = nil
        let ra = ScaleBacktest.replay(a, policy: policy).decisions, rb = ScaleBacktest.replay(b, policy: policy).decisions
        #expect(ra.count == rb.count)
        let before = ra.indices.filter { ra[$0].time < cut }
        #expect(!before.isEmpty)
        #expect(before.allSatisfy { ra[$0].replicas == rb[$0].replicas })
        #expect(ra.indices.contains { ra[$0].replicas != rb[$0].replicas }, "the spike changes later decisions")
    }

    /// The policy of #7: a fixed quantile, floored by the observed load.
    static let fixed = { var p = ScalePolicy(capacity: 10); p.budget = nil; return p }()

    /// On a daily cycle with steep ramps the recommendations, delivered beside the reactive HPA,
    /// cut its under-provisioned minutes and the replicas are ready before the ramp.
    @Test func forecastsBeatTheReactiveHPAOnRamps() {
        // 15-minute samples keep the daily refits cheap in a debug build.
        let trace = dailyTrace(days: 9, stepSeconds: 900)
        let policy = Self.fixed
        let result = ScaleBacktest.replay(trace, policy: policy)
        let sim = HPASimulation(policy: policy, trace: trace)
        let hpa = sim.run(trace), augur = sim.run(trace, recommendations: result.decisions.map { ($0.time, $0.replicas) })
        #expect(hpa.badMinutes > 0)
        #expect(Double(augur.badMinutes) <= 0.5 * Double(hpa.badMinutes), "augur \(augur.badMinutes) vs HPA \(hpa.badMinutes)")
        let late = result.decisions.suffix(288)
        #expect(late.allSatisfy { $0.signal != .fallback }, "calibrated after a week")
        #expect(late.contains { $0.signal == .forecast && $0.bound?.calibrated == true })
    }

    @Test func noHistoryFallsBackToReactiveAndSaysSo() {
        var r = Recommender(policy: Self.fixed, sampleSeconds: 60)
        r.observe(time: 0, value: 140)
        let d = r.decide(at: 60)
        #expect(d.signal == .fallback)
        #expect(d.replicas == 20)   // 140 / 7
        #expect(d.reason.contains("reactive"))
    }

    /// A decrease waits out the stabilisation window; stale input never lowers the served value.
    @Test func downscaleIsStabilisedAndStaleInputHolds() {
        var policy = Self.fixed
        policy.stepSeconds = 60
        var r = Recommender(policy: policy, sampleSeconds: 60)
        r.observe(time: 0, value: 140)
        #expect(r.decide(at: 60).replicas == 20)
        r.observe(time: 60, value: 14)
        let held = r.decide(at: 120)
        #expect(held.replicas == 20 && held.desired == 2)
        #expect(held.reason.contains("stabilisation"))
        r.observe(time: 120, value: 14)
        #expect(r.decide(at: 420).replicas == 2)   // the window has passed
        let stale = r.decideStale(at: 480, why: "load input stale")
        #expect(stale.replicas == 2 && stale.signal == .fallback && stale.reason.contains("stale"))
    }

    /// The load over a window is read from interval averages as a ramp between interval midpoints:
    /// a one-sample spike counts fully only in windows that reach its midpoint.
    @Test func windowPeaksFollowTheRampBetweenSampleMidpoints() {
        var m = LoadModel(sampleSeconds: 300)
        for (k, v) in [10.0, 100, 10].enumerated() { m.append(time: 300 * Double(k), value: v) }
        func peak(_ a: Double, _ b: Double) -> Double? { m.peak(a, b) { $0 < 3 ? [10.0, 100, 10][$0] : nil } }
        #expect(peak(0, 200) == 25)        // up the ramp from 10 (at 150) to 100 (at 450): 25 at 200
        #expect(peak(300, 600) == 100)     // the spike's midpoint (450) is inside
        #expect(peak(600, 700) == 55)      // down the ramp: 55 at 600
        #expect(peak(700, 900) == nil)     // needs the sample after the last
        #expect(m.index(midpointAtOrBefore: 100) == -1 && m.index(midpointAtOrBefore: 1500) == 4)
    }

    @Test func badTracesAreRefusedWithTheLine() {
        #expect(throws: ScaleError.self) { try LoadTrace.csv("time,load\n1,2\n", name: "t.csv") }
        do {
            _ = try LoadTrace.csv("timestamp,value\n2014-04-10 00:04:00,1\n2014-04-10 00:09:00,abc\n", name: "t.csv")
            Issue.record("accepted a non-numeric value")
        } catch {
            #expect(error.description.contains("line 3"))
        }
        let ok = try? LoadTrace.csv("timestamp,value\r\n1397088240,1\r\n2014-04-10 00:09:00,2\r\n", name: "t.csv")
        #expect(ok?.times == [1_397_088_240, 1_397_088_540])
    }
}

@Suite(.ownThread) struct BudgetTests {
    @Test func budgetsParseInEveryForm() {
        #expect(ScaleBudget(parsing: "1.1") == .relative(1.1))
        #expect(ScaleBudget(parsing: "125%") == .relative(1.25))
        #expect(ScaleBudget(parsing: "500 pod-hours") == .podHours(500))
        #expect(ScaleBudget(parsing: "none") == .unlimited)
        for bad in ["0.9", "90%", "-3 pod-hours", "cheap", "", "nan"] { #expect(ScaleBudget(parsing: bad) == nil, "\(bad)") }
        for b in [ScaleBudget.relative(1.05), .podHours(12.5), .unlimited] { #expect(ScaleBudget(parsing: b.text) == b) }
        #expect(abs(ScaleBudget.relative(1.1).allowance(hpa: 100)! - 110) < 1e-9 && ScaleBudget.unlimited.allowance(hpa: 100) == nil)
    }

    /// The recommender's continuous backtest replays the live load piece by piece; it must score as
    /// the whole trace replayed at once does.
    @Test func aReplayInPiecesScoresAsOneRun() {
        let trace = dailyTrace(days: 2, stepSeconds: 300)
        let sim = HPASimulation(policy: ScalePolicy(capacity: 10), warmupSeconds: 3600)
        let recs = stride(from: 0, to: trace.times.count, by: 7).map { (time: trace.times[$0], replicas: 3 + $0 % 11) }
        let whole = sim.run(trace, recommendations: recs)
        var pieces = HPASimulation.Replay(sim, trace: trace, scoredFrom: trace.times[0] + 3600, external: true)
        var growing = LoadTrace(step: trace.step)
        var next = 0
        for (k, t) in trace.times.enumerated() {
            growing.append(time: t, value: trace.values[k])
            while next < recs.count, recs[next].time <= t { pieces.schedule(recs[next].time, recs[next].replicas); next += 1 }
            pieces.advance(growing, to: t + trace.step / 2)
        }
        pieces.advance(growing, to: trace.end)
        #expect(pieces.score == whole)
    }

    /// Where the reactive HPA alone is never under-provisioned, headroom buys nothing: Augur serves
    /// the minimum (the External metric does not raise the HPA) and costs what the HPA costs.
    @Test func noHeadroomWhereTheHPAIsEnough() {
        // A slow daily swell: the HPA keeps up with it on its own.
        let t0 = 1_700_000_000.0 - 1_700_000_000.0.truncatingRemainder(dividingBy: 86_400)
        let times = (0..<(9 * 96)).map { t0 + 900 * Double($0) }
        let trace = LoadTrace(times: times, values: times.map { 60 + 20 * sin(2 * .pi * $0 / 86_400) })
        var policy = ScalePolicy(capacity: 10)
        policy.minReplicas = 2
        let result = ScaleBacktest.replay(trace, policy: policy)
        let sim = HPASimulation(policy: policy, trace: trace)
        let hpa = sim.run(trace), augur = sim.run(trace, recommendations: result.decisions.map { ($0.time, $0.replicas) })
        #expect(hpa.badMinutes == 0)
        let late = result.decisions.suffix(96)
        #expect(late.allSatisfy { $0.signal == .noHeadroom && $0.desired == 2 }, "\(late.first.map(\.reason) ?? "")")
        #expect(late.allSatisfy { $0.reason.contains("no under-provisioned minute") && $0.budgetUsed != nil })
        #expect(augur.podHours <= 1.02 * hpa.podHours, "augur \(augur.podHours) vs HPA \(hpa.podHours)")
    }

    /// On ramps the HPA misses, the headroom is bought within the budget: fewer bad minutes than the
    /// HPA at no more than the budget's pod-hours (+ 2 %), more saved for a larger budget, and each
    /// decision names the budget and how much of it the last week used.
    @Test func theBudgetIsHonouredAndSpentOnTheRamps() throws {
        let trace = dailyTrace(days: 10, stepSeconds: 900)
        var scores: [Double: HPASimulation.Score] = [:]
        var hpa: HPASimulation.Score?
        for ratio in [1.1, 1.5] {
            var policy = ScalePolicy(capacity: 10)
            policy.budget = .relative(ratio)
            let result = ScaleBacktest.replay(trace, policy: policy)
            let sim = HPASimulation(policy: policy, trace: trace)
            hpa = sim.run(trace)
            scores[ratio] = sim.run(trace, recommendations: result.decisions.map { ($0.time, $0.replicas) })
            #expect(scores[ratio]!.podHours <= (ratio + 0.02) * hpa!.podHours, "budget \(ratio): \(scores[ratio]!.podHours) vs HPA \(hpa!.podHours)")
            let last = result.decisions.last!
            #expect(last.reason.contains("budget \(ScaleBudget.relative(ratio))") && last.reason.contains("used"), "\(last.reason)")
            #expect(result.decisions.suffix(96).contains { $0.signal == .forecast || $0.signal == .floor })
        }
        let h = try #require(hpa)
        #expect(h.badMinutes > 0)
        #expect(scores[1.1]!.badMinutes < h.badMinutes && scores[1.5]!.badMinutes <= scores[1.1]!.badMinutes,
                "HPA \(h.badMinutes), 1.1: \(scores[1.1]!.badMinutes), 1.5: \(scores[1.5]!.badMinutes)")
    }
}
