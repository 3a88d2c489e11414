import AugurCommandLine
import ArgumentParser
import AugurApp
import AugurCore
import AugurStore
import Foundation

/// `augur logs …`: template mining, import and search.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Parse, import and search logs.",
        subcommands: [LogsParse.self, LogsImport.self, LogsQuery.self])
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
            guard FileManager.default.isReadableFile(atPath: input) else { throw ValidationError("cannot read \(input)") }
            let p = try LogFiles.parse(input, format: format, miner: try miner.options(), output: output, templates: templates, progress: note)
            if let warning = p.warning { note(warning) }
            note(String(format: "logs parse: %d lines (%d unparsed, format read as %@) into %d templates in %.2f s (%.0f lines/s)",
                        p.lines, p.unparsed, p.spelling, p.templates, p.seconds, Double(p.lines) / max(p.seconds, 1e-9)))
        }
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
            let store = try Store(path: config.storage.path)
            let started = ContinuousClock.now
            let i = try LogFiles.importPath(path, format: format, into: store, logs: config.logs, labels: extra, strict: records.strict, progress: note)
            let elapsed = seconds(ContinuousClock.now - started)
            for line in i.skippedReport { note(line) }
            print(String(format: "imported %d files: %d lines (%d unparsed), %d templates in %.1f s, %d malformed records skipped", i.files, i.lines, i.unparsed, i.templates, elapsed, i.skipped))
            for warning in i.warnings { print(warning) }
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
                print(try LogFiles.activityTable(store: store, streams: streams, startNs: startNs, endNs: endNs, limit: limit))
                return
            }
            for l in try store.searchLogs(streams: streams, search: search, startNs: startNs, endNs: endNs, limit: limit) {
                print("\(TimeParsing.rfc3339(l.timestampNs / 1_000_000))\t\(ServiceNaming.logService(of: l.labels))\t\(l.level)\t\(l.line)")
            }
        }
    }
}
