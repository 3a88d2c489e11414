import CSQLite
import Foundation

/// One SQLite connection. Not thread-safe: owners keep it behind a `Mutex`.
/// `@unchecked Sendable`: a C handle used by one owner at a time (the writer behind its `Mutex`,
/// a reader taken out of the pool), opened with SQLITE_OPEN_NOMUTEX.
final class SQLiteConnection: @unchecked Sendable {
    let handle: OpaquePointer
    let path: String
    private var statements: [String: Statement] = [:]

    init(path: String, readOnly: Bool) throws(StoreError) {
        // A WAL store on read-only media (a read-only mount, a snapshot) cannot get its -shm file, so
        // a reader opens it as immutable: nothing can write it there (https://www.sqlite.org/uri.html#uriimmutable).
        let immutable = readOnly && !FileManager.default.fileExists(atPath: path + "-shm")
            && !FileManager.default.isWritableFile(atPath: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent)
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let name = immutable ? "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?immutable=1" : path
        let rc = sqlite3_open_v2(name, &db, flags | SQLITE_OPEN_NOMUTEX | (immutable ? SQLITE_OPEN_URI : 0), nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError(.cannotOpen, "cannot open database \(path)", underlying: message)
        }
        handle = db
        self.path = path
        // WAL lets readers run beside the single writer. With synchronous=NORMAL a commit is in the
        // WAL file when it returns, so it survives a crash of the process (kill -9); only a power loss
        // may lose the last transactions (https://www.sqlite.org/pragma.html#pragma_synchronous).
        try execute("PRAGMA busy_timeout = 10000")
        if !readOnly {
            // Both only take effect on a new, empty file, page size first. 16 KiB pages measured 7 %
            // faster log ingest and 15 % faster remote-write than 4 KiB ones; incremental auto-vacuum
            // lets compaction hand freed head_log pages back to the OS.
            // Set on an existing file, auto_vacuum writes its header: a store on a full disk would not open.
            if try scalar("PRAGMA page_count") == 0 {
                try execute("PRAGMA page_size = 16384")
                try execute("PRAGMA auto_vacuum = INCREMENTAL")
            }
            try execute("PRAGMA journal_mode = WAL")
            try execute("PRAGMA synchronous = NORMAL")
        }
        try execute("PRAGMA foreign_keys = ON")
        try execute("PRAGMA cache_size = -32768")
    }

    deinit { sqlite3_close_v2(handle) }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    func execute(_ sql: String) throws(StoreError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? "code \(rc)"
            sqlite3_free(err)
            throw error(rc, "SQL failed", message)
        }
    }

    func prepare(_ sql: String) throws(StoreError) -> Statement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, "cannot prepare statement", lastMessage) }
        return Statement(stmt, connection: self)
    }

    /// `sql` prepared once for the connection's life and reset for each use: for the statements of a
    /// write that runs once per batch (a log push prepared seven per batch, inside the one writer).
    /// Not for a statement that can be in use when it is asked for again (a query stepped in a loop).
    func cached(_ sql: String) throws(StoreError) -> Statement {
        if let statement = statements[sql] {
            sqlite3_reset(statement.stmt)
            return statement
        }
        let statement = try prepare(sql)
        statements[sql] = statement
        return statement
    }

    /// Runs `body` in one IMMEDIATE transaction: all of it commits, or none of it.
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            // A cached statement left on a row (an upsert's RETURNING) would hold the commit back.
            for statement in statements.values { sqlite3_reset(statement.stmt) }
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Reads a single integer, e.g. a PRAGMA's value.
    func scalar(_ sql: String) throws(StoreError) -> Int64 {
        let q = try prepare(sql)
        _ = try q.step()
        return q.int64(0)
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }

    func error(_ rc: Int32, _ detail: String, _ message: String) -> StoreError {
        switch rc & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED: return StoreError(.busy, "database is busy", underlying: message)
        case SQLITE_READONLY: return StoreError(.readOnly, "database is read-only", underlying: message)
        case SQLITE_FULL: return StoreError(.full, "the disk holding the store is full", underlying: message)
        case SQLITE_CORRUPT, SQLITE_NOTADB: return StoreError(.corrupt, "database file is damaged or not a database", underlying: message)
        default: return StoreError(.io, detail, underlying: message)
        }
    }
}

/// A prepared statement, bound by 1-based index and reused after `reset()`.
final class Statement: @unchecked Sendable {
    let stmt: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ stmt: OpaquePointer, connection: SQLiteConnection) {
        self.stmt = stmt
        self.connection = connection
    }

    deinit { sqlite3_finalize(stmt) }

    @discardableResult
    func bind(_ values: any SQLValue...) -> Statement {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        for (i, v) in values.enumerated() { v.bind(to: stmt, at: Int32(i + 1)) }
        return self
    }

    /// Steps once; true while a row is available.
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(stmt)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc, "statement failed", connection.lastMessage)
        }
    }

    /// Steps until done, for statements that return no rows.
    func run() throws(StoreError) {
        while try step() {}
        sqlite3_reset(stmt)
    }

    func int64(_ col: Int32) -> Int64 { sqlite3_column_int64(stmt, col) }
    func double(_ col: Int32) -> Double { sqlite3_column_double(stmt, col) }
    func isNull(_ col: Int32) -> Bool { sqlite3_column_type(stmt, col) == SQLITE_NULL }

    func text(_ col: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, col) else { return "" }
        return String(cString: p)
    }

    func blob(_ col: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, col))
        guard n > 0, let p = sqlite3_column_blob(stmt, col) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}

protocol SQLValue {
    func bind(to stmt: OpaquePointer, at index: Int32)
}

extension Int64: SQLValue {
    func bind(to stmt: OpaquePointer, at index: Int32) { sqlite3_bind_int64(stmt, index, self) }
}

extension Int: SQLValue {
    func bind(to stmt: OpaquePointer, at index: Int32) { sqlite3_bind_int64(stmt, index, Int64(self)) }
}

extension Double: SQLValue {
    func bind(to stmt: OpaquePointer, at index: Int32) { sqlite3_bind_double(stmt, index, self) }
}

extension String: SQLValue {
    func bind(to stmt: OpaquePointer, at index: Int32) { sqlite3_bind_text(stmt, index, self, -1, augur_sqlite_transient()) }
}

extension Optional: SQLValue where Wrapped: SQLValue {
    func bind(to stmt: OpaquePointer, at index: Int32) {
        if let v = self { v.bind(to: stmt, at: index) } else { sqlite3_bind_null(stmt, index) }
    }
}

extension Array: SQLValue where Element == UInt8 {
    func bind(to stmt: OpaquePointer, at index: Int32) {
        _ = withUnsafeBytes { sqlite3_bind_blob(stmt, index, $0.baseAddress, Int32($0.count), augur_sqlite_transient()) }
    }
}
