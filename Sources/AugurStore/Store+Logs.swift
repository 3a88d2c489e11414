package import AugurCore
import Foundation

extension Store {
    /// Writes mined lines, the templates they changed and per-minute counts in one transaction.
    /// Returns each counted series' new total for each minute (to store as samples).
    ///
    /// `knownTemplates`: the highest template id the writer's miner knew before this batch. A higher
    /// one in the store means another process mines into this file too; its ids would collide with
    /// ours, so the write is refused rather than letting one template overwrite another.
    package func writeLogs(_ lines: [MinedLogLine], templates: [LogTemplateRow], counts: [Labels: [Int64: Int]], knownTemplates: Int64) throws(StoreError) -> [(Labels, Int64, Int)] {
        let written = try writeLogsOnce(lines, templates: templates, counts: counts, knownTemplates: knownTemplates)
        if !lines.isEmpty { ingestSucceeded() }
        return written
    }

    private func writeLogsOnce(_ lines: [MinedLogLine], templates: [LogTemplateRow], counts: [Labels: [Int64: Int]], knownTemplates: Int64) throws(StoreError) -> [(Labels, Int64, Int)] {
        try withWriter { (w) throws(StoreError) -> [(Labels, Int64, Int)] in
            try w.conn.transaction { () throws(StoreError) -> [(Labels, Int64, Int)] in
                let stored = try w.conn.scalar("SELECT coalesce(max(id), 0) FROM log_templates")
                guard stored <= knownTemplates else {
                    throw StoreError(.busy, "another process is mining logs into \(path) (template \(stored) is not this one's): ingest logs through one process, e.g. the server's API")
                }
                var streams: [Labels: Int64] = [:]
                let addStream = try w.conn.cached("INSERT OR IGNORE INTO log_streams(labels, service) VALUES (?, ?)")
                let findStream = try w.conn.cached("SELECT id FROM log_streams WHERE labels = ?")
                var streamOf: [Int64] = []
                streamOf.reserveCapacity(lines.count)
                for (k, l) in lines.enumerated() {
                    // A push's lines come stream by stream: the previous line's stream is the likely one.
                    if k > 0, l.record.labels == lines[k - 1].record.labels { streamOf.append(streamOf[k - 1]); continue }
                    if let s = streams[l.record.labels] { streamOf.append(s); continue }
                    let json = JSONText.object(l.record.labels)
                    try addStream.bind(json, l.service).run()
                    guard try findStream.bind(json).step() else { throw StoreError(.corrupt, "log stream vanished") }
                    streams[l.record.labels] = findStream.int64(0)
                    streamOf.append(findStream.int64(0))
                }
                // Each stream's lines get consecutive ids, so they form the full-text index's blocks.
                let order = lines.indices.sorted { (streamOf[$0], $0) < (streamOf[$1], $1) }
                let insertLine = try w.conn.cached(
                    "INSERT INTO log_lines(ts_ns, stream_id, template_id, level, trace_id, span_id, attributes, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                var block = try SearchBlock(conn: w.conn)
                for i in order {
                    let r = lines[i].record
                    let attributes = r.attributes.isEmpty ? nil : JSONText.object(Labels(r.attributes.map { ($0.key, $0.value) }))
                    try insertLine.bind(r.timestampNs, streamOf[i], lines[i].templateId, lines[i].level, r.traceId, r.spanId, attributes, r.line).run()
                    try block.add(id: w.conn.lastInsertRowID, stream: streamOf[i], timestampNs: r.timestampNs, line: r.line)
                }
                try block.flush()
                let upsert = try w.conn.cached("""
                    INSERT INTO log_templates(id, text, route, pinned, merged_into, count, first_seen_ns, last_seen_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET text = excluded.text, route = excluded.route, pinned = excluded.pinned,
                        merged_into = excluded.merged_into, count = excluded.count,
                        first_seen_ns = min(coalesce(first_seen_ns, excluded.first_seen_ns), coalesce(excluded.first_seen_ns, first_seen_ns)),
                        last_seen_ns = max(coalesce(last_seen_ns, excluded.last_seen_ns), coalesce(excluded.last_seen_ns, last_seen_ns))
                    """)
                for t in templates {
                    try upsert.bind(t.id, t.text, t.route, t.pinned ? 1 : 0, t.mergedInto, t.count, t.firstSeenNs, t.lastSeenNs).run()
                }
                let count = try w.conn.cached("""
                    INSERT INTO log_counts(series, minute_ms, count) VALUES (?, ?, ?)
                    ON CONFLICT(series, minute_ms) DO UPDATE SET count = count + excluded.count RETURNING count
                    """)
                var totals: [(Labels, Int64, Int)] = []
                for (series, minutes) in counts {
                    let key = JSONText.object(series)
                    for (minute, n) in minutes.sorted(by: { $0.key < $1.key }) {
                        guard try count.bind(key, minute, n).step() else { throw StoreError(.corrupt, "log count upsert returned nothing") }
                        totals.append((series, minute, Int(count.int64(0))))
                    }
                }
                return totals
            }
        }
    }

    /// Builds the full-text index's blocks as lines are inserted: up to `maxLines` consecutive lines of
    /// one stream, or `maxBytes` of text, indexed as one document.
    private struct SearchBlock {
        static let maxLines = 64, maxBytes = 16_384
        let insertBlock: Statement, index: Statement
        var first: Int64 = 0, last: Int64 = 0, stream: Int64 = 0, minTs: Int64 = 0, maxTs: Int64 = 0
        var text = "", count = 0

        init(conn: SQLiteConnection) throws(StoreError) {
            insertBlock = try conn.cached("INSERT INTO log_search_blocks(id, last_line, stream_id, min_ts_ns, max_ts_ns) VALUES (?, ?, ?, ?, ?)")
            index = try conn.cached("INSERT INTO log_search(rowid, line) VALUES (?, ?)")
        }

        mutating func add(id: Int64, stream: Int64, timestampNs: Int64, line: String) throws(StoreError) {
            if count > 0, stream != self.stream || id != last + 1 || count == Self.maxLines || text.utf8.count + line.utf8.count > Self.maxBytes { try flush() }
            if count == 0 { first = id; self.stream = stream; minTs = timestampNs; maxTs = timestampNs } else { text.append("\n") }
            last = id
            minTs = min(minTs, timestampNs)
            maxTs = max(maxTs, timestampNs)
            text.append(line)
            count += 1
        }

        mutating func flush() throws(StoreError) {
            guard count > 0 else { return }
            try insertBlock.bind(first, last, stream, minTs, maxTs).run()
            try index.bind(first, text).run()
            text.removeAll(keepingCapacity: true)
            count = 0
        }
    }

    /// Every template, live and merged, by id.
    package func logTemplates() throws(StoreError) -> [LogTemplateRow] {
        try withReader { (conn) throws(StoreError) -> [LogTemplateRow] in
            let q = try conn.prepare("SELECT id, text, route, pinned, merged_into, count, first_seen_ns, last_seen_ns FROM log_templates ORDER BY id")
            var out: [LogTemplateRow] = []
            while try q.step() {
                out.append(LogTemplateRow(id: q.int64(0), text: q.text(1), route: q.text(2), pinned: q.int64(3) != 0, mergedInto: q.isNull(4) ? nil : q.int64(4),
                                          count: Int(q.int64(5)), firstSeenNs: q.isNull(6) ? nil : q.int64(6), lastSeenNs: q.isNull(7) ? nil : q.int64(7)))
            }
            return out
        }
    }

    /// The newest `limit` lines in [startNs, endNs] that carry a trace id: the trace, the time and the
    /// stream, oldest first.
    package func tracedLines(startNs: Int64, endNs: Int64, limit: Int) throws(StoreError) -> [(traceId: String, timestampNs: Int64, streamId: Int64)] {
        try withReader { (conn) throws(StoreError) -> [(traceId: String, timestampNs: Int64, streamId: Int64)] in
            let q = try conn.prepare("SELECT l.trace_id, l.ts_ns, l.stream_id FROM \(Self.linesInWindow) AND l.trace_id IS NOT NULL ORDER BY l.ts_ns DESC LIMIT ?")
                .bind(startNs, endNs, startNs, endNs, limit)
            var out: [(traceId: String, timestampNs: Int64, streamId: Int64)] = []
            while try q.step() { out.append((q.text(0), q.int64(1), q.int64(2))) }
            return out.reversed()
        }
    }

    /// The newest `limit` error and fatal lines in [startNs, endNs], oldest first: time, stream, trace
    /// id (when the line carries one), template and text.
    package func errorLines(startNs: Int64, endNs: Int64, limit: Int) throws(StoreError) -> [ErrorLogLine] {
        try withReader { (conn) throws(StoreError) -> [ErrorLogLine] in
            let q = try conn.prepare("""
                SELECT l.ts_ns, l.stream_id, l.trace_id, l.template_id, l.line FROM \(Self.linesInWindow)
                AND l.level IN ('error', 'fatal') ORDER BY l.ts_ns DESC LIMIT ?
                """).bind(startNs, endNs, startNs, endNs, limit)
            var out: [ErrorLogLine] = []
            while try q.step() {
                out.append(ErrorLogLine(timestampNs: q.int64(0), streamId: q.int64(1), traceId: q.isNull(2) ? nil : q.text(2), templateId: q.int64(3), line: q.text(4)))
            }
            return out.reversed()
        }
    }

    /// Stream ids whose labels the selectors match (nil selectors: every stream).
    package func logStreams(matching selectors: [Selector]?) throws(StoreError) -> [Int64: Labels] {
        try withReader { (conn) throws(StoreError) -> [Int64: Labels] in
            let q = try conn.prepare("SELECT id, labels FROM log_streams")
            var out: [Int64: Labels] = [:]
            while try q.step() {
                guard let labels = Store.labelsFromJSON(q.text(1)) else { continue }
                if let selectors, !selectors.contains(where: { $0.matches(labels) }) { continue }
                out[q.int64(0)] = labels
            }
            return out
        }
    }

    /// Lines in [startNs, endNs] of `streams`, newest first; `search` is an FTS5 query over the text.
    ///
    /// Blocks that overlap the window are read newest first. With a search, only the blocks the
    /// index returns for the relaxed query (`BlockQuery`, a superset) are read, and their lines are
    /// checked against the query itself in a temporary FTS5 table: the answer is exactly FTS5's.
    package func searchLogs(streams: [Int64: Labels], search: String?, startNs: Int64, endNs: Int64, limit: Int) throws(StoreError) -> [StoredLogLine] {
        guard !streams.isEmpty, limit > 0 else { return [] }
        return try withReader { (conn) throws(StoreError) -> [StoredLogLine] in
            let window = "b.stream_id IN (\(streams.keys.sorted().map(String.init).joined(separator: ","))) AND b.max_ts_ns >= ? AND b.min_ts_ns <= ? ORDER BY b.max_ts_ns DESC"
            func blocks(_ q: Statement) throws(StoreError) -> [(first: Int64, last: Int64, maxTs: Int64)] {
                var out: [(first: Int64, last: Int64, maxTs: Int64)] = []
                while try q.step() { out.append((q.int64(0), q.int64(1), q.int64(2))) }
                return out
            }
            var candidates: [(first: Int64, last: Int64, maxTs: Int64)]?
            if let relaxed = search.flatMap(BlockQuery.relaxed) {
                // A query FTS5 refuses at block level (a tokenizer corner) falls back to every block.
                candidates = try? blocks(try conn.prepare(
                    "SELECT b.id, b.last_line, b.max_ts_ns FROM log_search s JOIN log_search_blocks b ON b.id = s.rowid WHERE log_search MATCH ? AND \(window)")
                    .bind(relaxed, startNs, endNs))
            }
            if candidates == nil {
                candidates = try blocks(try conn.prepare("SELECT b.id, b.last_line, b.max_ts_ns FROM log_search_blocks b WHERE \(window)").bind(startNs, endNs))
            }
            guard let queue = candidates, !queue.isEmpty else { return [] }

            let lines = try conn.prepare("""
                SELECT l.id, l.ts_ns, l.stream_id, l.template_id, l.level, l.trace_id, l.span_id, l.line FROM log_lines l WHERE l.id BETWEEN ? AND ? AND l.ts_ns BETWEEN ? AND ?
                """)
            let recheck = try search.map { (search) throws(StoreError) in
                try Recheck(conn: conn, query: search)
            }
            defer { recheck?.clear() }
            var found: [StoredLogLine] = []
            var next = 0
            while next < queue.count {
                // Done once `limit` lines are found that are newer than every block left.
                if found.count >= limit, found[limit - 1].timestampNs > queue[next].maxTs { break }
                var batch: [StoredLogLine] = []
                for b in queue[next..<min(next + 32, queue.count)] {
                    lines.bind(b.first, b.last, startNs, endNs)
                    while try lines.step() {
                        batch.append(StoredLogLine(id: lines.int64(0), timestampNs: lines.int64(1), labels: streams[lines.int64(2)] ?? Labels([]),
                                                   templateId: lines.int64(3), level: lines.text(4), traceId: lines.isNull(5) ? nil : lines.text(5),
                                                   spanId: lines.isNull(6) ? nil : lines.text(6), line: lines.text(7)))
                    }
                }
                next += 32
                found += try recheck?.matching(batch) ?? batch
                found.sort { ($0.timestampNs, $0.id) > ($1.timestampNs, $1.id) }
                if found.count > limit { found.removeLast(found.count - limit) }
            }
            return found
        }
    }

    /// A temporary FTS5 table (with positions) on a reader's connection, where candidate lines are
    /// matched against the user's query exactly.
    private struct Recheck {
        let conn: SQLiteConnection
        let fill: Statement, check: Statement, query: String

        init(conn: SQLiteConnection, query: String) throws(StoreError) {
            try conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.log_recheck USING fts5(line)")
            self.conn = conn
            self.query = query
            fill = try conn.prepare("INSERT INTO temp.log_recheck(rowid, line) VALUES (?, ?)")
            check = try conn.prepare("SELECT rowid FROM temp.log_recheck WHERE log_recheck MATCH ?")
        }

        func matching(_ lines: [StoredLogLine]) throws(StoreError) -> [StoredLogLine] {
            clear()
            for (i, line) in lines.enumerated() { try fill.bind(i, line.line).run() }
            check.bind(query)
            var out: [StoredLogLine] = []
            while try check.step() { out.append(lines[Int(check.int64(0))]) }
            return out
        }

        func clear() { try? conn.execute("DELETE FROM temp.log_recheck") }
    }

    /// Why `search` is not a valid FTS5 query (nil when it is): a syntax error is the caller's fault,
    /// not the store's.
    package func logSearchProblem(_ search: String) -> String? {
        do {
            try withReader { (conn) throws(StoreError) in
                try conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.log_recheck USING fts5(line)")
                _ = try conn.prepare("SELECT rowid FROM temp.log_recheck WHERE log_recheck MATCH ? LIMIT 1").bind(search).step()
            }
            return nil
        } catch {
            return error.underlying ?? error.description
        }
    }

    /// Lines per (template, stream) in [startNs, endNs).
    package func logTemplateCounts(streams: [Int64: Labels], startNs: Int64, endNs: Int64) throws(StoreError) -> [(templateId: Int64, stream: Int64, count: Int)] {
        guard !streams.isEmpty else { return [] }
        return try withReader { (conn) throws(StoreError) -> [(templateId: Int64, stream: Int64, count: Int)] in
            let ids = streams.keys.sorted().map(String.init).joined(separator: ",")
            let q = try conn.prepare("""
                SELECT l.template_id, l.stream_id, count(*) FROM \(Self.linesInWindow) AND b.stream_id IN (\(ids)) GROUP BY l.template_id, l.stream_id
                """).bind(startNs, endNs - 1, startNs, endNs - 1)
            var out: [(Int64, Int64, Int)] = []
            while try q.step() { out.append((q.int64(0), q.int64(1), Int(q.int64(2)))) }
            return out
        }
    }

    /// One example line per template in the window (the newest), for explanations.
    package func logExamples(templates: [Int64], startNs: Int64, endNs: Int64) throws(StoreError) -> [Int64: String] {
        guard !templates.isEmpty else { return [:] }
        return try withReader { (conn) throws(StoreError) -> [Int64: String] in
            let q = try conn.prepare("""
                SELECT template_id, line FROM log_lines WHERE id IN (SELECT max(l.id) FROM \(Self.linesInWindow)
                AND l.template_id IN (\(templates.map(String.init).joined(separator: ","))) GROUP BY l.template_id)
                """).bind(startNs, endNs - 1, startNs, endNs - 1)
            var out: [Int64: String] = [:]
            while try q.step() { out[q.int64(0)] = q.text(1) }
            return out
        }
    }

    /// Lines `l` in [start, end] (binds: start, end, start, end), found through the blocks `b` that
    /// overlap the window: lines carry no time index of their own, the blocks' is 64 times smaller.
    static let linesInWindow = """
        log_search_blocks b JOIN log_lines l ON l.id BETWEEN b.id AND b.last_line
        WHERE b.max_ts_ns >= ? AND b.min_ts_ns <= ? AND l.ts_ns BETWEEN ? AND ?
        """

    /// Lines stored and the bytes their tables and indexes take (SQLite's dbstat), for the benchmark.
    package func logStorage() throws(StoreError) -> (lines: Int, bytes: Int) {
        try withReader { (conn) throws(StoreError) -> (lines: Int, bytes: Int) in
            let lines = Int(try conn.scalar("SELECT count(*) FROM log_lines"))
            let bytes = Int(try conn.scalar("""
                SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ('log_lines', 'log_lines_trace', 'log_streams')
                OR name LIKE 'log_search%'
                """))
            return (lines, bytes)
        }
    }
}
