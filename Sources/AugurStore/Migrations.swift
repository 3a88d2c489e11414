import AugurCore

/// Named schema migrations, only ever appended; each runs once, in its own transaction.
enum Migrations {
    static let all: [(name: String, sql: String)] = [
        (
            "001_series_chunks_head",
            """
            -- A series is a metric name plus its label set; labels are a JSON object with sorted keys.
            CREATE TABLE series (
                id INTEGER PRIMARY KEY,
                labels TEXT NOT NULL UNIQUE,
                created_ms INTEGER NOT NULL
            );
            -- Compressed, non-overlapping runs of one series' samples (Gorilla delta-of-delta + XOR).
            -- A rowid table written in append order keeps its pages full; the index finds a series' range.
            CREATE TABLE chunks (
                id INTEGER PRIMARY KEY,
                series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
                min_ts INTEGER NOT NULL,
                max_ts INTEGER NOT NULL,
                count INTEGER NOT NULL,
                data BLOB NOT NULL
            );
            CREATE INDEX chunks_by_series ON chunks(series_id, min_ts);
            -- Samples not yet cut into chunks, one row per ingest request: the store's write-ahead log.
            -- Replayed into memory at open; emptied, but for a checkpoint of what stays, at each compaction.
            CREATE TABLE head_log (
                id INTEGER PRIMARY KEY,
                data BLOB NOT NULL
            );
            """
        ),
        (
            "002_graph_edges",
            """
            -- Service call graph edges and where each came from (config, dependency.csv, traces, ...).
            CREATE TABLE graph_edges (
                source TEXT NOT NULL,
                target TEXT NOT NULL,
                weight REAL NOT NULL DEFAULT 1,
                origin TEXT NOT NULL,
                updated_ms INTEGER NOT NULL,
                PRIMARY KEY (source, target, origin)
            ) WITHOUT ROWID;
            """
        ),
        (
            "003_models",
            """
            -- The registry of trained models: the newest per series, with its file under models/.
            CREATE TABLE models (
                series_id INTEGER PRIMARY KEY REFERENCES series(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                path TEXT NOT NULL,
                period INTEGER NOT NULL,
                step_ms INTEGER NOT NULL,
                trained_from_ms INTEGER NOT NULL,
                trained_to_ms INTEGER NOT NULL,
                backtest TEXT NOT NULL,
                trusted INTEGER NOT NULL,
                created_ms INTEGER NOT NULL
            );
            """
        ),
        (
            "004_calendar_events",
            """
            -- Calendar events declared through the API (those in the config are not stored).
            CREATE TABLE calendar_events (
                name TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                start_ms INTEGER,
                end_ms INTEGER,
                schedule TEXT,
                duration_ms INTEGER,
                created_ms INTEGER NOT NULL
            );
            """
        ),
        (
            "005_logs",
            """
            -- Log streams (label sets), lines, their templates and per-minute template counts.
            CREATE TABLE log_streams (
                id INTEGER PRIMARY KEY,
                labels TEXT NOT NULL UNIQUE,
                service TEXT NOT NULL
            );
            -- Templates keep their id for life; a template merged into another names it.
            CREATE TABLE log_templates (
                id INTEGER PRIMARY KEY,
                text TEXT NOT NULL,
                route TEXT NOT NULL,
                pinned INTEGER NOT NULL DEFAULT 0,
                merged_into INTEGER,
                count INTEGER NOT NULL DEFAULT 0,
                first_seen_ns INTEGER,
                last_seen_ns INTEGER
            );
            CREATE TABLE log_lines (
                id INTEGER PRIMARY KEY,
                ts_ns INTEGER NOT NULL,
                stream_id INTEGER NOT NULL REFERENCES log_streams(id),
                template_id INTEGER NOT NULL,
                level TEXT NOT NULL,
                trace_id TEXT,
                span_id TEXT,
                attributes TEXT,
                line TEXT NOT NULL
            );
            CREATE INDEX log_lines_time ON log_lines(ts_ns);
            CREATE INDEX log_lines_trace ON log_lines(trace_id) WHERE trace_id IS NOT NULL;
            -- Full-text index over the lines (external content: the text is stored once).
            CREATE VIRTUAL TABLE log_search USING fts5(line, content='log_lines', content_rowid='id');
            -- Lines per series and minute, so that batches arriving out of order add up.
            CREATE TABLE log_counts (
                series TEXT NOT NULL,
                minute_ms INTEGER NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (series, minute_ms)
            ) WITHOUT ROWID;
            """
        ),
        (
            "006_scale_decisions",
            """
            -- Every replica recommendation with its inputs (JSON), per workload and decision time.
            CREATE TABLE scale_decisions (
                namespace TEXT NOT NULL,
                workload TEXT NOT NULL,
                time_ms INTEGER NOT NULL,
                replicas INTEGER NOT NULL,
                signal TEXT NOT NULL,
                detail TEXT NOT NULL,
                PRIMARY KEY (namespace, workload, time_ms)
            ) WITHOUT ROWID;
            """
        ),
        (
            "007_incidents",
            """
            -- Incidents, the alerts that opened or joined them, their timeline and every RCA run.
            CREATE TABLE incidents (
                id INTEGER PRIMARY KEY,
                title TEXT NOT NULL,
                service TEXT NOT NULL,
                severity TEXT NOT NULL,
                status TEXT NOT NULL,
                source TEXT NOT NULL,
                description TEXT NOT NULL,
                started_ms INTEGER NOT NULL,
                opened_ms INTEGER NOT NULL,
                acknowledged_ms INTEGER,
                resolved_ms INTEGER,
                confirmed_cause TEXT,
                snapshot TEXT NOT NULL
            );
            CREATE INDEX incidents_status ON incidents(status, started_ms);
            -- An alert is its fingerprint and start: a redelivery is the same alert.
            CREATE TABLE incident_alerts (
                fingerprint TEXT NOT NULL,
                starts_ms INTEGER NOT NULL,
                incident_id INTEGER NOT NULL REFERENCES incidents(id),
                status TEXT NOT NULL,
                ends_ms INTEGER,
                name TEXT NOT NULL,
                service TEXT NOT NULL,
                labels TEXT NOT NULL,
                annotations TEXT NOT NULL,
                PRIMARY KEY (fingerprint, starts_ms)
            ) WITHOUT ROWID;
            CREATE INDEX incident_alerts_incident ON incident_alerts(incident_id);
            CREATE TABLE incident_events (
                incident_id INTEGER NOT NULL REFERENCES incidents(id),
                time_ms INTEGER NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL
            );
            CREATE INDEX incident_events_incident ON incident_events(incident_id, time_ms);
            """
        ),
        (
            "008_incident_analyses",
            """
            -- Every RCA run of an incident (its snapshot JSON), not only the latest.
            CREATE TABLE incident_analyses (
                incident_id INTEGER NOT NULL REFERENCES incidents(id),
                time_ms INTEGER NOT NULL,
                snapshot TEXT NOT NULL
            );
            CREATE INDEX incident_analyses_incident ON incident_analyses(incident_id, time_ms);
            """
        ),
        (
            "009_change_events",
            """
            -- Deploys, configuration changes, scaling actions and feature flags: evidence for RCA.
            CREATE TABLE change_events (
                id INTEGER PRIMARY KEY,
                time_ms INTEGER NOT NULL,
                service TEXT NOT NULL,
                kind TEXT NOT NULL,
                description TEXT NOT NULL,
                labels TEXT NOT NULL,
                source TEXT NOT NULL
            );
            CREATE INDEX change_events_time ON change_events(time_ms);
            """
        ),
        (
            "010_log_search_blocks",
            """
            -- The full-text index covers blocks of up to 64 consecutive lines of one stream (the block's
            -- id is its first line's), without positions: under half the per-line index's cost at ingest.
            -- A search rechecks the lines of the blocks that match (see BlockQuery). The blocks' time
            -- range also finds the lines of a window, so lines need no time index of their own.
            -- Lines stored before this migration are blocks of one.
            DROP TABLE log_search;
            CREATE TABLE log_search_blocks (
                id INTEGER PRIMARY KEY,
                last_line INTEGER NOT NULL,
                stream_id INTEGER NOT NULL,
                min_ts_ns INTEGER NOT NULL,
                max_ts_ns INTEGER NOT NULL
            );
            CREATE INDEX log_search_blocks_time ON log_search_blocks(max_ts_ns);
            DROP INDEX log_lines_time;
            CREATE VIRTUAL TABLE log_search USING fts5(line, content='', detail='none', columnsize=0);
            INSERT INTO log_search_blocks(id, last_line, stream_id, min_ts_ns, max_ts_ns) SELECT id, id, stream_id, ts_ns, ts_ns FROM log_lines;
            INSERT INTO log_search(rowid, line) SELECT id, line FROM log_lines;
            """
        ),
        (
            "011_metric_metadata",
            """
            -- Metric families' declared type, help and unit (exposition # TYPE/# HELP, remote-write metadata):
            -- /api/v1/metadata serves them, and they say which series are counters.
            CREATE TABLE metric_metadata (
                name TEXT PRIMARY KEY,
                type TEXT NOT NULL,
                help TEXT NOT NULL,
                unit TEXT NOT NULL,
                updated_ms INTEGER NOT NULL
            );
            """
        ),
    ]

