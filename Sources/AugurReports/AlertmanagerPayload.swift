import AugurCore
import Foundation

/// Alertmanager's webhook body (version 4), validated whole before anything is written.
package struct AlertmanagerPayload: Sendable {
    package struct Alert: Sendable, Equatable {
        package var firing: Bool
        package var labels: [String: String]
        package var annotations: [String: String]
        package var startsMs: Int64
        /// Nil while firing (Alertmanager sends the zero time).
        package var endsMs: Int64?
        package var fingerprint: String

        package var name: String { labels["alertname"] ?? "alert" }
        /// The workload the alert is about (`service`, `app`, a pod's workload, …), or its job.
        package var service: String { ServiceNaming.service(of: Labels(labels.map { ($0.key, $0.value) })) ?? labels["job"] ?? "unknown" }
        package var severity: String { labels["severity"] ?? "warning" }
    }

    package var groupKey: String
    package var alerts: [Alert]
    /// Where the alerts came from: alertmanager, or rule for Augur's own rules.
    package var source = "alertmanager"

    package init(groupKey: String, alerts: [Alert], source: String = "alertmanager") {
        self.groupKey = groupKey
        self.alerts = alerts
        self.source = source
    }

    private struct Wire: Decodable {
        struct Alert: Decodable {
            let status: String?
            let labels: [String: String]?
            let annotations: [String: String]?
            let startsAt: String?
            let endsAt: String?
            let fingerprint: String?
        }

        let version: String?
        let groupKey: String?
        let alerts: [Alert]?
    }

    package static func decode(_ body: [UInt8]) throws(IncidentError) -> AlertmanagerPayload {
        let wire: Wire
        do { wire = try JSONDecoder().decode(Wire.self, from: Data(body)) } catch {
            throw IncidentError(.badInput, "body is not Alertmanager webhook JSON: \(Self.describe(error))")
        }
        guard wire.version == "4" else { throw IncidentError(.badInput, "version must be \"4\" (Alertmanager's webhook payload), got \(wire.version.map { "\"\($0)\"" } ?? "none")", field: "version") }
        guard let alerts = wire.alerts, !alerts.isEmpty else { throw IncidentError(.badInput, "alerts must be a non-empty array", field: "alerts") }
        var out: [Alert] = []
        for (i, a) in alerts.enumerated() {
            let at = "alerts[\(i)]"
            guard let status = a.status, ["firing", "resolved"].contains(status) else { throw IncidentError(.badInput, "\(at).status must be firing or resolved", field: "\(at).status") }
            guard let labels = a.labels, labels["alertname"]?.isEmpty == false else { throw IncidentError(.badInput, "\(at).labels must include alertname", field: "\(at).labels") }
            guard let starts = a.startsAt.flatMap(TimeParsing.timestampMs) else { throw IncidentError(.badInput, "\(at).startsAt must be an RFC 3339 time", field: "\(at).startsAt") }
            var ends: Int64?
            if let text = a.endsAt, !text.hasPrefix("0001-") {
                guard let ms = TimeParsing.timestampMs(text) else { throw IncidentError(.badInput, "\(at).endsAt must be an RFC 3339 time", field: "\(at).endsAt") }
                ends = ms
            }
            if status == "resolved" && ends == nil { throw IncidentError(.badInput, "\(at): a resolved alert needs endsAt", field: "\(at).endsAt") }
            // Alertmanager always sends the fingerprint; a hand-made payload gets one from its labels.
            let fingerprint = a.fingerprint.flatMap { $0.isEmpty ? nil : $0 } ?? Self.fingerprint(labels)
            out.append(Alert(firing: status == "firing", labels: labels, annotations: a.annotations ?? [:], startsMs: starts, endsMs: ends, fingerprint: fingerprint))
        }
        return AlertmanagerPayload(groupKey: wire.groupKey ?? "", alerts: out)
    }

    /// FNV-1a over the sorted label pairs, as hex.
    static func fingerprint(_ labels: [String: String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) {
            for b in k.utf8 + [0xff] + v.utf8 + [0xfe] { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        return String(h, radix: 16)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let c), DecodingError.dataCorrupted(let c), DecodingError.valueNotFound(_, let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? c.debugDescription : "\(path): \(c.debugDescription)"
        default:
            return "not JSON"
        }
    }
}
