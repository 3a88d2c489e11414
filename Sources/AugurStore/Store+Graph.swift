package import AugurCore

extension Store {
    /// Replaces every edge of `origin` with `edges`, in one transaction.
    package func replaceEdges(_ edges: [GraphEdge], origin: String) throws(StoreError) {
        try withWriter { (w) throws(StoreError) in
            try w.conn.transaction { () throws(StoreError) in
                try w.conn.prepare("DELETE FROM graph_edges WHERE origin = ?").bind(origin).run()
                let insert = try w.conn.prepare(
                    "INSERT INTO graph_edges(source, target, weight, origin, updated_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET weight = excluded.weight")
                let now = WallClock.nowMs()
                for e in edges { try insert.bind(e.source, e.target, e.weight, origin, now).run() }
            }
        }
    }

    /// Every stored edge, ordered by source, target and origin.
    package func edges() throws(StoreError) -> [GraphEdge] {
        try withReader { (conn) throws(StoreError) -> [GraphEdge] in
            let q = try conn.prepare("SELECT source, target, weight, origin FROM graph_edges ORDER BY source, target, origin")
            var out: [GraphEdge] = []
            while try q.step() { out.append(GraphEdge(source: q.text(0), target: q.text(1), weight: q.double(2), origin: q.text(3))) }
            return out
        }
    }
}
