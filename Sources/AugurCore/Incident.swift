/// One incident: `snapshot` is the latest RCA with its evidence (JSON, as the report and the API show it).
package struct Incident: Sendable, Equatable {
    package enum Status: String, Sendable { case open, acknowledged, resolved }

    package var id: Int64 = 0
    package var title: String
    package var service: String
    package var severity: String
    package var status: Status = .open
    package var source: String
    package var description: String
    package var startedMs: Int64
    package var openedMs: Int64
    package var acknowledgedMs: Int64?
    package var resolvedMs: Int64?
    package var confirmedCause: String?
    package var snapshot = "{}"

    package init(title: String, service: String, severity: String, source: String, description: String, startedMs: Int64, openedMs: Int64) {
        (self.title, self.service, self.severity, self.source) = (title, service, severity, source)
        (self.description, self.startedMs, self.openedMs) = (description, startedMs, openedMs)
    }
}

/// An alert that opened or joined an incident, keyed by its fingerprint and start.
package struct IncidentAlert: Sendable, Equatable {
    package enum Status: String, Sendable { case firing, resolved }

    package var fingerprint: String
    package var startsMs: Int64
    package var incidentId: Int64
    package var status: Status
    package var endsMs: Int64?
    package var name: String
    package var service: String
    /// The alert's labels and annotations as JSON objects.
    package var labels: String
    package var annotations: String

    package init(fingerprint: String, startsMs: Int64, incidentId: Int64, status: Status, endsMs: Int64?, name: String, service: String, labels: String, annotations: String) {
        (self.fingerprint, self.startsMs, self.incidentId, self.status, self.endsMs) = (fingerprint, startsMs, incidentId, status, endsMs)
        (self.name, self.service, self.labels, self.annotations) = (name, service, labels, annotations)
    }
}

/// One line of an incident's timeline.
package struct IncidentEvent: Sendable, Equatable {
    package var timeMs: Int64
    package var kind: String
    package var detail: String

    package init(timeMs: Int64, kind: String, detail: String) {
        self.timeMs = timeMs
        self.kind = kind
        self.detail = detail
    }
}
