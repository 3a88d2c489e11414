package import AugurCore
package import AugurLogs
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
            let (message, level) = LogMessage.message(of: &record, fields: options.messageFields)
            // A stack trace's lines are one event: appended to the stream's line they continue, mined
            // once. (Looked for only when the line looks like a continuation: most lines cost nothing.)
            if LogMessage.looksContinued(message), let i = mined.indices.reversed().prefix(64).first(where: { mined[$0].record.labels == record.labels }),
               LogMessage.isWithinASecond(record.timestampNs, after: mined[i].record.timestampNs) {
                mined[i].record.line += "\n" + message
                continue
            }
            messages.append(Array(message.utf8))
            let service = mined.last.flatMap { $0.record.labels == record.labels ? $0.service : nil } ?? ServiceNaming.logService(of: record.labels)
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
            perTemplate[Counted(service: mined[i].service, template: id, level: mined[i].level, minute: LogMessage.floorDiv(t, 60_000_000_000) * 60_000), default: 0] += 1
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
}
