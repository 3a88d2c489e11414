package import AugurCore
package import AugurStore
import Foundation

/// From arriving log records to stored lines, templates and count series: finds each record's
/// message (the whole line, or a field of a JSON line), its level and service, mines its template
/// and writes everything in one transaction; per-template and per-level line counts per minute go
/// to the metric store as `augur_log_template_total` and `augur_log_lines_total`.
///
/// One pipeline per store. `@unchecked Sendable`: the miner and the mining state are used only under
/// `lock`, the write state only under `writeLock`.
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
    /// Taken before `lock` is released and held through the write: batches are written in mining order.
    private let writeLock = NSLock()
    /// The highest template id mined before the batch being mined now (under `lock`): the most the
    /// store can hold when that batch is written, unless another process mines into it.
    private var stored: Int64 = 0
    /// Template rows of a failed write, sent again with the next one (under `writeLock`).
    private var unwritten: [Int64: LogTemplateRow] = [:]
    /// Series ids of the count series, valid while the store's series epoch is `refsEpoch` (under `writeLock`).
    private var refs: [Labels: Int64] = [:]
    private var refsEpoch = 0

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

    /// Mines and stores `records`, in three stages so that concurrent batches overlap on two cores:
    /// messages and levels are found with no lock held; mining holds `lock`; the write holds
    /// `writeLock`, which a batch takes before it lets go of `lock`, so batches are written in the
    /// order they were mined (template counts and per-minute totals are absolute: order matters).
    /// (Writing every waiting batch in one transaction measured no faster: at most two are in flight.)
    package func ingest(_ records: [LogRecord]) throws(StoreError) -> Report {
        var mined: [MinedLogLine] = []
        mined.reserveCapacity(records.count)
        var messages: [[UInt8]] = []
        messages.reserveCapacity(records.count)
        for var record in records {
            let (message, level) = Self.message(of: &record, fields: options.messageFields)
            // A stack trace's lines are one event: appended to the stream's line they continue, mined
            // once. (Looked for only when the line looks like a continuation: most lines cost nothing.)
            if Self.looksContinued(message), let i = mined.indices.reversed().prefix(64).first(where: { mined[$0].record.labels == record.labels }),
               Self.isWithinASecond(record.timestampNs, after: mined[i].record.timestampNs) {
                mined[i].record.line += "\n" + message
                continue
            }
            messages.append(Array(message.utf8))
            let service = mined.last.flatMap { $0.record.labels == record.labels ? $0.service : nil } ?? Self.service(of: record.labels)
            mined.append(MinedLogLine(record: record, service: service, templateId: 0, level: level))
        }

        lock.lock()
        let before = miner.nextId
        var seen: [Int64: (Int64, Int64)] = [:]
        struct Counted: Hashable { let service: String; let template: Int64; let level: String; let minute: Int64 }
        var perTemplate: [Counted: Int] = [:]
        for i in mined.indices {
            let id = miner.id(miner.add(messages[i][...]))
            mined[i].templateId = id
            let t = mined[i].record.timestampNs
            seen[id] = seen[id].map { (min($0.0, t), max($0.1, t)) } ?? (t, t)
            perTemplate[Counted(service: mined[i].service, template: id, level: mined[i].level, minute: Self.floorDiv(t, 60_000_000_000) * 60_000), default: 0] += 1
        }
        // Label sets once per distinct (service, template, level), not per line.
        var counts: [Labels: [Int64: Int]] = [:]
        for (c, n) in perTemplate {
            counts[Labels(name: Self.templateMetric, ["service": c.service, "template_id": String(c.template), "level": c.level]), default: [:]][c.minute, default: 0] += n
            counts[Labels(name: Self.linesMetric, ["service": c.service, "level": c.level]), default: [:]][c.minute, default: 0] += n
        }
        let report = Report(lines: records.count, newTemplates: Int(miner.nextId - before), templates: miner.liveCount)
        try write(mined, seen: seen, counts: counts, releasingLock: true)
        return report
    }

    /// Hands the miner's changes and `lines` to the store; called holding `lock`, which it releases
    /// once it holds `writeLock` if `releasingLock`. Template rows of a failed write are kept and go
    /// with the next one, so a template's row is never lost.
    private func write(_ lines: [MinedLogLine], seen: [Int64: (Int64, Int64)] = [:], counts: [Labels: [Int64: Int]], releasingLock: Bool) throws(StoreError) {
        let templates = changedTemplates(seen: seen)
        let known = stored
        stored = miner.nextId - 1
        writeLock.lock()
        if releasingLock { lock.unlock() }
        defer { writeLock.unlock() }
        var rows = unwritten
        for t in templates { rows[t.id] = t }
        let totals: [(Labels, Int64, Int)]
        do {
            totals = try store.writeLogs(lines, templates: rows.values.sorted { $0.id < $1.id }, counts: counts, knownTemplates: known)
        } catch {
            unwritten = rows
            throw error
        }
        unwritten.removeAll()
        var batch = AppendBatch()
        if store.seriesEpoch != refsEpoch { refs.removeAll(); refsEpoch = store.seriesEpoch }
        for (labels, minute, total) in totals { batch.add(batch.ref(for: labels, in: store, cache: &refs), minute, Double(total)) }
        let ids = try store.append(batch)
        for (labels, id) in zip(batch.newSeries, ids) { refs[labels] = id }
    }

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

    /// The miner's changes as rows, with first/last seen times from this batch.
    private func changedTemplates(seen: [Int64: (Int64, Int64)]) -> [LogTemplateRow] {
        let (changed, merged) = miner.takeChanges()
        return changed.map {
            LogTemplateRow(id: $0.id, text: $0.text, route: $0.route, pinned: $0.pinned, mergedInto: nil, count: $0.count,
                           firstSeenNs: seen[$0.id]?.0, lastSeenNs: seen[$0.id]?.1)
        } + merged.map { t, into in
            LogTemplateRow(id: t.id, text: t.text, route: t.route, pinned: t.pinned, mergedInto: into, count: t.count)
        }
    }

    /// Writes the miner's changes (pin, merge); called holding `lock`, which it keeps.
    private func persistChanges() throws(StoreError) {
        try write([], counts: [:], releasingLock: false)
    }

    /// Live templates.
    package var templates: [TemplateMiner.Template] { lock.withLock { miner.templates } }

    // MARK: Messages, levels, services

    /// Whether `message` may continue the stream's previous line as part of one event: a stack trace's
    /// frames and causes (Java's `\tat …`, `Caused by: …`, `\t... 12 more`; Python's indented
    /// `  File "…"` lines; Go's tab-indented frames), logged within a second of it. Shippers that send
    /// each line of a stack trace as its own record (Docker's JSON log driver does) would otherwise
    /// make every frame a template and every exception dozens of lines. Lines of one batch only, the
    /// stream's line among the 64 before it.
    static func looksContinued(_ message: String) -> Bool {
        message.hasPrefix("\t") || message.hasPrefix("  ") || message.hasPrefix("Caused by: ") || message.hasPrefix("Suppressed: ")
    }

    static func isWithinASecond(_ ns: Int64, after previousNs: Int64) -> Bool {
        let (gap, overflow) = ns.subtractingReportingOverflow(previousNs)
        return !overflow && gap >= 0 && gap <= 1_000_000_000
    }

    /// ⌊a / b⌋ for b > 0, without negating `a` (Int64.min has no negation).
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b < 0 ? q - 1 : q
    }

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
        return level(lowercased: raw.lowercased())
    }

    private static func level(lowercased word: String) -> String? {
        switch word {
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
        var word = SIMD16<UInt8>()  // its first `length` bytes, lowered as they are read
        var length = 0, words = 0, letters = true
        func check() -> String? {
            guard letters, length >= 3, length <= 11 else { return nil }
            let w = withUnsafeBytes(of: word) { String(decoding: $0.prefix(length), as: UTF8.self) }  // a small string: no allocation
            return length == 3 && w != "err" ? nil : level(lowercased: w)
        }
        for b in message.utf8 {
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                guard length > 0 else { continue }
                if let l = check() { return l }
                words += 1
                if words == 8 { return nil }
                (length, letters) = (0, true)
            case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "|"), UInt8(ascii: "<"), UInt8(ascii: ">"):
                continue
            default:
                if length < 12 { word[length] = b | 0x20; length += 1 }
                if !((b | 0x20) >= 97 && (b | 0x20) <= 122) { letters = false }
            }
        }
        return length > 0 ? check() : nil
    }
}
