package import AugurCore

/// Call-graph edges read from metric labels that name both ends of a call: Istio's
/// `source_workload`/`destination_workload`, and `source`/`target` as imported call graphs and
/// OpenTelemetry span metrics (`client`/`server`) name them. One edge per caller and callee, weighted
/// by how many series show the call.
package enum GraphLearner {
    static let endpoints = [("source_workload", "destination_workload"), ("source", "target"), ("client", "server")]

    /// Edges named by `series` (every series' labels).
    package static func fromMetricLabels(_ series: [Labels]) -> [GraphEdge] {
        var weights: [String: [String: Double]] = [:]
        for labels in series {
            for (from, to) in endpoints {
                guard let caller = labels[from], let callee = labels[to], !caller.isEmpty, !callee.isEmpty, caller != callee,
                      caller != "unknown", callee != "unknown" else { continue }
                weights[caller, default: [:]][callee, default: 0] += 1
                break
            }
        }
        return weights.flatMap { caller, callees in callees.map { GraphEdge(source: caller, target: $0.key, weight: $0.value, origin: "metrics") } }
            .sorted { ($0.source, $0.target) < ($1.source, $1.target) }
    }
}

extension GraphLearner {
    /// Call-graph edges learned from logs that carry trace ids, for when no graph is given. Within a
    /// trace each service's lines span an interval (its first to its last line); a service's caller is
    /// the service whose interval most tightly contains its own, as a call lies inside its caller's
    /// handling of the request. One edge per caller and callee seen in at least `minTraces` traces,
    /// weighted by their number. (Services that log once, at the end, span no interval and are left out.)
    package static func fromTraces(_ lines: [(traceId: String, timestampNs: Int64, service: String)], minTraces: Int = 3) -> [GraphEdge] {
        var spans: [String: [String: (first: Int64, last: Int64)]] = [:]
        for l in lines {
            let s = spans[l.traceId]?[l.service]
            spans[l.traceId, default: [:]][l.service] = (min(s?.first ?? .max, l.timestampNs), max(s?.last ?? .min, l.timestampNs))
        }
        var counts: [GraphEdge: Int] = [:]
        for services in spans.values where services.count >= 2 {
            for (callee, inner) in services where inner.last > inner.first {
                let callers = services.filter { caller, outer in
                    caller != callee && outer.first <= inner.first && inner.last <= outer.last && outer.last - outer.first > inner.last - inner.first
                }
                guard let caller = callers.min(by: { ($0.value.last - $0.value.first, $0.key) < ($1.value.last - $1.value.first, $1.key) }) else { continue }
                counts[GraphEdge(source: caller.key, target: callee, origin: "traces"), default: 0] += 1
            }
        }
        return counts.filter { $0.value >= minTraces }
            .map { var e = $0.key; e.weight = Double($0.value); return e }
            .sorted { ($0.source, $0.target) < ($1.source, $1.target) }
    }
}
