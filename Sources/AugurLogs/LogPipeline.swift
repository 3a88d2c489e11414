package import AugurCore
package import AugurStore
import Foundation

/// From arriving log records to stored lines, templates and count series: finds each record's
/// message (the whole line, or a field of a JSON line), its level and service, mines its template
/// and writes everything in one transaction; per-template and per-level line counts per minute go
/// to the metric store as `augur_log_template_total` and `augur_log_lines_total`.
///
/// One pipeline per store. `@unchecked Sendable`: the miner is a class whose every use is under `lock`.
package final class LogPipeline: @unchecked Sendable {
    package struct Options: Sendable {
        package var miner = TemplateMiner.Options()
        /// JSON fields tried, in order, for the message of a structured line.
        package var messageFields = ["msg", "message", "log"]

        package init() {}

        /// From the `logs:` section of the configuration.
        package init(_ config: AugurConfig.Logs) throws(ConfigError) {
            miner.similarity = config.similarity
            messageFields = config.messageFields
            for m in config.masks {
                do { miner.masks.append(try LogPattern(m)) } catch { throw ConfigError("logs.masks: \(error.description)") }
            }
        }
    }

    package struct Report: Sendable, Equatable {
        package var lines = 0
        package var newTemplates = 0
        package var templates = 0
    }

    package let store: Store
    package let options: Options
    private let miner: TemplateMiner
    private let lock = NSLock()
    /// Templates changed since the last successful write (kept across a failed write).
    private var pending: [Int64: LogTemplateRow] = [:]
    private var refs: [Labels: Int64] = [:]
    /// The highest template id in the store as of this pipeline's last write (or restore).
    private var stored: Int64 = 0

    /// Restores the store's templates, so ids and routes carry on where they stopped.
    package init(store: Store, options: Options = Options()) throws(StoreError) {
        self.store = store
        self.options = options
        let rows = try store.logTemplates()
        miner = TemplateMiner(options: options.miner, firstId: (rows.map(\.id).max() ?? 0) + 1)
        for row in rows where row.mergedInto == nil {
            do {
                try miner.restore(.init(id: row.id, text: row.text, count: row.count, route: row.route, pinned: row.pinned))
            } catch {
                throw StoreError(.corrupt, "stored template \(row.id) does not compile: \(error.description)")
            }
        }
        _ = miner.takeChanges()
        stored = rows.map(\.id).max() ?? 0
    }

    package static let templateMetric = "augur_log_template_total"
    package static let linesMetric = "augur_log_lines_total"

    /// Mines and stores `records`.
    package func ingest(_ records: [LogRecord]) throws(StoreError) -> Report {
        lock.lock()
        defer { lock.unlock() }
        let before = miner.nextId
        var mined: [MinedLogLine] = []
        mined.reserveCapacity(records.count)
        var seen: [Int64: (Int64, Int64)] = [:]
        struct Counted: Hashable { let service: String; let template: Int64; let level: String; let minute: Int64 }
        var perTemplate: [Counted: Int] = [:]
        for var record in records {
            let (message, level) = Self.message(of: &record, fields: options.messageFields)
            let index = miner.add(Array(message.utf8)[...])
            let id = miner.id(index)
            let service = Self.service(of: record.labels)
            mined.append(MinedLogLine(record: record, service: service, templateId: id, level: level))
            let t = record.timestampNs
            seen[id] = seen[id].map { (min($0.0, t), max($0.1, t)) } ?? (t, t)
            perTemplate[Counted(service: service, template: id, level: level, minute: Self.floorDiv(t, 60_000_000_000) * 60_000), default: 0] += 1
        }
        // Label sets once per distinct (service, template, level), not per line.
        var counts: [Labels: [Int64: Int]] = [:]
        for (c, n) in perTemplate {
            counts[Labels(name: Self.templateMetric, ["service": c.service, "template_id": String(c.template), "level": c.level]), default: [:]][c.minute, default: 0] += n
            counts[Labels(name: Self.linesMetric, ["service": c.service, "level": c.level]), default: [:]][c.minute, default: 0] += n
        }
        takePending(seen: seen)
        let rows = Array(pending.values).sorted { $0.id < $1.id }
        let totals = try store.writeLogs(mined, templates: rows, counts: counts, knownTemplates: stored)
        stored = miner.nextId - 1
        pending.removeAll()
        var batch = AppendBatch()
        if store.seriesEpoch != refsEpoch { refs.removeAll(); refsEpoch = store.seriesEpoch }
        for (labels, minute, total) in totals { batch.add(batch.ref(for: labels, in: store, cache: &refs), minute, Double(total)) }
        let ids = try store.append(batch)
        for (labels, id) in zip(batch.newSeries, ids) { refs[labels] = id }
        return Report(lines: records.count, newTemplates: Int(miner.nextId - before), templates: miner.liveCount)
    }

    private var refsEpoch = 0

    /// Pins a template (a pattern with `<*>`, or a regex) ahead of mining; returns its id. Pinning
    /// a pattern that is already pinned returns the existing id.
    package func pin(_ pattern: String, regex: Bool) throws -> Int64 {
        try lock.withLock {
            if let id = miner.pinnedId(pattern, regex: regex) { return id }
            let index = try miner.pin(pattern, regex: regex)
            try persistChanges()
            return miner.id(index)
        }
    }

    /// Merges template `from` into `into`; false when either is unknown or already merged.
    package func merge(_ from: Int64, into: Int64) throws(StoreError) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard miner.merge(from, into: into) else { return false }
        try persistChanges()
        return true
    }

    /// Moves the miner's changes into `pending`, with first/last seen times from this batch.
    private func takePending(seen: [Int64: (Int64, Int64)] = [:]) {
        let (changed, merged) = miner.takeChanges()
        for t in changed {
            pending[t.id] = LogTemplateRow(id: t.id, text: t.text, route: t.route, pinned: t.pinned, mergedInto: nil, count: t.count,
                                           firstSeenNs: seen[t.id]?.0, lastSeenNs: seen[t.id]?.1)
        }
        for (t, into) in merged {
            pending[t.id] = LogTemplateRow(id: t.id, text: t.text, route: t.route, pinned: t.pinned, mergedInto: into, count: t.count)
        }
    }

    private func persistChanges() throws(StoreError) {
        takePending()
        _ = try store.writeLogs([], templates: Array(pending.values), counts: [:], knownTemplates: stored)
        stored = miner.nextId - 1
        pending.removeAll()
    }

    /// Live templates.
    package var templates: [TemplateMiner.Template] { lock.withLock { miner.templates } }

    // MARK: Messages, levels, services

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// The workload a stream belongs to (ServiceNaming's rule), else its `job` or `container`.
    package static func service(of labels: Labels) -> String {
        ServiceNaming.service(of: labels) ?? labels["job"] ?? labels["container"] ?? "unknown"
    }

    /// The message to mine and the level: a JSON line's message field (one level of nesting, as in
    /// Docker's `{"log": "<the app's JSON line>"}`), its other fields kept as attributes; otherwise the
    /// line. The level comes from labels, fields, or the first words of the message.
    static func message(of record: inout LogRecord, fields: [String]) -> (String, String) {
        var message = record.message ?? record.line
        var level = record.labels["level"] ?? record.labels["severity"] ?? record.labels["detected_level"] ?? record.attributes["level"]
        for _ in 0..<2 {
            let trimmed = message.drop { $0 == " " }
            guard trimmed.first == "{", let data = trimmed.data(using: .utf8),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { break }
            guard let field = fields.first(where: { object[$0] is String }), let text = object[field] as? String else { break }
            for (key, value) in object where key != field {
                let text = value as? String ?? (value as? NSNumber)?.stringValue ?? ""
                switch key.lowercased() {
                case "level", "severity", "lvl", "levelname", "loglevel": level = level ?? text
                case "trace_id", "traceid": record.traceId = record.traceId ?? text
                case "span_id", "spanid": record.spanId = record.spanId ?? text
                case "time", "timestamp", "ts", "stream": break
                default: record.attributes[key] = text
                }
            }
            message = text.hasSuffix("\n") ? String(text.dropLast()) : text
        }
        return (message, normalisedLevel(level) ?? levelInText(message) ?? "unknown")
    }

    static func normalisedLevel(_ raw: String?) -> String? {
        guard let raw else { return nil }
        switch raw.lowercased() {
        case "trace", "finest", "finer": return "trace"
        case "debug", "dbug", "fine", "d": return "debug"
        case "info", "information", "informational", "notice", "i": return "info"
        case "warn", "warning", "w": return "warn"
        case "error", "err", "e", "severe": return "error"
        case "fatal", "critical", "crit", "panic", "emerg", "emergency", "alert", "f": return "fatal"
        default: return nil
        }
    }

    /// A level word among the first eight words of a message (`2024-… ERROR …`, `[warn] …`). Runs on
    /// every line, so it looks at bytes: only words of 3 to 11 letters are looked up.
    static func levelInText(_ message: String) -> String? {
        var utf8 = message.utf8.makeIterator()
        var word: [UInt8] = []
        word.reserveCapacity(12)
        var words = 0, letters = true
        func check() -> String? {
            defer { word.removeAll(keepingCapacity: true); letters = true }
            guard letters, word.count >= 3, word.count <= 11 else { return nil }
            let w = String(decoding: word, as: UTF8.self)
            return w.count == 3 && w.lowercased() != "err" ? nil : normalisedLevel(w)
        }
        while words < 8, let b = utf8.next() {
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                if !word.isEmpty { if let l = check() { return l }; words += 1 }
            case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "|"), UInt8(ascii: "<"), UInt8(ascii: ">"):
                continue
            default:
                if word.count < 12 { word.append(b) }
                if !((b | 0x20) >= 97 && (b | 0x20) <= 122) { letters = false }
            }
        }
        return words < 8 && !word.isEmpty ? check() : nil
    }
}
