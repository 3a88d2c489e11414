import AugurCommandLine
import ArgumentParser
import AugurApp
import AugurCore
import AugurIngest
import AugurLogs
import AugurStore
import Foundation

/// `augur logs …`: template mining, import and search.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Parse, import and search logs.",
        subcommands: [LogsParse.self, LogsImport.self, LogsQuery.self])
}

/// Options that steer the miner, shared by parse and import.
struct MinerOptions: ParsableArguments {
    @Option(name: .long, help: "A regular expression whose matches are variables (repeatable).")
    var mask: [String] = []

    @Option(help: "Share of equal tokens a message needs to join a template.")
    var similarity = 0.5

    func options() throws -> TemplateMiner.Options {
        var o = TemplateMiner.Options()
        guard similarity > 0 && similarity <= 1 else { throw ValidationError("--similarity must be in (0, 1]") }
        o.similarity = similarity
        o.masks = try mask.map { (m) throws(LogPattern.Invalid) in try LogPattern(m) }
        return o
    }
}

/// The benchmark contract: one file in, Loghub's structured layout out.
struct LogsParse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Mine templates from a raw log file: CSV LineId,EventId,EventTemplate (Loghub's *_structured.csv layout).")

    @Option(help: "Raw log file.")
    var input: String

    @Option(help: "LogPAI header format, e.g. '<Date> <Time> <Pid> <Level> <Component>: <Content>'; literal ('[<Time>] <Content>') or regex-escaped ('\\[<Time>\\] <Content>').")
    var format = "<Content>"

    @OptionGroup var miner: MinerOptions

    @Option(help: "Structured output CSV.")
    var output: String

    @Option(help: "Templates CSV (EventId,EventTemplate,Occurrences).")
    var templates: String?

    func run() async throws {
        try await reportingFailures {
            guard let data = FileManager.default.contents(atPath: input) else { throw ValidationError("cannot read \(input)") }
            let bytes = [UInt8](data)
            let header = try HeaderFormat.fitting(format, file: bytes)
            let started = ContinuousClock.now
            let mining = TemplateMiner(options: try miner.options())
            let scratch = ByteRegex.Scratch()
            var assigned: [Int] = []
            var fit = HeaderFormat.Fit()
            RawLogFile.forEachLine(bytes) { line in
                // A line that does not fit the format is kept whole, as its own message.
                let content = header.content(line, scratch: scratch)
                fit.count(line, fits: content != nil)
                assigned.append(mining.add(content ?? line))
                if assigned.count % 1_000_000 == 0 { note("logs parse: \(assigned.count) lines, \(mining.templates.count) templates") }
            }
            let elapsed = seconds(ContinuousClock.now - started)
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
            if let warning = fit.warning(format: format, file: input) { note(warning) }
            note(String(format: "logs parse: %d lines (%d unparsed, format read as %@) into %d templates in %.2f s (%.0f lines/s)",
                        assigned.count, fit.unmatched, header.spelling.rawValue, mining.templates.count, elapsed, Double(assigned.count) / max(elapsed, 1e-9)))
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

/// `augur logs import`: raw files through a header format, Augur's JSON lines, or the Nezha log CSVs.
struct LogsImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import log files into the store: mined, searchable, counted per template.",
        discussion: """
        --format takes a LogPAI header format ('<Date> <Time> <Level> <Component>: <Content>'; header fields become
        attributes, Level the level, Date/Time/Timestamp the time), jsonl (Augur's JSON lines), or nezha (the Online
        Boutique log CSVs, <day>/log/*.csv). A header format may be written as the lines look ('[<Time>] <Content>') or
        regex-escaped as LogPAI writes it ('\\[<Time>\\] <Content>'): each file is read the way that fits more of its
        first lines. Lines that do not fit are kept whole and counted as unparsed; when fewer than half fit, a warning
        says so with a line that did not.
        """)

    @Argument(help: "A file or a directory (searched recursively).")
    var path: String

    @Option(help: "A LogPAI header format, jsonl or nezha.")
    var format: String

    @OptionGroup var records: ImportOptions
    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingFailures {
            let config = try options.resolve().config
            let extra = try records.extraLabels()
            var bad = BadRecords(strict: records.strict)
            let store = try Store(path: config.storage.path)
            let pipeline = try LogPipeline(store: store, options: try LogPipeline.Options(config.logs))
            var files: [String] = []
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw IngestError(.unreadable, format: format, "no such file or directory: \(path)") }
            if isDir.boolValue {
                let all = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
                let wanted = format == "nezha" ? [".csv"] : (format == "jsonl" ? [".jsonl", ".json", ".ndjson"] : [".log", ".txt"])
                files = all.filter { f in wanted.contains { f.hasSuffix($0) } && !f.hasSuffix("_structured.csv") && !f.hasSuffix("_templates.csv") }
                    .filter { format != "nezha" || $0.contains("log") }.sorted().map { path + "/" + $0 }
            } else {
                files = [path]
            }
            let started = ContinuousClock.now
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
                        note(warning)
                        warnings.append(warning)
                    }
                }
                if !extra.isEmpty {
                    for i in records.indices { records[i].labels = Labels(Array(records[i].labels.dictionary.merging(extra) { _, new in new })) }
                }
                for start in stride(from: 0, to: records.count, by: 20_000) {
                    _ = try pipeline.ingest(Array(records[start..<min(start + 20_000, records.count)]))
                }
                lines += records.count
                note("imported \(file): \(records.count) lines (\(lines) in all)")
            }
            _ = try store.compact(force: true)
            let elapsed = seconds(ContinuousClock.now - started)
            for line in bad.report { note(line) }
            print(String(format: "imported %d files: %d lines (%d unparsed), %d templates in %.1f s, %d malformed records skipped", files.count, lines, unparsed, pipeline.templates.count, elapsed, bad.count))
            for warning in warnings { print(warning) }
        }
    }
}

