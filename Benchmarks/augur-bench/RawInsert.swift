import AugurCommandLine
import AugurCore
import CSQLite
import Foundation

/// The naive design Augur's store is compared with: one row per sample in a `(series_id, ts, value)`
/// table with a primary key, inserted with a prepared statement in transactions of `batch` rows, in
/// the store's page size and WAL settings. Returns samples per second and bytes per sample on disk.
func rawInsert(samples: Int, series: Int, batch: Int, directory: String) throws -> (rate: Double, bytesPerSample: Double) {
    let path = directory + "/raw-insert.sqlite"
    try? FileManager.default.removeItem(atPath: path)
    var db: OpaquePointer?
    func check(_ rc: Int32, _ what: String) throws {
        guard rc == SQLITE_OK || rc == SQLITE_DONE else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(what): \(String(cString: sqlite3_errmsg(db)))"]) }
    }
    try check(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil), "open")
    defer { sqlite3_close_v2(db) }
    for sql in ["PRAGMA page_size = 16384", "PRAGMA auto_vacuum = INCREMENTAL", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -32768",
                "CREATE TABLE samples (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (series_id, ts)) WITHOUT ROWID"] {
        try check(sqlite3_exec(db, sql, nil, nil, nil), sql)
    }
    var insert: OpaquePointer?
    try check(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO samples VALUES (?, ?, ?)", -1, &insert, nil), "prepare")
    defer { sqlite3_finalize(insert) }
    let start = ContinuousClock.now
    var written = 0
    var scrape: Int64 = 0
    while written < samples {
        try check(sqlite3_exec(db, "BEGIN", nil, nil, nil), "begin")
        for _ in 0..<min(batch, samples - written) {
            let s = written % series
            if s == 0 { scrape += 1 }
            sqlite3_bind_int64(insert, 1, Int64(s + 1))
            sqlite3_bind_int64(insert, 2, scrape * 15_000)
            sqlite3_bind_double(insert, 3, Double(written & 1023))
            try check(sqlite3_step(insert), "insert")
            sqlite3_reset(insert)
            written += 1
        }
        try check(sqlite3_exec(db, "COMMIT", nil, nil, nil), "commit")
    }
    let elapsed = ContinuousClock.now - start
    try check(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nil, nil, nil), "checkpoint")
    let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.doubleValue ?? 0
    return (Double(samples) / seconds(elapsed), size / Double(samples))
}
