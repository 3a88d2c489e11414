import Foundation

/// Replays a load trace through the recommender, decision by decision, with only the samples that
/// ended by each decision time.
package enum ScaleBacktest {
    package struct Result: Sendable {
        package var decisions: [ScaleDecision]
        /// Seconds per decision, excluding model fits.
        package var decisionSeconds: [Double]
        /// Per decision, what each budget candidate asked for (empty without a budget).
        package var candidates: [[Int]]
        package var fits: Int
        package var fitSeconds: Double
    }

    package static func replay(_ trace: LoadTrace, policy: ScalePolicy, progress: ((Int, Int) -> Void)? = nil) -> Result {
        let step = trace.step
        var recommender = Recommender(policy: policy, sampleSeconds: step)
        var decisions: [ScaleDecision] = []
        var seconds: [Double] = []
        var candidates: [[Int]] = []
        var fed = 0
        let first = trace.times[0] + policy.stepSeconds
        let total = Int(((trace.end - first) / policy.stepSeconds).rounded(.up))
        for k in 0..<max(total, 0) {
            let d = first + Double(k) * policy.stepSeconds
            while fed < trace.times.count, trace.times[fed] + step <= d {
                recommender.observe(time: trace.times[fed], value: trace.values[fed])
                fed += 1
            }
            let fitBefore = recommender.model.fitSeconds
            let started = Date()
            decisions.append(recommender.decide(at: d))
            seconds.append(Date().timeIntervalSince(started) - (recommender.model.fitSeconds - fitBefore))
            if policy.budget != nil { candidates.append(recommender.lastCandidates) }
            if k % 500 == 0 { progress?(k, total) }
        }
        return Result(decisions: decisions, decisionSeconds: seconds, candidates: candidates, fits: recommender.model.fits, fitSeconds: recommender.model.fitSeconds)
    }
}
