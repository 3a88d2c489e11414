import AugurCore

/// Evidence that a service stopped calling another. An exception or a wrong return value in a caller
/// cuts its requests short: the calls it would have made next are never made. The callee then serves
/// nothing, though nothing is wrong with it, while the caller goes on being called. (Online Boutique:
/// a checkout that throws while charging the card leaves payment and email idle for minutes, and its
/// own traffic steady.) The callee's fall is evidence about the caller, not about the callee.
enum LostCalls {
    static let metric = "augur_calls_lost"

    /// A series that counts a service's requests: its traffic (`pod_workload_ops`, `requests_per_second`,
    /// `…_rps`, `…_qps`, `throughput`). Counters (`_total`, `_count`) are not levels and are left out.
    static func isTraffic(_ name: String) -> Bool {
        let n = name.lowercased()
        guard !n.hasSuffix("_total") && !n.hasSuffix("_count") && !n.hasSuffix("_sum") && !n.hasSuffix("_bucket"),
              !n.contains("latency") && !n.contains("duration") && !n.contains("error") && !n.contains("fail") else { return false }
        return ["workload", "request", "throughput", "_rps", "_qps", "_ops"].contains { n.contains($0) } || n.hasSuffix("rps") || n.hasSuffix("qps")
    }

    /// A service's traffic after the start and before it (or on the reference period).
    struct Traffic {
        var after: [Sample]
        var baseline: [Double]

        /// How often the baseline served nothing.
        var idleShare: Double { Double(baseline.filter { $0 == 0 }.count) / Double(max(baseline.count, 1)) }
        /// Whether it stopped: a sample after the start at zero, where the baseline was almost never idle.
        var stopped: Bool { baseline.count >= 3 && idleShare < Self.rarelyIdle && after.contains { $0.value == 0 } }
        /// Whether it went on: no idle sample after the start, and not below half its usual level.
        var wentOn: Bool {
            guard baseline.filter(\.isFinite).count >= 3, !after.isEmpty else { return false }
            return after.allSatisfy { $0.value.isFinite && $0.value > 0 }
                && RootCauseAnalyzer.median(after.map(\.value)) >= RootCauseAnalyzer.median(baseline) / 2
        }

        /// A baseline idle in under 5 % of its samples is one that does not fall silent by chance.
        static let rarelyIdle = 0.05
    }

    /// For each callee that stopped while a caller went on, evidence about that caller. The score is
    /// the largest a fall can make under the ranker's relative floor (a level falling to nothing,
    /// 1 / `relativeFloor`), times the share of the baseline that was not idle: a stop is as strong as
    /// evidence gets on the ranker's scale.
    static func evidence(traffic: [String: Traffic], edges: [GraphEdge]) -> [(String, RootCauseAnalyzer.Evidence)] {
        var out: [(String, RootCauseAnalyzer.Evidence)] = []
        for (callee, t) in traffic where t.stopped {
            let callers = Set(edges.filter { $0.target == callee && $0.source != callee }.map(\.source))
            for caller in callers.sorted() where traffic[caller]?.wentOn == true {
                out.append((caller, RootCauseAnalyzer.Evidence(
                    series: Labels(name: metric, ["service": caller, "callee": callee]),
                    score: (1 - t.idleShare) / RootCauseAnalyzer.relativeFloor, direction: -1,
                    onsetMs: t.after.first { $0.value == 0 }!.timestampMs, baselineMedian: RootCauseAnalyzer.median(t.baseline), peak: 0)))
            }
        }
        return out
    }
}