    /// Applies the migrations not yet applied; a second run is a no-op.
    /// `PRAGMA application_id` of an Augur store ("AUGR"), so that `file(1)` and Augur itself can tell one.
    static let applicationID: Int64 = 0x4155_4752

    static func migrate(_ db: SQLiteConnection) throws(StoreError) {
        let applied = try appliedNames(db)
        // Nothing to do is a read: a store on a full disk still opens.
        let id = try db.scalar("PRAGMA application_id")
        if all.allSatisfy({ applied.contains($0.name) }) && id == applicationID { return }
        try db.execute("PRAGMA application_id = \(applicationID)")
        try db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_ms INTEGER NOT NULL)")
        for m in all where !applied.contains(m.name) {
            try db.transaction { () throws(StoreError) in
                try db.execute(m.sql)
                try db.prepare("INSERT INTO migrations(name, applied_ms) VALUES (?, ?)").bind(m.name, WallClock.nowMs()).run()
            }
        }
    }

    static func appliedNames(_ db: SQLiteConnection) throws(StoreError) -> Set<String> {
        let exists = try db.prepare("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='migrations'")
        _ = try exists.step()
        guard exists.int64(0) > 0 else { return [] }
        let q = try db.prepare("SELECT name FROM migrations")
        var names = Set<String>()
        while try q.step() { names.insert(q.text(0)) }
        return names
    }
}

