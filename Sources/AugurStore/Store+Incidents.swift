package import AugurCore

extension Store {
    /// Writes an incident (a new one when `id` is 0) with alerts, timeline events and, when an RCA ran,
    /// its snapshot as one more analysis, in one transaction; returns its id.
    @discardableResult
    package func saveIncident(_ incident: Incident, alerts: [IncidentAlert] = [], events: [IncidentEvent] = [], analysedAtMs: Int64? = nil) throws(StoreError) -> Int64 {
        try withWriter { (w) throws(StoreError) -> Int64 in
            try w.conn.transaction { () throws(StoreError) -> Int64 in
                var id = incident.id
                if id == 0 {
                    try w.conn.prepare("INSERT INTO incidents(title, service, severity, status, source, description, started_ms, opened_ms, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                        .bind(incident.title, incident.service, incident.severity, incident.status.rawValue, incident.source, incident.description,
                              incident.startedMs, incident.openedMs, incident.snapshot).run()
                    id = w.conn.lastInsertRowID
                } else {
                    try w.conn.prepare("UPDATE incidents SET title = ?, service = ?, severity = ?, status = ?, description = ?, started_ms = ?, snapshot = ? WHERE id = ?")
                        .bind(incident.title, incident.service, incident.severity, incident.status.rawValue, incident.description, incident.startedMs, incident.snapshot, id).run()
                }
                // Optional columns: NULL unless set.
                try w.conn.prepare("UPDATE incidents SET acknowledged_ms = ?, resolved_ms = ?, confirmed_cause = ? WHERE id = ?")
                    .bind(incident.acknowledgedMs, incident.resolvedMs, incident.confirmedCause, id).run()
                let upsert = try w.conn.prepare("""
                    INSERT INTO incident_alerts(fingerprint, starts_ms, incident_id, status, ends_ms, name, service, labels, annotations)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(fingerprint, starts_ms) DO UPDATE SET status = excluded.status, ends_ms = excluded.ends_ms, annotations = excluded.annotations
                    """)
                for a in alerts {
                    try upsert.bind(a.fingerprint, a.startsMs, id, a.status.rawValue, a.endsMs, a.name, a.service, a.labels, a.annotations).run()
                }
                let event = try w.conn.prepare("INSERT INTO incident_events(incident_id, time_ms, kind, detail) VALUES (?, ?, ?, ?)")
                for e in events { try event.bind(id, e.timeMs, e.kind, e.detail).run() }
                if let at = analysedAtMs {
                    try w.conn.prepare("INSERT INTO incident_analyses(incident_id, time_ms, snapshot) VALUES (?, ?, ?)").bind(id, at, incident.snapshot).run()
                }
                return id
            }
        }
    }

    private static let incidentColumns = "id, title, service, severity, status, source, description, started_ms, opened_ms, acknowledged_ms, resolved_ms, confirmed_cause, snapshot"

    private static func incident(_ q: Statement) -> Incident {
        var r = Incident(title: q.text(1), service: q.text(2), severity: q.text(3), source: q.text(5), description: q.text(6), startedMs: q.int64(7), openedMs: q.int64(8))
        r.id = q.int64(0)
        r.status = Incident.Status(rawValue: q.text(4)) ?? .open
        r.acknowledgedMs = q.isNull(9) ? nil : q.int64(9)
        r.resolvedMs = q.isNull(10) ? nil : q.int64(10)
        r.confirmedCause = q.isNull(11) ? nil : q.text(11)
        r.snapshot = q.text(12)
        return r
    }

    package func incident(id: Int64) throws(StoreError) -> Incident? {
        try withReader { (conn) throws(StoreError) -> Incident? in
            let q = try conn.prepare("SELECT \(Self.incidentColumns) FROM incidents WHERE id = ?")
            q.bind(id)
            return try q.step() ? Self.incident(q) : nil
        }
    }

    /// Incidents, open ones first, then newest first.
    package func incidents(limit: Int = 500) throws(StoreError) -> [Incident] {
        try withReader { (conn) throws(StoreError) -> [Incident] in
            let q = try conn.prepare("SELECT \(Self.incidentColumns) FROM incidents ORDER BY status = 'resolved', started_ms DESC LIMIT ?")
            q.bind(limit)
            var out: [Incident] = []
            while try q.step() { out.append(Self.incident(q)) }
            return out
        }
    }

    package func alert(fingerprint: String, startsMs: Int64) throws(StoreError) -> IncidentAlert? {
        try alerts(where: "fingerprint = ? AND starts_ms = ?") { $0.bind(fingerprint, startsMs) }.first
    }

    package func alerts(incidentId: Int64) throws(StoreError) -> [IncidentAlert] {
        try alerts(where: "incident_id = ?") { $0.bind(incidentId) }
    }

    private func alerts(where clause: String, bind: (Statement) -> Void) throws(StoreError) -> [IncidentAlert] {
        try withReader { (conn) throws(StoreError) -> [IncidentAlert] in
            let q = try conn.prepare("SELECT fingerprint, starts_ms, incident_id, status, ends_ms, name, service, labels, annotations FROM incident_alerts WHERE \(clause) ORDER BY starts_ms")
            bind(q)
            var out: [IncidentAlert] = []
            while try q.step() {
                out.append(IncidentAlert(fingerprint: q.text(0), startsMs: q.int64(1), incidentId: q.int64(2), status: IncidentAlert.Status(rawValue: q.text(3)) ?? .firing, endsMs: q.isNull(4) ? nil : q.int64(4),
                                    name: q.text(5), service: q.text(6), labels: q.text(7), annotations: q.text(8)))
            }
            return out
        }
    }

    /// Every RCA run of an incident, oldest first: (time, snapshot JSON).
    package func incidentAnalyses(incidentId: Int64) throws(StoreError) -> [(timeMs: Int64, snapshot: String)] {
        try withReader { (conn) throws(StoreError) -> [(timeMs: Int64, snapshot: String)] in
            let q = try conn.prepare("SELECT time_ms, snapshot FROM incident_analyses WHERE incident_id = ? ORDER BY time_ms, rowid")
            q.bind(incidentId)
            var out: [(timeMs: Int64, snapshot: String)] = []
            while try q.step() { out.append((q.int64(0), q.text(1))) }
            return out
        }
    }

    package func incidentEvents(incidentId: Int64) throws(StoreError) -> [IncidentEvent] {
        try withReader { (conn) throws(StoreError) -> [IncidentEvent] in
            let q = try conn.prepare("SELECT time_ms, kind, detail FROM incident_events WHERE incident_id = ? ORDER BY time_ms, rowid")
            q.bind(incidentId)
            var out: [IncidentEvent] = []
            while try q.step() { out.append(IncidentEvent(timeMs: q.int64(0), kind: q.text(1), detail: q.text(2))) }
            return out
        }
    }
}
