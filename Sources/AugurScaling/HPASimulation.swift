import AugurCore
/// A replay of the Kubernetes HorizontalPodAutoscaler (autoscaling/v2 object without
/// `spec.behavior`, pkg/controller/podautoscaler) on a load trace, tick by tick.
///
/// Every sync (15 s) the controller reads the load as it was `metricDelaySeconds` ago, proposes
/// ceil(usage ratio × ready pods) outside a 0.1 tolerance band — pods still starting are ignored,
/// and on scale-up counted at zero usage — takes the largest proposal of the last 5 minutes
/// (downscale stabilisation) and caps a scale-up at max(2 × current, 4). New pods are ready after
/// the start-up time. With recommendations it also has an External metric (AverageValue target 1)
/// whose proposal is ceil(recommended replicas); the larger proposal wins, as when KEDA serves them.
package struct HPASimulation: Sendable {
    package struct Score: Sendable, Equatable {
        /// Share of scored time with load above ready capacity.
        package var underProvisionedShare: Double
        /// Clock minutes with any load above ready capacity.
        package var badMinutes: Int
        /// Pods in existence (starting ones are billed) × hours.
        package var podHours: Double
        package var scalingActions: Int
    }

    package var policy: ScalePolicy
    package var tickSeconds = 15.0
    package var tolerance = 0.1
    package var metricDelaySeconds = 30.0
    package var warmupSeconds: Double

    package init(policy: ScalePolicy, trace: LoadTrace) {
        // A week of warm-up when the trace is long enough for weekly seasonality, else a day.
        self.init(policy: policy, warmupSeconds: trace.end - (trace.times.first ?? 0) >= 10 * 86_400 ? 7 * 86_400 : 86_400)
    }

    package init(policy: ScalePolicy, warmupSeconds: Double) {
        self.policy = policy
        self.warmupSeconds = warmupSeconds
    }

    /// Scores the reactive HPA alone (`recommendations` nil) or with recommendations `(time, replicas)`,
    /// each in force from its time (its pods asked for then, ready a start-up later) until the next.
    package func run(_ trace: LoadTrace, recommendations: [(time: Double, replicas: Int)]? = nil) -> Score {
        var replay = Replay(self, trace: trace, scoredFrom: trace.times[0] + warmupSeconds, external: recommendations != nil)
        for r in recommendations ?? [] { replay.schedule(r.time, r.replicas) }
        replay.advance(trace, to: trace.end)
        return replay.score
    }

    /// The controller's state between ticks, so that a live load series can be replayed as it grows
    /// (the recommender's own continuous backtest) as well as a whole trace at once.
    package struct Replay: Sendable {
        let sim: HPASimulation
        let t0: Double, scoredFrom: Double
        let external: Bool
        private var tick = 0
        private var ready: Int
        private var starting: [Double] = []  // ready times, ascending, from `firstStarting` on
        private var firstStarting = 0
        private var spec: Int
        private var window: [(time: Double, replicas: Int)] = []
        private var recommendations: [(time: Double, replicas: Int)] = []
        private var next = 0
        private var inForce: Int?
        private var scored = 0, under = 0
        private var lastBadMinute = Int.min
        /// Scored from `scoredFrom` on; `underProvisionedShare` over the ticks scored so far.
        package private(set) var score = Score(underProvisionedShare: 0, badMinutes: 0, podHours: 0, scalingActions: 0)

        /// Starts at the trace's first sample; `external` is whether recommendations are served beside CPU.
        package init(_ sim: HPASimulation, trace: LoadTrace, scoredFrom: Double, external: Bool) {
            self.sim = sim
            self.external = external
            self.scoredFrom = scoredFrom
            t0 = trace.times[0]
            ready = min(sim.policy.maxReplicas, max(sim.policy.minReplicas, sim.policy.replicas(for: trace.values[0])))
            spec = ready
        }

        /// A recommendation in force from `time` (after every earlier one) until the next.
        package mutating func schedule(_ time: Double, _ replicas: Int) { recommendations.append((time, replicas)) }

        /// Runs the ticks before `time`; the trace must have the load up to then.
        package mutating func advance(_ trace: LoadTrace, to time: Double) {
            let policy = sim.policy, tickSeconds = sim.tickSeconds, tolerance = sim.tolerance
            let ticks = Int(((time - t0) / tickSeconds).rounded(.up))
            let perPod = policy.capacity * policy.target
            while tick < ticks {
                let now = t0 + Double(tick) * tickSeconds
                tick += 1
                while firstStarting < starting.count, starting[firstStarting] <= now { firstStarting += 1; ready += 1 }
                if firstStarting == starting.count { starting.removeAll(keepingCapacity: true); firstStarting = 0 }
                while next < recommendations.count, recommendations[next].time <= now { inForce = recommendations[next].replicas; next += 1 }
                if next > 512 { recommendations.removeFirst(next); next = 0 }
                // Proposals.
                let observed = trace.load(at: now - sim.metricDelaySeconds)
                var proposal = -1
                if ready > 0 {
                    let unready = starting.count - firstStarting
                    let usage = observed / (Double(ready) * perPod)
                    if unready > 0, usage > 1 {
                        let rebalanced = observed / (Double(ready + unready) * perPod)
                        proposal = abs(1 - rebalanced) <= tolerance || rebalanced < 1 ? spec : Int((rebalanced * Double(ready + unready)).rounded(.up))
                    } else {
                        proposal = abs(1 - usage) <= tolerance ? spec : Int((usage * Double(ready)).rounded(.up))
                    }
                }
                if external, let wanted = inForce {
                    let existing = ready + starting.count - firstStarting
                    let externalProposal = existing == 0 || abs(1 - Double(wanted) / Double(existing)) > tolerance ? wanted : existing
                    proposal = max(proposal, externalProposal)
                }
                if proposal >= 0 {
                    window.removeAll { $0.time < now - policy.downscaleStabilizationSeconds }
                    window.append((now, proposal))
                    let stabilized = window.map(\.replicas).max()!
                    let desired = stabilized < policy.minReplicas ? policy.minReplicas : min(stabilized, policy.maxReplicas, max(2 * spec, 4))
                    if desired != spec {
                        let existing = ready + starting.count - firstStarting
                        if desired > existing {
                            starting.append(contentsOf: repeatElement(now + policy.startupSeconds, count: desired - existing))
                        } else {
                            var remove = existing - desired
                            while remove > 0, starting.count > firstStarting { starting.removeLast(); remove -= 1 }  // newest first
                            ready -= remove
                        }
                        if now >= scoredFrom { score.scalingActions += 1 }
                        spec = desired
                    }
                }
                // Score this tick (ticks inside a gap of the trace are not scored: the load there is made up).
                guard now >= scoredFrom, now - trace.times[trace.index(at: now)] < 2 * trace.step else { continue }
                scored += 1
                score.podHours += Double(ready + starting.count - firstStarting) * tickSeconds / 3600
                if trace.load(at: now) > Double(ready) * policy.capacity * (1 + 1e-12) {
                    under += 1
                    let minute = Int(saturating: (now / 60).rounded(.down))
                    if minute != lastBadMinute { score.badMinutes += 1; lastBadMinute = minute }
                }
            }
            score.underProvisionedShare = scored > 0 ? Double(under) / Double(scored) : 0
        }
    }

    /// The seasonal-naive recommender (the baseline to beat): at each step, the largest load one
    /// season earlier over the lead window, plus `headroom`, at the target utilisation.
    package static func seasonalNaive(_ trace: LoadTrace, policy: ScalePolicy, seasonSeconds: Double, headroom: Double = 0.1) -> [(time: Double, replicas: Int)] {
        let step = trace.step, every = policy.stepSeconds
        let span = policy.startupSeconds + every
        var out: [(time: Double, replicas: Int)] = []
        var d = trace.times[0] + seasonSeconds
        while d < trace.end {
            let peak = trace.peak(d - seasonSeconds - step / 2, d - seasonSeconds + span + step / 2)
            out.append((d, policy.replicas(for: peak * (1 + headroom))))
            d += every
        }
        return out
    }
}
