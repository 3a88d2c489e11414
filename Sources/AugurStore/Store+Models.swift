package import AugurCore

extension Store {
    /// Records (or replaces) the model of an existing series.
    package func register(_ m: RegisteredModel) throws(StoreError) {
        guard let id = lookup(m.series) else { throw StoreError(.io, "no series \(m.series) to register a model for") }
        try withWriter { (w) throws(StoreError) in
            try w.conn.prepare(
                """
                INSERT OR REPLACE INTO models(series_id, kind, path, period, step_ms, trained_from_ms, trained_to_ms, backtest, trusted, created_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            ).bind(id, m.kind, m.path, m.period, m.stepMs, m.trainedFromMs, m.trainedToMs, m.backtest, m.trusted ? 1 : 0, m.createdMs).run()
        }
    }

    /// Every registered model, with its series' labels.
    package func registeredModels() throws(StoreError) -> [RegisteredModel] {
        try withReader { (conn) throws(StoreError) -> [RegisteredModel] in
            let q = try conn.prepare(
                "SELECT s.labels, m.kind, m.path, m.period, m.step_ms, m.trained_from_ms, m.trained_to_ms, m.backtest, m.trusted, m.created_ms FROM models m JOIN series s ON s.id = m.series_id ORDER BY s.labels")
            var out: [RegisteredModel] = []
            while try q.step() {
                guard let labels = Store.labelsFromJSON(q.text(0)) else { continue }
                out.append(RegisteredModel(series: labels, kind: q.text(1), path: q.text(2), period: Int(q.int64(3)), stepMs: q.int64(4),
                                           trainedFromMs: q.int64(5), trainedToMs: q.int64(6), backtest: q.text(7), trusted: q.int64(8) != 0, createdMs: q.int64(9)))
            }
            return out
        }
    }
}
