import AugurCore
package import AugurReports
import Synchronization

/// Serialises the incident desk: deliveries, manual incidents and operator actions one at a time, on
/// the compute lane (a delivery runs RCA, seconds of work). `onOpened` hears each incident opened,
/// after the desk has stored it (the server sends its notifications from there).
package final class IncidentOffice: Sendable {
    package let desk: IncidentDesk
    private let onOpened: @Sendable (Int64) async -> Void
    private let serial = Mutex(())

    package init(desk: IncidentDesk, onOpened: @escaping @Sendable (Int64) async -> Void) {
        self.desk = desk
        self.onOpened = onOpened
    }

    private func serialised<T: Sendable>(_ body: @escaping @Sendable (IncidentDesk, Int64) throws -> T) async throws -> T {
        try await WorkLane.compute.run { [self] in try serial.withLock { _ in try body(desk, WallClock.nowMs()) } }
    }

    package func receive(_ payload: AlertmanagerPayload) async throws -> IncidentDesk.Outcome {
        let outcome = try await serialised { try $0.receive(payload, nowMs: $1) }
        for id in outcome.opened { await onOpened(id) }
        return outcome
    }

    package func open(atMs: Int64, service: String, description: String, severity: String) async throws -> Int64 {
        let id = try await serialised { try $0.open(atMs: atMs, service: service, description: description, severity: severity, nowMs: $1) }
        await onOpened(id)
        return id
    }

    package func acknowledge(_ id: Int64) async throws { _ = try await serialised { try $0.acknowledge(id: id, nowMs: $1) } }
    package func resolve(_ id: Int64) async throws { _ = try await serialised { try $0.resolve(id: id, nowMs: $1) } }
    package func feedback(_ id: Int64, cause: String) async throws { _ = try await serialised { try $0.feedback(id: id, cause: cause, nowMs: $1) } }
}
