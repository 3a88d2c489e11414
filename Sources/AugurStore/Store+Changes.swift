package import AugurCore

extension Store {
    /// Records a change event; returns its id.
    package func recordChange(_ e: ChangeEvent) throws(StoreError) -> Int64 {
        try withWriter { (w) throws(StoreError) -> Int64 in
            try w.conn.prepare("INSERT INTO change_events(time_ms, service, kind, description, labels, source) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(e.timeMs, e.service, e.kind.rawValue, e.description, JSONText.object(Labels(e.labels.map { ($0.key, $0.value) })), e.source).run()
            return w.conn.lastInsertRowID
        }
    }

    /// Change events in [fromMs, toMs], oldest first, with their ids.
    package func changes(fromMs: Int64, toMs: Int64) throws(StoreError) -> [(id: Int64, event: ChangeEvent)] {
        try withReader { (conn) throws(StoreError) -> [(id: Int64, event: ChangeEvent)] in
            let q = try conn.prepare("SELECT id, time_ms, service, kind, description, labels, source FROM change_events WHERE time_ms BETWEEN ? AND ? ORDER BY time_ms, id")
                .bind(fromMs, toMs)
            var out: [(id: Int64, event: ChangeEvent)] = []
            while try q.step() {
                let labels = Store.labelsFromJSON(q.text(5))?.dictionary ?? [:]
                out.append((q.int64(0), ChangeEvent(timeMs: q.int64(1), service: q.text(2), kind: ChangeEvent.Kind(rawValue: q.text(3)) ?? .other,
                                                     description: q.text(4), labels: labels, source: q.text(6))))
            }
            return out
        }
    }
}
