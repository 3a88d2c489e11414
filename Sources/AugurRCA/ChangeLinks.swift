package import AugurCore
import Foundation

/// A change event refused at the API: what is wrong, and in which field.
package typealias ChangeEventError = CodedError<ChangeEventFault>
package enum ChangeEventFault: String, Sendable { case invalid }

extension CodedError where Code == ChangeEventFault {
    init(_ detail: String, field: String? = nil) { self.init(.invalid, detail, field: field) }
}

/// A change that may explain a suspect's anomaly, and how strongly.
package struct LinkedChange: Sendable {
    package enum Strength: String, Sendable, Comparable {
        case weak, moderate, strong

        /// How much the link raises the suspect's score: changes cause most incidents, but a change
        /// never makes a service a suspect on its own — only a service whose series moved is raised.
        var weight: Double {
            switch self {
            case .strong: 0.5
            case .moderate: 0.25
            case .weak: 0.1
            }
        }

        package static func < (a: Strength, b: Strength) -> Bool { a.weight < b.weight }
    }

    package let id: Int64
    package let event: ChangeEvent
    /// From the change to the suspect's first anomaly onset.
    package let lagMs: Int64
    package let strength: Strength

    /// Strong when the anomaly began within 15 minutes of the change, moderate within an hour, weak after.
    static func strength(lagMs: Int64) -> Strength {
        lagMs <= 15 * 60_000 ? .strong : lagMs <= 3_600_000 ? .moderate : .weak
    }
}

/// Change events as they arrive: Augur's own JSON and the body of ArgoCD's notifications webhook.
package enum ChangeEvents {
    /// `{"time": RFC 3339 or unix (default now), "service", "kind": deploy|config|scale|feature-flag|other,
    /// "description", "labels": {…}}`.
    package static func parse(_ body: [UInt8], nowMs: Int64) throws(ChangeEventError) -> ChangeEvent {
        let object = try self.object(body)
        guard let service = object["service"] as? String, !service.isEmpty else { throw ChangeEventError("service is required: the changed service's name", field: "service") }
        guard let kindText = object["kind"] as? String else {
            throw ChangeEventError("kind is required: one of \(ChangeEvent.Kind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
        }
        guard let kind = ChangeEvent.Kind(rawValue: kindText) else {
            throw ChangeEventError("kind \(kindText) is not one of \(ChangeEvent.Kind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
        }
        let description = object["description"] as? String ?? ""
        var labels: [String: String] = [:]
        if let raw = object["labels"] {
            guard let dict = raw as? [String: Any], dict.values.allSatisfy({ $0 is String }) else { throw ChangeEventError("labels must be an object of strings", field: "labels") }
            labels = dict.mapValues { $0 as! String }
        }
        return ChangeEvent(timeMs: try time(object["time"], nowMs: nowMs, field: "time"), service: service, kind: kind, description: description, labels: labels)
    }

    /// The body of the ArgoCD notifications template in `server/argocd-notifications.yaml`: `app`
    /// (the service, unless `service` names it), `revision`, `phase`, `finishedAt`, and optionally
    /// `namespace`, `repoURL`, `health`. ArgoCD lets each installation shape the body; these are the
    /// fields of Augur's template.
    package static func argoCD(_ body: [UInt8], nowMs: Int64) throws(ChangeEventError) -> ChangeEvent {
        let object = try self.object(body)
        guard let app = object["app"] as? String, !app.isEmpty else { throw ChangeEventError("app is required: {{.app.metadata.name}}", field: "app") }
        let service = (object["service"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? app
        var labels = ["app": app]
        for key in ["revision", "phase", "namespace", "repoURL", "health"] {
            if let v = object[key] as? String, !v.isEmpty { labels[key] = v }
        }
        let revision = labels["revision"].map { " to \($0.prefix(12))" } ?? ""
        let phase = labels["phase"].map { " (\($0))" } ?? ""
        let finished = (object["finishedAt"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return ChangeEvent(timeMs: try time(finished, nowMs: nowMs, field: "finishedAt"), service: service, kind: .deploy,
                           description: "ArgoCD synced \(app)\(revision)\(phase)", labels: labels, source: "argocd")
    }

    static func object(_ body: [UInt8]) throws(ChangeEventError) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { throw ChangeEventError("body must be a JSON object") }
        return object
    }

    static func time(_ value: Any?, nowMs: Int64, field: String) throws(ChangeEventError) -> Int64 {
        switch value {
        case nil: return nowMs
        case let n as NSNumber:
            guard let ms = TimeParsing.unixToMs(n.doubleValue) else { throw ChangeEventError("\(field) \(n) is not a time (\(TimeParsing.rangeText))", field: field) }
            return ms
        case let s as String:
            guard let ms = TimeParsing.timestampMs(s) else { throw ChangeEventError("\(field) \(s) is not a time (\(TimeParsing.rangeText))", field: field) }
            return ms
        default: throw ChangeEventError("\(field) must be RFC 3339 or unix seconds", field: field)
        }
    }
}
