package import AugurCore

extension Store {
    /// Records decisions (a decision at an existing time replaces it).
    package func recordScaleDecisions(_ rows: [ScaleDecisionRow]) throws(StoreError) {
        guard !rows.isEmpty else { return }
        try withWriter { (w) throws(StoreError) in
            try w.conn.transaction { () throws(StoreError) in
                let insert = try w.conn.prepare("INSERT OR REPLACE INTO scale_decisions(namespace, workload, time_ms, replicas, signal, detail) VALUES (?, ?, ?, ?, ?, ?)")
                for r in rows { try insert.bind(r.namespace, r.workload, r.timeMs, r.replicas, r.signal, r.detail).run() }
            }
        }
    }

    /// A workload's decisions in `[startMs, endMs]`, oldest first.
    package func scaleDecisions(namespace: String, workload: String, startMs: Int64, endMs: Int64) throws(StoreError) -> [ScaleDecisionRow] {
        try withReader { (conn) throws(StoreError) -> [ScaleDecisionRow] in
            let q = try conn.prepare("SELECT time_ms, replicas, signal, detail FROM scale_decisions WHERE namespace = ? AND workload = ? AND time_ms BETWEEN ? AND ? ORDER BY time_ms")
            q.bind(namespace, workload, startMs, endMs)
            var out: [ScaleDecisionRow] = []
            while try q.step() {
                out.append(ScaleDecisionRow(namespace: namespace, workload: workload, timeMs: q.int64(0), replicas: Int(q.int64(1)), signal: q.text(2), detail: q.text(3)))
            }
            return out
        }
    }
}
