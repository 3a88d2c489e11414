import CSQLite
import Foundation

/// Copies the WAL back into the database file on a thread of its own, so that commits do not pay
/// for it: SQLite's automatic checkpoint runs inside the commit that crosses its threshold, and at
/// log-ingest rates that was a sixth of the writer's time. The writer's WAL hook asks for a
/// checkpoint once the WAL holds `soft` pages and runs one itself past `hard` pages, which bounds
/// the WAL when this thread cannot keep up (the WAL restarts only once it is wholly copied back).
final class Checkpointer: @unchecked Sendable {
    static let soft: Int32 = 1_000, hard: Int32 = 16_000
    private let conn: SQLiteConnection
    private let condition = NSCondition()
    // Under `condition`.
    private var wanted = false, stopping = false
    private let stopped = DispatchSemaphore(value: 0)

    init(path: String) throws(StoreError) {
        conn = try SQLiteConnection(path: path, readOnly: false)
        let thread = Thread { [self] in run() }
        thread.name = "augur-checkpoint"
        thread.start()
    }

    /// Makes `writer` hand its checkpoints to this thread. The hook must be removed (`detach`)
    /// before this object goes.
    func attach(to writer: SQLiteConnection) {
        sqlite3_wal_hook(writer.handle, { context, db, _, pages in
            if pages >= Checkpointer.hard {
                sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            } else if pages >= Checkpointer.soft, let context {
                Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().request()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    func detach(from writer: SQLiteConnection) {
        sqlite3_wal_hook(writer.handle, nil, nil)
    }

    func request() {
        condition.withLock { wanted = true; condition.signal() }
    }

    /// Ends the thread (after the checkpoint under way, if any).
    func stop() {
        condition.withLock { stopping = true; condition.signal() }
        stopped.wait()
    }

    private func run() {
        condition.lock()
        while true {
            while !wanted && !stopping { condition.wait() }
            if stopping { break }
            wanted = false
            condition.unlock()
            // PASSIVE: copies what no reader still needs, never waits for or blocks the writer.
            sqlite3_wal_checkpoint_v2(conn.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            condition.lock()
        }
        condition.unlock()
        stopped.signal()
    }
}
