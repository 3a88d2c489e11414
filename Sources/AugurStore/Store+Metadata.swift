package import AugurCore

extension Store {
    /// Records what exporters declared; a family's newest declaration wins. An `unknown` type does not
    /// overwrite a known one (Prometheus sends `unknown` for families it has not seen typed).
    package func writeMetadata(_ metadata: [MetricMetadata]) throws(StoreError) {
        guard !metadata.isEmpty else { return }
        try withWriter { (w) throws(StoreError) in
            try w.conn.transaction { () throws(StoreError) in
                let upsert = try w.conn.prepare("""
                    INSERT INTO metric_metadata(name, type, help, unit, updated_ms) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET
                        type = CASE WHEN excluded.type = 'unknown' THEN type ELSE excluded.type END,
                        help = CASE WHEN excluded.help = '' THEN help ELSE excluded.help END,
                        unit = CASE WHEN excluded.unit = '' THEN unit ELSE excluded.unit END,
                        updated_ms = excluded.updated_ms
                    """)
                let now = WallClock.nowMs()
                for m in metadata { try upsert.bind(m.name, m.type.rawValue, m.help, m.unit, now).run() }
            }
        }
    }

    /// Every family's metadata, by name.
    package func metadata() throws(StoreError) -> [MetricMetadata] {
        try withReader { (conn) throws(StoreError) -> [MetricMetadata] in
            let q = try conn.prepare("SELECT name, type, help, unit FROM metric_metadata ORDER BY name")
            var out: [MetricMetadata] = []
            while try q.step() { out.append(MetricMetadata(name: q.text(0), type: MetricMetadata.Kind(rawValue: q.text(1)) ?? .unknown, help: q.text(2), unit: q.text(3))) }
            return out
        }
    }

    /// Declared types by family name, for telling counters from gauges.
    package func declaredTypes() -> [String: MetricMetadata.Kind] {
        Dictionary(((try? metadata()) ?? []).map { ($0.name, $0.type) }) { a, _ in a }
    }
}
