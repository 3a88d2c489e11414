/// One stored replica recommendation; `detail` is its inputs as a JSON object.
package struct ScaleDecisionRow: Sendable, Equatable {
    package var namespace: String
    package var workload: String
    package var timeMs: Int64
    package var replicas: Int
    package var signal: String
    package var detail: String

    package init(namespace: String, workload: String, timeMs: Int64, replicas: Int, signal: String, detail: String) {
        self.namespace = namespace
        self.workload = workload
        self.timeMs = timeMs
        self.replicas = replicas
        self.signal = signal
        self.detail = detail
    }
}
