package import AugurCore
package import AugurStore

/// Call-graph edges read from metric labels that name both ends of a call: Istio's
/// `source_workload`/`destination_workload`, and `source`/`target` as imported call graphs and
/// OpenTelemetry span metrics (`client`/`server`) name them. One edge per caller and callee, weighted
/// by how many series show the call.
package enum GraphLearner {
    static let endpoints = [("source_workload", "destination_workload"), ("source", "target"), ("client", "server")]

    package static func fromMetricLabels(_ store: Store) -> [GraphEdge] {
        var weights: [String: [String: Double]] = [:]
        for labels in store.series(matching: [try! Selector(parsing: #"{__name__=~".+"}"#)]) {
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
