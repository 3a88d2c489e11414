package import AugurCore
import AugurIngest
package import AugurLogs
package import AugurStore
import Foundation

/// The log file jobs: `augur logs parse` (one raw file mined into Loghub's structured layout) and
/// `augur logs import` (files through a header format, JSON lines or the Nezha CSVs into the store).
package enum LogFiles {
    package struct Parsed: Sendable {
        package let lines, unparsed, templates: Int
        package let seconds: Double
        /// How the header format was read (literal or regex-escaped).
        package let spelling: String
        /// Set when fewer than half of the lines fit the format.
        package let warning: String?
    }

    /// Mines `input` line by line and writes `LineId,EventId,EventTemplate` to `output` and, when given,
    /// `EventId,EventTemplate,Occurrences` to `templates`. A line that does not fit the format is mined whole.
    package static func parse(_ input: String, format: String, miner options: TemplateMiner.Options, output: String, templates: String?,
                              progress: (String) -> Void) throws -> Parsed {
        guard let data = FileManager.default.contents(atPath: input) else { throw IngestError(.unreadable, format: "log", "cannot read \(input)") }
        let bytes = [UInt8](data)
        let header = try HeaderFormat.fitting(format, file: bytes)
        let started = ContinuousClock.now
        let mining = TemplateMiner(options: options)
        let scratch = ByteRegex.Scratch()
        var assigned: [Int] = []
        var fit = HeaderFormat.Fit()
        RawLogFile.forEachLine(bytes) { line in
            let content = header.content(line, scratch: scratch)
            fit.count(line, fits: content != nil)
            assigned.append(mining.add(content ?? line))
            if assigned.count % 1_000_000 == 0 { progress("logs parse: \(assigned.count) lines, \(mining.templates.count) templates") }
        }
        let elapsed = ContinuousClock.now - started
        var out = "LineId,EventId,EventTemplate\n"
        out.reserveCapacity(assigned.count * 64)
        var rendered: [Int: (String, String)] = [:]
        for (k, a) in assigned.enumerated() {
            let live = mining.resolve(a)
            let (id, text) = rendered[live] ?? {
                let r = ("E\(mining.id(live))", CSVText.field(mining.text(live)))
                rendered[live] = r
                return r
            }()
            out += "\(k + 1),\(id),\(text)\n"
        }
        try Data(out.utf8).write(to: URL(fileURLWithPath: output))
        if let templates {
            var t = "EventId,EventTemplate,Occurrences\n"
            for template in mining.templates { t += "E\(template.id),\(CSVText.field(template.text)),\(template.count)\n" }
            try Data(t.utf8).write(to: URL(fileURLWithPath: templates))
        }
        return Parsed(lines: assigned.count, unparsed: fit.unmatched, templates: mining.templates.count,
                      seconds: seconds(elapsed),
                      spelling: header.spelling.rawValue, warning: fit.warning(format: format, file: input))
    }

    package struct Imported: Sendable {
        package let files, lines, unparsed, templates: Int
        /// Files that fewer than half of the lines of fit the format, one warning each.
        package let warnings: [String]
        package let skipped: Int
        package let skippedReport: [String]
    }

    /// Imports `path` (a file, or a directory searched recursively for the format's files) through the
    /// log pipeline. `format` is a LogPAI header format, `jsonl` or `nezha`; `progress` hears each file
    /// and each warning as it happens.
    package static func importPath(_ path: String, format: String, into store: Store, logs: AugurConfig.Logs, labels: [String: String], strict: Bool,
                                   progress: (String) -> Void) throws -> Imported {
        var bad = BadRecords(strict: strict)
        let pipeline = try LogPipeline(store: store, options: try LogPipeline.Options(logs))
        let files = try plan(path, format: format)
        var lines = 0, unparsed = 0
        var warnings: [String] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw IngestError(.unreadable, format: format, "cannot read \(file)") }
            var records: [LogRecord]
            bad.file = file
            switch format {
            case "jsonl": records = try LogBodies.jsonLines([UInt8](data), bad: &bad)
            case "nezha": records = try LogBodies.nezhaCSV([UInt8](data), file: file, bad: &bad)
            default:
                let modified = (try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date) ?? Date()
                let bytes = [UInt8](data)
                let parsed = RawLogFile.records(bytes, header: try HeaderFormat.fitting(format, file: bytes), fallbackNs: Int64(saturating: modified.timeIntervalSince1970 * 1e9))
                records = parsed.records
                unparsed += parsed.fit.unmatched
                if let warning = parsed.fit.warning(format: format, file: file) {
                    progress(warning)
                    warnings.append(warning)
                }
            }
            if !labels.isEmpty {
                for i in records.indices { records[i].labels = Labels(Array(records[i].labels.dictionary.merging(labels) { _, new in new })) }
            }
            try pipeline.ingest(inBatches: records)
            lines += records.count
            progress("imported \(file): \(records.count) lines (\(lines) in all)")
        }
        _ = try store.compact(force: true)
        return Imported(files: files.count, lines: lines, unparsed: unparsed, templates: pipeline.templates.count, warnings: warnings,
                        skipped: bad.count, skippedReport: bad.report)
    }

    /// The files an import reads: `path` itself, or a directory's files of the format (never Loghub's
    /// structured or template CSVs).
    private static func plan(_ path: String, format: String) throws(IngestError) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw IngestError(.unreadable, format: format, "no such file or directory: \(path)") }
        guard isDir.boolValue else { return [path] }
        let all = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
        let wanted = format == "nezha" ? [".csv"] : (format == "jsonl" ? [".jsonl", ".json", ".ndjson"] : [".log", ".txt"])
        return all.filter { f in wanted.contains { f.hasSuffix($0) } && !f.hasSuffix("_structured.csv") && !f.hasSuffix("_templates.csv") }
            .filter { format != "nezha" || $0.contains("log") }.sorted().map { path + "/" + $0 }
    }

    /// `augur logs query --templates`: templates of `streams` in [startNs, endNs) against the window
    /// before, most surging first, as a tab-separated table with its header.
    package static func activityTable(store: Store, streams: [Int64: Labels], startNs: Int64, endNs: Int64, limit: Int) throws -> String {
        var out = "template_id\tservice\tcount\tprevious\tnew\tsurge\ttemplate"
        for a in try TemplateActivity.compare(store: store, streams: streams, startNs: startNs, endNs: endNs).prefix(limit) {
            out += "\n\(a.templateId)\t\(a.service)\t\(a.count)\t\(a.previous)\t\(a.isNew)\t\(String(format: "%.2f", a.surge))\t\(a.text)"
        }
        return out
    }
}

extension LogPipeline {
    /// Ingests `records` 20 000 at a time, so that one transaction stays small.
    package func ingest(inBatches records: [LogRecord]) throws {
        for start in stride(from: 0, to: records.count, by: 20_000) {
            _ = try ingest(Array(records[start..<min(start + 20_000, records.count)]))
        }
    }
}

enum CSVText {
    /// RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
