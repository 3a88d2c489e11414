import Foundation

/// Measurements the benchmark compares Augur's store against.
package enum StoreBenchmarks {
    /// The naive design: one row per sample in a `(series_id, ts, value)` table with a primary key,
    /// inserted with a prepared statement in transactions of `batch` rows, in the same WAL settings
    /// as the store. Returns samples per second and bytes per sample on disk.
    package static func rawInsert(samples: Int, series: Int, batch: Int, directory: String) throws(StoreError) -> (rate: Double, bytesPerSample: Double) {
        let path = directory + "/raw-insert.sqlite"
        try? FileManager.default.removeItem(atPath: path)
        let conn = try SQLiteConnection(path: path, readOnly: false)
        try conn.execute("CREATE TABLE samples (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (series_id, ts)) WITHOUT ROWID")
        let insert = try conn.prepare("INSERT OR REPLACE INTO samples VALUES (?, ?, ?)")
        let start = ContinuousClock.now
        var written = 0
        var scrape: Int64 = 0
        while written < samples {
            try conn.transaction { () throws(StoreError) in
                for _ in 0..<min(batch, samples - written) {
                    let s = written % series
                    if s == 0 { scrape += 1 }
                    try insert.bind(Int64(s + 1), scrape * 15_000, Double(written & 1023)).run()
                    written += 1
                }
            }
        }
        let elapsed = ContinuousClock.now - start
        try conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.doubleValue ?? 0
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (Double(samples) / seconds, size / Double(samples))
    }
}