/// `augur logs query`: lines or template activity from the store, read-only.
struct LogsQuery: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query", abstract: "Search stored logs, or list templates new or surging in a window.")

    @Option(help: "Label selector of the streams, e.g. '{service=\"cart\"}'.")
    var query: String?

    @Option(help: "Full-text search (SQLite FTS5 syntax: words, \"phrases\", OR, prefix*).")
    var search: String?

    @Option(help: "Window start (RFC 3339, Unix time, now, now-30m); default an hour before --end.")
    var start: String?

    @Option(help: "Window end; default now.")
    var end: String?

    @Option(help: "Most lines to print.")
    var limit = 100

    @Flag(help: "Templates in the window against the window before it, most surging first.")
    var templates = false

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingFailures {
            let config = try options.resolve().config
            let store = try Store(path: config.storage.path, readOnly: true)
            func time(_ text: String?, _ name: String) throws -> Int64? {
                guard let text else { return nil }
                // Nanoseconds kept where the text has them; relative times to the millisecond.
                if let ns = TimeParsing.timestampNs(text) { return ns }
                guard let ms = TimeParsing.commandTimeMs(text, nowMs: WallClock.nowMs()), let ns = TimeParsing.ns(ms, times: 1_000_000) else {
                    throw ValidationError("--\(name) \(text) is not a time (\(TimeParsing.commandTimeForms))")
                }
                return ns
            }
            let endNs = try time(end, "end") ?? WallClock.nowMs() * 1_000_000
            let startNs = try time(start, "start") ?? endNs - 3_600_000_000_000
            let streams = try store.logStreams(matching: try query.map { [try Selector(parsing: $0)] })
            if templates {
                print("template_id\tservice\tcount\tprevious\tnew\tsurge\ttemplate")
                for a in try TemplateActivity.compare(store: store, streams: streams, startNs: startNs, endNs: endNs).prefix(limit) {
                    print("\(a.templateId)\t\(a.service)\t\(a.count)\t\(a.previous)\t\(a.isNew)\t\(String(format: "%.2f", a.surge))\t\(a.text)")
                }
                return
            }
            for l in try store.searchLogs(streams: streams, search: search, startNs: startNs, endNs: endNs, limit: limit) {
                print("\(TimeParsing.rfc3339(l.timestampNs / 1_000_000))\t\(ServiceNaming.logService(of: l.labels))\t\(l.level)\t\(l.line)")
            }
        }
    }
}
