/// A change to a service — a deploy, a configuration change, a scaling action, a feature flag: the
/// most common cause of incidents and the first thing an on-call engineer checks.
package struct ChangeEvent: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case deploy, config, scale, featureFlag = "feature-flag", other
    }

    package var timeMs: Int64
    package var service: String
    package var kind: Kind
    package var description: String
    package var labels: [String: String]
    /// Where it was recorded from: `api` or `argocd`.
    package var source: String

    package init(timeMs: Int64, service: String, kind: Kind, description: String, labels: [String: String] = [:], source: String = "api") {
        self.timeMs = timeMs
        self.service = service
        self.kind = kind
        self.description = description
        self.labels = labels
        self.source = source
    }
}
