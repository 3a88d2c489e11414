package import AugurCore
import Foundation
import Synchronization

/// Augur's embedded time-series store: one SQLite file in WAL mode.
///
/// Writes go to a write-ahead `head_log` (one row per request, committed before the caller is
/// answered) and to an in-memory head; `compact()` cuts the head into Gorilla-compressed chunks.
/// One writer connection; readers use their own connections, so queries never wait on ingest I/O.
package final class Store: Sendable {
    /// Samples per chunk cut from the head: large enough to amortise the row, small enough to decode fast.
    package static let chunkSamples = 240
    /// Head-log rows past which compaction folds the log even when no chunk is due.
    package static let headLogFoldRows = 64

    package let path: String
    package let readOnly: Bool
    private let writer: Mutex<Writer?>
    private let state: Mutex<HeadState>
    private let readers = Mutex<[SQLiteConnection]>([])
    private let epoch = Atomic<Int>(0)
    private let fullSince = Atomic<Int64>(0)
    /// Rows in `head_log`: each request adds one; compaction folds them into one.
    private let headLogRows = Atomic<Int>(0)
    private let readCount = Atomic<Int>(0)

    /// Whether a write failed because the disk is full, and no ingest has succeeded since (compaction
    /// may still fit in pages the store already has, so only an append clears it).
    package var diskFull: Bool { fullSince.load(ordering: .relaxed) != 0 }
    private let checkpointer: Checkpointer?
    /// Held while a writable store is open (see `WriterLock`).
    private let writerLock: WriterLock?

    /// Changes whenever series are deleted, so callers that cache series ids know to drop them.
    package var seriesEpoch: Int { epoch.load(ordering: .acquiring) }

    /// Opens (creating and migrating unless read-only) the store at `path` and replays its head.
    package init(path: String, readOnly: Bool = false) throws(StoreError) {
        self.path = path
        self.readOnly = readOnly
        if !readOnly {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            writerLock = try WriterLock(storePath: path)
            try Store.refuseForeign(path)
        } else if !FileManager.default.fileExists(atPath: path) {
            throw StoreError(.cannotOpen, "no store at \(path)")
        } else {
            writerLock = nil
        }
        let conn = try SQLiteConnection(path: path, readOnly: readOnly)
        if readOnly {
            guard try Migrations.appliedNames(conn).contains(Migrations.all[0].name) else {
                throw StoreError(.cannotOpen, "\(path) is not an Augur store (no migrations applied)")
            }
        } else {
            try Migrations.migrate(conn)
        }
        let (head, logRows) = try Store.load(conn)
        headLogRows.store(logRows, ordering: .relaxed)
        state = Mutex(head)
        writer = Mutex(readOnly ? nil : try Writer(conn, nextID: head.slots.count))
        checkpointer = readOnly ? nil : try Checkpointer(path: path)
        checkpointer?.attach(to: conn)
        if readOnly { readers.withLock { $0.append(conn) } }
    }

    deinit {
        guard let checkpointer else { return }
        writer.withLock { w in if let w { checkpointer.detach(from: w.conn) } }
        checkpointer.stop()
    }

    // MARK: Writing

    /// Appends one batch in one transaction: new series rows and the samples' log row commit together.
    /// Returns the ids given to `batch.newSeries`, in order.
    @discardableResult
    package func append(_ batch: AppendBatch) throws(StoreError) -> [Int64] {
        try withWriter { (w) throws(StoreError) -> [Int64] in
            var newIDs: [Int64] = []
            var created: [(Int64, Labels)] = []
            let stale = state.withLock { s in batch.refs.contains { $0 >= 0 && !s.has($0) } }
            if stale { throw StoreError(.busy, "a series was deleted by retention while the request was in flight; retry") }
            let ids: [Int64] = try w.conn.transaction { () throws(StoreError) -> [Int64] in
                let nowMs = WallClock.nowMs()
                for labels in batch.newSeries {
                    if let id = lookup(labels) {
                        newIDs.append(id)
                    } else {
                        let id = w.nextID
                        try w.insertSeries.bind(id, JSONText.object(labels), nowMs).run()
                        w.nextID += 1
                        newIDs.append(id)
                        created.append((id, labels))
                    }
                }
                let ids = batch.refs.map { $0 >= 0 ? $0 : newIDs[Int(-$0 - 1)] }
                if !ids.isEmpty {
                    try w.insertLog.bind(HeadLog.encode(ids: ids, timestamps: batch.timestamps, values: batch.values)).run()
                    headLogRows.add(1, ordering: .relaxed)
                }
                return ids
            }
            ingestSucceeded()
            state.withLock { s in
                for (id, labels) in created { s.add(id: id, labels: labels) }
                for i in 0..<ids.count { s.appendHead(ids[i], batch.timestamps[i], batch.values[i]) }
            }
            return newIDs
        }
    }

    /// An ingest committed: the disk has room again.
    func ingestSucceeded() { fullSince.store(0, ordering: .relaxed) }

    /// Series in the store.
    package var seriesCount: Int { state.withLock { $0.byLabels.count } }

    /// Rows in the write-ahead head log (each request adds one; compaction folds them).
    package var headLogRowCount: Int { headLogRows.load(ordering: .relaxed) }

    /// The id of an existing series.
    package func lookup(_ labels: Labels) -> Int64? {
        state.withLock { $0.byLabels[labels] }
    }

    /// Cuts head samples into compressed chunks. Without `force`, a series keeps its newest samples
    /// (fewer than a chunk) in the head unless it has been idle for an hour of store time.
    @discardableResult
    package func compact(force: Bool = false) throws(StoreError) -> CompactionReport {
        try withWriter { (w) throws(StoreError) -> CompactionReport in
            var report = CompactionReport()
            let plan = state.withLock { $0.compactionPlan(force: force) }
            // With nothing to flush the log is still folded once it has many rows: a store whose series
            // never fill a chunk (log counts only) would otherwise keep one row per request for ever.
            if plan.isEmpty && !force && headLogRows.load(ordering: .relaxed) <= Store.headLogFoldRows { return report }
            try w.conn.transaction { () throws(StoreError) in
                for item in plan {
                    var ts = item.flushTs, vs = item.flushVs
                    if let first = ts.first, first <= item.persistedMaxTs {
                        // Out-of-order samples: merge with the chunks they overlap (the head's writes win).
                        var oldTs: [Int64] = [], oldVs: [Double] = []
                        var rowIDs: [Int64] = []
                        let q = w.overlapping.bind(item.id, ts.last!, first)
                        while try q.step() {
                            rowIDs.append(q.int64(0))
                            try ChunkCodec.decode(q.blob(2), count: Int(q.int64(1)), into: &oldTs, &oldVs)
                        }
                        for r in rowIDs { try w.deleteChunk.bind(r).run() }
                        report.chunksRewritten += rowIDs.count
                        report.samplesRewritten += oldTs.count
                        (ts, vs) = SampleMerge.merge(old: (oldTs, oldVs), new: (ts, vs))
                    }
                    var start = 0
                    while start < ts.count {
                        let end = min(start + Store.chunkSamples, ts.count)
                        let blob = ts.withUnsafeBufferPointer { t in
                            vs.withUnsafeBufferPointer { v in
                                ChunkCodec.encode(UnsafeBufferPointer(rebasing: t[start..<end]), UnsafeBufferPointer(rebasing: v[start..<end]))
                            }
                        }
                        try w.insertChunk.bind(item.id, ts[start], ts[end - 1], end - start, blob).run()
                        report.chunksWritten += 1
                        report.bytesWritten += blob.count
                        start = end
                    }
                    report.samplesFlushed += item.flushTs.count
                }
                // Every log row so far is now either in chunks or in the checkpoint written next.
                try w.conn.execute("DELETE FROM head_log")
                let keep = state.withLock { $0.remainderAfter(plan) }
                if !keep.ids.isEmpty {
                    try w.insertLog.bind(HeadLog.encode(ids: keep.ids, timestamps: keep.ts, values: keep.vs)).run()
                }
                headLogRows.store(keep.ids.isEmpty ? 0 : 1, ordering: .relaxed)
            }
            state.withLock { $0.applyCompaction(plan) }
            // Give back the pages the emptied head_log freed once they are a quarter of the file.
            let free = try w.conn.scalar("PRAGMA freelist_count"), total = try w.conn.scalar("PRAGMA page_count")
            if free > 256 && free * 4 > total { try w.conn.execute("PRAGMA incremental_vacuum") }
            return report
        }
    }

    /// Deletes chunks whose newest sample is older than `nowMs - retentionMs`, and series left empty.
    /// Counted from the clock, not the newest sample: one sample from a client with a bad clock
    /// (dated 2100) would otherwise age out everything else.
    @discardableResult
    package func applyRetention(retentionMs: Int64, nowMs: Int64 = WallClock.nowMs()) throws(StoreError) -> Int {
        guard retentionMs > 0 else { return 0 }
        return try withWriter { (w) throws(StoreError) -> Int in
            let (cutoff, overflow) = nowMs.subtractingReportingOverflow(retentionMs)
            guard !overflow else { return 0 }
            var deleted = 0
            var survivors: [Int64: (Int64, Int64)] = [:]
            try w.conn.transaction { () throws(StoreError) in
                let del = try w.conn.prepare("DELETE FROM chunks WHERE max_ts < ?")
                try del.bind(cutoff).run()
                deleted = w.conn.changes
                guard deleted > 0 else { return }
                let q = try w.conn.prepare("SELECT series_id, MIN(min_ts), SUM(count) FROM chunks GROUP BY series_id")
                while try q.step() { survivors[q.int64(0)] = (q.int64(1), q.int64(2)) }
                let headIDs = state.withLock { $0.idsWithHead() }
                let drop = state.withLock { $0.allIDs() }.filter { survivors[$0] == nil && !headIDs.contains($0) }
                let delSeries = try w.conn.prepare("DELETE FROM series WHERE id = ?")
                for id in drop { try delSeries.bind(id).run() }
                if !drop.isEmpty { epoch.add(1, ordering: .releasing) }
            }
            if deleted > 0 { state.withLock { $0.applyRetention(survivors) } }
            return deleted
        }
    }

    // MARK: Reading

    /// Label sets of the series matching any of the selectors (Prometheus' union) that have samples in `[startMs, endMs]`.
    package func series(matching selectors: [Selector], startMs: Int64 = .min, endMs: Int64 = .max) -> [Labels] {
        let candidates = state.withLock { $0.candidates(selectors, startMs, endMs) }
        return candidates.compactMap { c in selectors.contains { $0.matches(c.entry.labels) } ? c.entry.labels : nil }.sorted()
    }

    /// `select` within a query's budget: refused past its series or sample limit, stopped past its time.
    package func select(_ selector: Selector, startMs: Int64, endMs: Int64, budget: QueryBudget) throws -> [Series] {
        var refusal: QueryError?
        let out = try select(selector, startMs: startMs, endMs: endMs) { series, samples in
            do throws(QueryError) {
                if series > 0 { try budget.take(series: series) }
                try budget.take(samples: samples)
                return true
            } catch {
                refusal = error
                return false
            }
        }
        if let refusal { throw refusal }
        return out
    }

    /// The samples of every series matching `selector` within `[startMs, endMs]`, merged from chunks and head.
    /// `keepGoing(series, samples)` hears of the series matched (once, samples 0) and of each series'
    /// samples; when it says no, the read stops.
    package func select(_ selector: Selector, startMs: Int64, endMs: Int64, keepGoing: (Int, Int) -> Bool = { _, _ in true }) throws(StoreError) -> [Series] {
        // Copy-on-write makes the copy cheap; matching and filtering happen outside the lock.
        let wanted: [(Int64, Labels, HeadSamples)] = state.withLock { $0.candidates([selector], startMs, endMs) }
            .compactMap { c in selector.matches(c.entry.labels) ? (c.id, c.entry.labels, c.entry.head) : nil }
        guard !wanted.isEmpty else { return [] }
        guard keepGoing(wanted.count, 0) else { return [] }
        return try withReader { (conn) throws(StoreError) -> [Series] in
            let q = try conn.prepare(
                """
                SELECT min_ts, count, data FROM chunks WHERE series_id = ?1 AND min_ts <= ?3 AND min_ts >= COALESCE(
                  (SELECT min_ts FROM chunks WHERE series_id = ?1 AND min_ts <= ?2 ORDER BY min_ts DESC LIMIT 1), ?2)
                ORDER BY min_ts
                """)
            var out: [Series] = []
            for (id, labels, head) in wanted {
                var ts: [Int64] = [], vs: [Double] = []
                q.bind(id, startMs, endMs)
                while try q.step() { try ChunkCodec.decode(q.blob(2), count: Int(q.int64(1)), into: &ts, &vs) }
                if !head.ts.isEmpty { (ts, vs) = SampleMerge.merge(old: (ts, vs), new: head.sortedDeduplicated()) }
                var samples: [Sample] = []
                samples.reserveCapacity(ts.count)
                for i in 0..<ts.count where ts[i] >= startMs && ts[i] <= endMs { samples.append(Sample(ts[i], vs[i])) }
                guard keepGoing(0, samples.count) else { return [] }
                if !samples.isEmpty { out.append(Series(labels: labels, samples: samples)) }
            }
            return out.sorted { $0.labels < $1.labels }
        }
    }

    /// Counts and sizes, for `/metrics` and the benchmark.
    package func stats() -> StoreStats {
        var st = state.withLock { s in
            StoreStats(series: s.byLabels.count, headSamples: s.headSamples, chunkSamples: s.chunkSamples, newestTs: s.newestTs == .min ? nil : s.newestTs)
        }
        let fm = FileManager.default
        for suffix in ["", "-wal"] {
            if let size = (try? fm.attributesOfItem(atPath: path + suffix))?[.size] as? NSNumber { st.fileBytes += size.intValue }
        }
        return st
    }

    /// Where the file's bytes go: chunk payloads, the whole file, and free pages.
    package func diskUsage() throws(StoreError) -> DiskUsage {
        try withReader { (conn) throws(StoreError) -> DiskUsage in
            let page = try conn.scalar("PRAGMA page_size")
            return DiskUsage(chunkPayloadBytes: Int(try conn.scalar("SELECT COALESCE(SUM(length(data)), 0) FROM chunks")),
                             fileBytes: Int(try conn.scalar("PRAGMA page_count") * page),
                             freeBytes: Int(try conn.scalar("PRAGMA freelist_count") * page))
        }
    }

    /// Moves the WAL's pages into the main file and truncates it (to measure the file's size).
    package func checkpoint() throws(StoreError) {
        try withWriter { (w) throws(StoreError) in try w.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    // MARK: Connections

    func withWriter<T>(_ body: (Writer) throws(StoreError) -> T) throws(StoreError) -> T {
        let result: Result<T, StoreError> = writer.withLock { w in
            guard let w else { return .failure(StoreError(.readOnly, "store \(path) is open read-only")) }
            do throws(StoreError) {
                return .success(try body(w))
            } catch {
                if error.code == .full { fullSince.store(WallClock.nowMs(), ordering: .relaxed) }
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// How many reads the store has served (a connection lent to a query): tests count them.
    package var reads: Int { readCount.load(ordering: .relaxed) }

    func withReader<T>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        readCount.add(1, ordering: .relaxed)
        let pooled = readers.withLock { $0.popLast() }
        let conn: SQLiteConnection
        if let pooled { conn = pooled } else { conn = try SQLiteConnection(path: path, readOnly: true) }
        defer { readers.withLock { if $0.count < 8 { $0.append(conn) } } }
        return try body(conn)
    }

    // MARK: Loading

    private static func load(_ conn: SQLiteConnection) throws(StoreError) -> (HeadState, Int) {
        var s = HeadState()
        let q = try conn.prepare("SELECT id, labels FROM series")
        while try q.step() {
            guard let labels = labelsFromJSON(q.text(1)) else { throw StoreError(.corrupt, "series \(q.int64(0)) has unreadable labels") }
            s.add(id: q.int64(0), labels: labels)
        }
        let c = try conn.prepare("SELECT series_id, MIN(min_ts), MAX(max_ts), SUM(count) FROM chunks GROUP BY series_id")
        while try c.step() { s.addPersisted(id: c.int64(0), min: c.int64(1), max: c.int64(2), count: Int(c.int64(3))) }
        let h = try conn.prepare("SELECT data FROM head_log ORDER BY id")
        var rows = 0
        while try h.step() {
            rows += 1
            var unknown: Int64?
            try HeadLog.decode(h.blob(0)) { id, t, v in
                // Samples outside the accepted range came from builds that did not check them: skipped,
                // so that one of them cannot crash every start (compaction's arithmetic near Int64.min).
                guard TimeParsing.inRange(t) else { return }
                if s.has(id) { s.appendHead(id, t, v) } else { unknown = id }
            }
            if let unknown { throw StoreError(.corrupt, "head_log names series \(unknown), which does not exist") }
        }
        return (s, rows)
    }

    /// Refuses, without changing it, a non-empty SQLite file that is not an Augur store: opening it
    /// for writing would switch it to WAL and add Augur's tables to another application's database.
    static func refuseForeign(_ path: String) throws(StoreError) {
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber
        guard let size, size.intValue > 0 else { return }
        let conn = try SQLiteConnection(path: path, readOnly: true)
        if try conn.scalar("PRAGMA application_id") == Migrations.applicationID { return }
        if try Migrations.appliedNames(conn).contains(Migrations.all[0].name) { return }
        guard try conn.scalar("SELECT count(*) FROM sqlite_master") == 0 else {
            throw StoreError(.cannotOpen, "\(path) is an SQLite database of another application, not an Augur store; Augur leaves it unchanged (choose another --db)")
        }
    }

    static func labelsFromJSON(_ text: String) -> Labels? {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String] else { return nil }
        return Labels(obj.map { ($0.key, $0.value) })
    }
}

/// One request's samples. `refs[i]` is an existing series id (≥ 0) or `-(k+1)` for `newSeries[k]`.
package struct AppendBatch: Sendable {
    package var newSeries: [Labels] = []
    package var refs: [Int64] = []
    package var timestamps: [Int64] = []
    package var values: [Double] = []

    package init() {}

    package var count: Int { refs.count }

    package mutating func add(_ ref: Int64, _ ts: Int64, _ value: Double) {
        refs.append(ref)
        timestamps.append(ts)
        values.append(value)
    }

    /// The ref for a label set, adding it to `newSeries` once per batch unless the store knows it.
    package mutating func ref(for labels: Labels, in store: Store, cache: inout [Labels: Int64]) -> Int64 {
        if let r = cache[labels] { return r }
        let r = store.lookup(labels) ?? {
            newSeries.append(labels)
            return -Int64(newSeries.count)
        }()
        cache[labels] = r
        return r
    }
}

package struct CompactionReport: Sendable {
    package var samplesFlushed = 0
    package var chunksWritten = 0
    package var bytesWritten = 0
    package var chunksRewritten = 0
    package var samplesRewritten = 0
}

package struct StoreStats: Sendable {
    package var series: Int
    package var headSamples: Int
    package var chunkSamples: Int
    package var newestTs: Int64?
    /// Main file plus WAL, in bytes.
    package var fileBytes = 0

    package var samples: Int { headSamples + chunkSamples }
}

package struct DiskUsage: Sendable {
    package var chunkPayloadBytes: Int
    package var fileBytes: Int
    package var freeBytes: Int
}

/// The writer connection and its prepared statements.
/// `@unchecked Sendable`: only ever used inside `Store.writer`'s lock.
final class Writer: @unchecked Sendable {
    let conn: SQLiteConnection
    let insertSeries: Statement
    let insertLog: Statement
    let insertChunk: Statement
    let deleteChunk: Statement
    let overlapping: Statement
    var nextID: Int64

    init(_ conn: SQLiteConnection, nextID: Int) throws(StoreError) {
        self.conn = conn
        let maxID = try conn.prepare("SELECT COALESCE(MAX(id), 0) FROM series")
        _ = try maxID.step()
        self.nextID = max(Int64(nextID), maxID.int64(0) + 1)
        insertSeries = try conn.prepare("INSERT INTO series(id, labels, created_ms) VALUES (?, ?, ?)")
        insertLog = try conn.prepare("INSERT INTO head_log(data) VALUES (?)")
        insertChunk = try conn.prepare("INSERT INTO chunks(series_id, min_ts, max_ts, count, data) VALUES (?, ?, ?, ?, ?)")
        deleteChunk = try conn.prepare("DELETE FROM chunks WHERE id = ?")
        overlapping = try conn.prepare("SELECT id, count, data FROM chunks WHERE series_id = ?1 AND min_ts <= ?2 AND max_ts >= ?3 ORDER BY min_ts")
    }
}

