package import AugurCore

/// Ranks services as the likely root cause of an incident at a time, from how abnormal each of their
/// series (metrics and per-template log counts) became after it. A series with a trusted saved model
/// whose forecast covers the window is scored against that forecast instead (`ForecastSurprise`).
///
/// First version: each series' values in `[t, t + after]` are standardised against a baseline — the
/// same series in a fault-free reference period when one is stored (label `period="normal"`), else its
/// own values in `[t − before, t)` — by the median and the interquartile range (BARO's robust scaler,
/// Pham et al. FSE 2024); a series scores its largest absolute standardised value, a service its
/// highest-scoring series, discounted by how high the same score runs in the baseline's own windows (a
/// series that jumps all the time is not news when it jumps again). Log template counts are per-minute
/// series, missing minutes counting zero, scaled by Poisson noise.
package struct RootCauseAnalyzer: Sendable {
    package struct Evidence: Sendable, Equatable {
        package let series: Labels
        package let score: Double
        /// +1 up, −1 down.
        package let direction: Int
        /// When the series first left its baseline by more than 3 IQRs, Unix ms.
        package let onsetMs: Int64?
        package let baselineMedian: Double
        package let peak: Double

        func scaled(by factor: Double) -> Evidence {
            Evidence(series: series, score: score * factor, direction: direction, onsetMs: onsetMs, baselineMedian: baselineMedian, peak: peak)
        }
    }

    package struct Suspect: Sendable {
        package let service: String
        package var score: Double
        /// The service's most abnormal series, strongest first.
        package let evidence: [Evidence]
        /// Changes to the service that its anomaly followed, strongest link first.
        package var changes: [LinkedChange] = []
    }

    package var beforeMs: Int64 = 30 * 60_000
    package var afterMs: Int64 = 5 * 60_000
    /// The fewest samples of its own a series is judged on after the start, and baselined on before it:
    /// its windows grow to hold them (at 5-minute samples a 5-minute window holds one or none).
    /// After: 2, because a sample is an interval's average, and the first one at or after the start may
    /// cover mostly the time before the fault; the second is the first that covers only time after it.
    /// (More mixes in the faults that follow: Online Boutique at 5 minutes, AC@1 0.66 → 0.77 at 2,
    /// 0.71 at 3, 0.63 at 4; at the data sets' own resolutions the 5-minute window holds more anyway.)
    /// Before: 12, so that each quartile of the baseline's scale rests on three samples.
    package var afterSamples = RootCauseAnalyzer.defaultAfterSamples
    package var beforeSamples = RootCauseAnalyzer.defaultBeforeSamples
    package static let defaultAfterSamples = 2
    package static let defaultBeforeSamples = 12
    /// How far the windows may grow.
    static let longestAfterMs: Int64 = 86_400_000, longestBeforeMs: Int64 = 7 * 86_400_000

    package init() {}

    /// The service a series is evidence about: the callee of a per-call series, else its own (ServiceNaming).
    package static func service(of labels: Labels) -> String? {
        // A call's series (`source`/`target` as imported call graphs name them, Istio's
        // `source_workload`/`destination_workload`) measure the callee as its caller sees it: evidence
        // about the callee (Online Boutique AC@1 0.57 → 0.73 with its per-call latencies).
        if (labels["service"] ?? "").isEmpty {
            for (from, to) in [("source", "target"), ("source_workload", "destination_workload")] {
                if let callee = labels[to], !callee.isEmpty, labels[from] != nil { return callee }
            }
        }
        return ServiceNaming.service(of: labels)
    }

    /// How far before the time a change can still explain an anomaly.
    package var changeLookbackMs: Int64 = 2 * 3_600_000

    /// An analysis: the suspects, and what it looked at.
    package struct Analysis: Sendable {
        package var suspects: [Suspect]
        /// The longest window after the start any series was judged on, Unix ms.
        package var windowMs: ClosedRange<Int64>
        /// The longest baseline before the start any series was compared with, Unix ms.
        package var baselineMs: ClosedRange<Int64>
        /// Series baselined on the stored fault-free reference period instead (label `period="normal"`).
        package var referenceSeries: Int
        /// Series read, and the shortest and longest of their sampling steps.
        package var series: Int
        package var stepsMs: ClosedRange<Int64>?

        /// One line for people: `412 series (steps 1m to 5m); 10m after the start, against 1h before it (96 on the reference period)`.
        package var lookedAt: String {
            func d(_ ms: Int64) -> String { ConfigDuration(ms: ms).description }
            return "\(series) series" + (stepsMs.map { " (steps \(d($0.lowerBound)) to \(d($0.upperBound)))" } ?? "")
                + "; \(d(windowMs.upperBound - windowMs.lowerBound)) after the start, against \(d(baselineMs.upperBound - baselineMs.lowerBound)) before it"
                + (referenceSeries > 0 ? " (\(referenceSeries) against the fault-free reference period)" : "")
        }
    }

    /// The analysis at `atMs` (within `input.times`) of what `gather` read.
    package func analyse(_ input: RCAInput, atMs t: Int64, symptoms: [String] = []) -> Analysis {
        // Each series' windows hold at least `afterSamples` / `beforeSamples` of its own samples.
        var all = input.series.compactMap { $0.slice(fromMs: t - beforeMs, toMs: t + afterMs) }
        let widest = widestWindows(all)
        if widest != (afterMs, beforeMs) { all = input.series.compactMap { $0.slice(fromMs: t - widest.1, toMs: t + widest.0) } }
        let normal = input.normal
        // Logs counted from when they were first collected: minutes before that are unknown, not zero.
        let logsFrom = all.filter { $0.labels.name?.hasPrefix("augur_log_") == true }.compactMap { $0.samples.first?.timestampMs }.min() ?? t
        var byService: [String: [Evidence]] = [:]
        var traffic: [String: LostCalls.Traffic] = [:]
        for s in all {
            guard let service = Self.service(of: s.labels) else { continue }
            // Client-side latency (`…client…` series) is the time a service waits on its callees: evidence
            // about them, not about it (Online Boutique AC@1 0.54 → 0.57, TrainTicket 0.06 → 0.12). Handing
            // it to the callees along the call graph did worse (0.52): one slow caller implicates them all.
            if s.labels.name?.contains("client") == true { continue }
            if let e = ForecastSurprise.covering(input.expectations[s.labels], startMs: t, endMs: t + afterMs)?.evidence(s, from: t, to: t + afterMs) {
                byService[service, default: []].append(e)
                continue
            }
            let isCount = s.labels.name?.hasPrefix("augur_log_") == true
            let (afterS, beforeS) = isCount ? (afterMs, beforeMs) : windows(Self.step(s.samples))
            let samples = isCount ? Self.zeroFilled(s.samples, from: max(t - beforeMs, logsFrom), to: t + afterMs, stepMs: 60_000) : Self.failureShare(s)
            let after = samples.filter { $0.timestampMs >= t && $0.timestampMs <= t + afterS }
            let baseline = normal[s.labels].map { Self.failureShare(s.labels, $0) } ?? samples.filter { $0.timestampMs < t && $0.timestampMs >= t - beforeS }.map(\.value)
            guard !after.isEmpty, baseline.count >= 3 else { continue }
            // The busiest traffic series of a service stands for its traffic.
            if LostCalls.isTraffic(s.labels.name ?? ""), traffic[service].map({ Self.median($0.baseline) < Self.median(baseline) }) ?? true {
                traffic[service] = LostCalls.Traffic(after: after, baseline: baseline)
            }
            guard let e = Self.evidence(s.labels, baseline: baseline, after: after, counts: isCount) else { continue }
            byService[service, default: []].append(e)
        }
        let edges = input.edges
        if traffic.values.contains(where: \.stopped) {
            for (service, e) in LostCalls.evidence(traffic: traffic, edges: edges) { byService[service, default: []].append(e) }
        }
        // A caller's failures are its callees' when one of them stands out: the failure ratio of a
        // service (an entry's success rate above all) is evidence about it only when none of its callees
        // has evidence of its own.
        // (Judged on the evidence as it stands before any is dropped, so the order of services does not matter.)
        let standsOut = Set(byService.filter { $0.value.contains { $0.score >= Self.clearScore } }.keys)
        let explained = byService.keys.filter { service in
            byService[service]!.contains { Self.isSuccessRatio($0.series) }
                && edges.contains { $0.source == service && $0.target != service && standsOut.contains($0.target) }
        }
        for service in explained { byService[service]!.removeAll { Self.isSuccessRatio($0.series) } }
        let errors = errorEvidence(input, atMs: t)
        for (service, evidence) in handoffEvidence(input, atMs: t) + errors.evidence { byService[service, default: []].append(evidence) }
        // A service's error lines that followed another service's first error in their trace are
        // propagation: its error-level log evidence, and the errors of others that name it, count
        // only for the share that is not.
        for (service, share) in errors.propagated where share > 0 {
            byService[service] = byService[service]?.map { e in
                let isError = e.series.name?.hasPrefix("augur_log_") == true && ["error", "fatal"].contains(e.series["level"] ?? "")
                return isError || e.series.name == ErrorEvidence.namedMetric ? e.scaled(by: 1 - share) : e
            }
        }
        let suspects = byService.map { service, evidence in
            let sorted = evidence.sorted { $0.score > $1.score }
            return Suspect(service: service, score: sorted.first?.score ?? 0, evidence: Array(sorted.prefix(5)))
        }
        let steps = all.compactMap { Self.step($0.samples) }
        return Analysis(suspects: linkChanges(suspects, input, atMs: t, symptoms: symptoms).sorted { ($0.score, $1.service) > ($1.score, $0.service) },
                        windowMs: t...(t + widest.0), baselineMs: (t - widest.1)...t, referenceSeries: all.filter { normal[$0.labels] != nil }.count,
                        series: all.count, stepsMs: steps.min().map { $0...steps.max()! })
    }

    /// Smallest score of a series that counts as an anomaly a change could have caused.
    static let changeFloor = 3.0

    /// What a score means, for the API, the CLI and the reports: the largest deviation of a service's
    /// series from its baseline's median, in units of the baseline's spread (its interquartile range,
    /// floored by count noise and 10 % of the level), divided by how far the baseline's own windows
    /// habitually reach (at least 1). 3 or more stands out of the baseline's noise; below it nothing does.
    package static let scoreMeaning = "robust z: deviation from the baseline median in baseline spreads (IQR, floored), over the baseline's own usual excursion; 3 or more stands out"
    package static let clearScore = 3.0

    /// Whether the top suspect stands out of its baseline's noise; when not, the answer is "no clear cause".
    package static func hasClearCause(_ suspects: [Suspect]) -> Bool { (suspects.first?.score ?? 0) >= clearScore }

    /// Attaches recent changes to the suspects they may explain and raises those suspects by the
    /// link's strength. Guarded against blaming a change for being recent: it counts only on a service
    /// whose series moved (score ≥ `changeFloor`) with the onset after the change, and, when symptoms
    /// are given and the call graph is known, only where the symptoms reach along it.
    func linkChanges(_ suspects: [Suspect], _ input: RCAInput, atMs t: Int64, symptoms: [String]) -> [Suspect] {
        let changes = input.changes.filter { $0.event.timeMs >= t - changeLookbackMs && $0.event.timeMs <= t + afterMs }
        guard !changes.isEmpty else { return suspects }
        var reachable: Set<String>?
        let edges = symptoms.isEmpty ? [] : input.edges
        if !edges.isEmpty {
            var seen = Set(symptoms), queue = symptoms
            while let s = queue.popLast() {
                for e in edges where e.source == s && !seen.contains(e.target) { seen.insert(e.target); queue.append(e.target) }
            }
            reachable = seen
        }
        return suspects.map { suspect in
            var s = suspect
            guard reachable?.contains(s.service) ?? true,
                  let onset = s.evidence.filter({ $0.score >= Self.changeFloor }).compactMap(\.onsetMs).min() else { return s }
            s.changes = changes.filter { $0.event.service == s.service && $0.event.timeMs <= onset }.map { c in
                LinkedChange(id: c.id, event: c.event, lagMs: onset - c.event.timeMs, strength: LinkedChange.strength(lagMs: onset - c.event.timeMs))
            }.sorted { ($0.strength, -$0.lagMs) > ($1.strength, -$1.lagMs) }
            if let strongest = s.changes.first { s.score *= 1 + strongest.strength.weight }
            return s
        }
    }

    /// How far back hand-off gaps form their baseline: longer than the metrics' window, since traced
    /// logs are often sampled or collected in bursts, and faults follow each other within minutes (a
    /// second delay on a service 7 minutes after the first would otherwise find the first as its norm).
    package var handoffBaselineMs: Int64 = 6 * 3_600_000
    /// At most this many traced lines are read (the newest): RCA stays well under a second on busy systems.
    package var handoffLineLimit = 200_000

    /// Evidence from traces in logs. Each hand-off between two services (a pair, in order) is scored
    /// by its median gap in `[t, t + after]` against its gaps before `t` (the median: one slow request
    /// is not a delay). A slowed hand-off (score ≥ 3) implicates one of its two ends; the services that
    /// explain the slowed hand-offs are picked greedily, as for a vertex cover, by how many slowed
    /// hand-offs a service is in times the share of its own hand-offs they are (a delayed service slows
    /// several of its hand-offs and most of them), and each picked service gets its strongest slowed
    /// hand-off as evidence. The count alone favours a busy hub that shares slowed hand-offs with the
    /// delayed service among many of its own (TrainTicket: preserve, in 3 of its 15, over the delayed
    /// travel, in 2 of its 6); the share alone favours a leaf whose one hand-off is with the delayed
    /// service (`aDelayedServiceIsChosenOverTheLeavesItTalksTo`). TrainTicket AC@1/Avg@5: count first
    /// 0.71/0.80, share first 0.76/0.91, their product 0.76/0.86; the other data sets carry too few traces
    /// to move. A 1 s delay on basic slowed basic→travel, basic→preserve and preserve→basic; preserve's
    /// other hand-offs kept their pace.
    func handoffEvidence(_ input: RCAInput, atMs t: Int64) -> [(String, Evidence)] {
        let (fromNs, toNs) = (TimeParsing.nsClamped(ms: t - handoffBaselineMs), TimeParsing.nsClamped(ms: t + afterMs))
        let lines = input.tracedLines(fromNs: fromNs, toNs: toNs)
        guard !lines.isEmpty else { return [] }
        var active: [String: Int] = [:]
        var slowed: [(edge: TraceHandoffs.Edge, evidence: Evidence)] = []
        for (edge, samples) in TraceHandoffs.gaps(lines) {
            let baseline = samples.filter { $0.timestampMs < t }.map(\.value)
            let after = samples.filter { $0.timestampMs >= t && $0.timestampMs <= t + afterMs }
            guard baseline.count >= 3, !after.isEmpty else { continue }
            let median = Self.quantile(after.map(\.value).sorted(), 0.5)
            let labels = Labels(name: TraceHandoffs.metric, ["from": edge.from, "to": edge.to])
            guard let e = Self.evidence(labels, baseline: baseline, after: [Sample(after[0].timestampMs, median)], habit: false) else { continue }
            active[edge.from, default: 0] += 1
            active[edge.to, default: 0] += 1
            if e.direction > 0 && e.score >= 3 { slowed.append((edge, e)) }
        }
        var out: [(String, Evidence)] = []
        while !slowed.isEmpty {
            var count: [String: Int] = [:]
            for s in slowed { count[s.edge.from, default: 0] += 1; count[s.edge.to, default: 0] += 1 }
            // Slowed hand-offs × their share of its own, then the count; then the name, so runs repeat.
            func key(_ s: String) -> (Double, Int, String) { (Double(count[s]! * count[s]!) / Double(active[s]!), count[s]!, s) }
            let pick = count.keys.max { key($0) < key($1) }!
            let mine = slowed.filter { $0.edge.from == pick || $0.edge.to == pick }
            out.append((pick, mine.max { $0.evidence.score < $1.evidence.score }!.evidence))
            slowed.removeAll { $0.edge.from == pick || $0.edge.to == pick }
        }
        return out
    }

    /// Smallest change that counts, relative to the level (Sock Shop 1.00 and Online Boutique 0.46–0.48 AC@1 for 0.05–0.2).
    static let relativeFloor = 0.1

    /// `counts`: per-minute line counts, whose noise is Poisson-like (a standard deviation of about √level).
    /// A series whose values are all whole numbers (connections in use, requests waiting, errors) gets
    /// that floor too: an idle pool's 0 → 1 is noise, not news (it had scored 20 by the relative floor
    /// alone, and outranked the demo's real incidents at some hours of the day).
    /// `habit`: discount by how high the score runs in the baseline's own windows (off for a median of
    /// many samples, which single outliers in the baseline say nothing about).
    static func evidence(_ labels: Labels, baseline: [Double], after: [Sample], counts: Bool = false, habit discount: Bool = true) -> Evidence? {
        let b = baseline.filter(\.isFinite).sorted()
        guard b.count >= 3 else { return nil }
        let median = quantile(b, 0.5)
        var scale = quantile(b, 0.75) - quantile(b, 0.25)
        if scale <= 0 { scale = b.reduce(0) { $0 + abs($1 - median) } / Double(b.count) }
        // A quiet baseline would make any drift look enormous: a change below `relativeFloor` of the
        // level (or of half the new peak, for a series that was flat at zero) is not news however
        // still the series was — memory creeping between two periods, a latency appearing from nothing.
        // Counts get the same floor, so that every kind of evidence tops out at the same score
        // (2 / relativeFloor, for a jump from nothing): 500 new error lines are not 25 times the
        // evidence of a latency going from 5 ms to 1 s.
        let highest = after.map { abs($0.value) }.max() ?? 0
        scale = max(scale, relativeFloor * max(abs(median), highest / 2), 1e-9)
        if counts || b.allSatisfy({ $0 == $0.rounded() }) && after.allSatisfy({ !$0.value.isFinite || $0.value == $0.value.rounded() }) {
            scale = max(scale, (abs(median) + 1).squareRoot())
        }
        var best = 0.0, peak = median, onset: Int64?
        for s in after where s.value.isFinite {
            let z = (s.value - median) / scale
            if abs(z) > abs(best) { best = z; peak = s.value }
            if onset == nil && abs(z) > 3 { onset = s.timestampMs }
        }
        // How high the same score runs in the baseline's own windows of this length (their 95th
        // percentile): a series that jumps now and then is discounted by its habit. (90th: Online
        // Boutique AC@1 0.77, Avg@5 0.92; 95th: 0.80, 0.90; 99th: 0.73, 0.82 — the baseline can hold
        // earlier incidents, so the very top is not normal.)
        let values = baseline.filter(\.isFinite), w = max(1, min(after.count, values.count))
        var windowScores: [Double] = []
        var i = 0
        while i + w <= values.count {
            windowScores.append(values[i..<(i + w)].reduce(0) { max($0, abs($1 - median) / scale) })
            i += max(1, w / 2)
        }
        let habit = windowScores.isEmpty || !discount ? 1 : max(1, quantile(windowScores.sorted(), 0.95))
        return Evidence(series: labels, score: abs(best) / habit, direction: best >= 0 ? 1 : -1, onsetMs: onset, baselineMedian: median, peak: peak)
    }

    /// A success ratio is judged by its distance from its ceiling, the failure ratio: 100 % → 95 % is
    /// failures going from none to 5 %, which the relative floor (10 % of the level) would hide.
    static func isSuccessRatio(_ labels: Labels) -> Bool { labels.name?.lowercased().contains("success") == true }

    static func failureShare(_ s: Series) -> [Sample] {
        guard isSuccessRatio(s.labels) else { return s.samples }
        return zip(s.samples, failureShare(s.labels, s.samples.map(\.value))).map { Sample($0.timestampMs, $1) }
    }

    /// The distance from 100 for percentages, from 1 for fractions.
    static func failureShare(_ labels: Labels, _ values: [Double]) -> [Double] {
        guard isSuccessRatio(labels) else { return values }
        let ceiling: Double = values.contains { $0.isFinite && $0 > 1 } ? 100 : 1
        return values.map { ceiling - $0 }
    }

    /// A series' sampling step: the median spacing of its samples (nil with fewer than two).
    static func step(_ samples: [Sample]) -> Int64? {
        guard samples.count >= 2 else { return nil }
        let gaps = zip(samples, samples.dropFirst()).map { $1.timestampMs - $0.timestampMs }.filter { $0 > 0 }.sorted()
        return gaps.isEmpty ? nil : gaps[gaps.count / 2]
    }

    static func median(_ values: [Double]) -> Double {
        let finite = values.filter(\.isFinite).sorted()
        return finite.isEmpty ? 0 : quantile(finite, 0.5)
    }

    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let pos = q * Double(sorted.count - 1)
        let lo = Int(pos), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - Double(lo))
    }

    /// Per-minute counts with the minutes that logged nothing as zeros.
    static func zeroFilled(_ samples: [Sample], from: Int64, to: Int64, stepMs: Int64) -> [Sample] {
        var byMinute: [Int64: Double] = [:]
        for s in samples { byMinute[s.timestampMs - s.timestampMs % stepMs, default: 0] += s.value }
        let start = from - from % stepMs
        return stride(from: start, through: to, by: Int64.Stride(stepMs)).map { (m: Int64) in Sample(m, byMinute[m] ?? 0) }
    }
}
