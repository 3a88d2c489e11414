/// A call edge of the service dependency graph: `source` calls `target`.
package struct GraphEdge: Sendable, Hashable, Codable {
    package var source: String
    package var target: String
    package var weight: Double
    /// Where the edge came from: `config`, `dependency.csv`, `traces`, ...
    package var origin: String

    package init(source: String, target: String, weight: Double = 1, origin: String) {
        self.source = source
        self.target = target
        self.weight = weight
        self.origin = origin
    }
}

package enum ServiceNaming {
    /// The workload a log stream belongs to: `service(of:)`, else its `job` or `container`.
    package static func logService(of labels: Labels) -> String {
        service(of: labels) ?? labels["job"] ?? labels["container"] ?? "unknown"
    }

    /// The workload a series or log stream belongs to: its `service` label (or `service_name`, `app`,
    /// `app_kubernetes_io_name`), else its pod's workload; nil when it names none.
    package static func service(of labels: Labels) -> String? {
        for name in ["service", "service_name", "app", "app_kubernetes_io_name"] {
            if let s = labels[name], !s.isEmpty { return s }
        }
        for name in ["pod", "pod_name"] {
            if let pod = labels[name], !pod.isEmpty { return service(ofPod: pod) }
        }
        return nil
    }

    /// The workload of a Kubernetes pod name: a Deployment's pods are `<name>-<replicaset hash>-<pod hash>`
    /// (`cartservice-579f59597d-wc2lz` → `cartservice`), a StatefulSet's `<name>-<ordinal>`.
    package static func service(ofPod pod: String) -> String {
        var parts = pod.split(separator: "-", omittingEmptySubsequences: false)
        func isHash(_ s: Substring, _ lengths: ClosedRange<Int>) -> Bool {
            lengths.contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
        }
        if parts.count >= 3, isHash(parts[parts.count - 1], 5...5), isHash(parts[parts.count - 2], 6...10),
           parts[parts.count - 2].contains(where: \.isNumber) || parts[parts.count - 2].count >= 9 {
            parts.removeLast(2)
        } else if parts.count >= 2, parts.last!.allSatisfy(\.isNumber), !parts.last!.isEmpty {
            parts.removeLast()
        }
        return parts.joined(separator: "-")
    }
}
