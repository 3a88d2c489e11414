import ArgumentParser
import AugurCore
import AugurLogs
import Foundation

/// `augur logs …`: template mining, import and search.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Parse, import and search logs.",
        subcommands: [LogsParse.self])
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

    @Option(help: "LogPAI header format, e.g. '<Date> <Time> <Pid> <Level> <Component>: <Content>'.")
    var format = "<Content>"

    @OptionGroup var miner: MinerOptions

    @Option(help: "Structured output CSV.")
    var output: String

    @Option(help: "Templates CSV (EventId,EventTemplate,Occurrences).")
    var templates: String?

    func run() async throws {
        try await reportingFailures {
            let header = try HeaderFormat(format)
            guard let data = FileManager.default.contents(atPath: input) else { throw ValidationError("cannot read \(input)") }
            let started = ContinuousClock.now
            let mining = TemplateMiner(options: try miner.options())
            let scratch = ByteRegex.Scratch()
            var assigned: [Int] = []
            var unparsed = 0
            let bytes = [UInt8](data)
            var lineStart = 0
            while lineStart < bytes.count {
                var end = bytes[lineStart...].firstIndex(of: 10) ?? bytes.count
                let next = end + 1
                if end > lineStart && bytes[end - 1] == 13 { end -= 1 }
                let line = bytes[lineStart..<end]
                // A line that does not fit the format is kept whole, as its own message.
                let content: ArraySlice<UInt8>
                if let c = header.content(line, scratch: scratch) { content = c } else { content = line; unparsed += 1 }
                assigned.append(mining.add(content))
                if assigned.count % 1_000_000 == 0 { note("logs parse: \(assigned.count) lines, \(mining.templates.count) templates") }
                lineStart = next
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
            note(String(format: "logs parse: %d lines (%d unparsed) into %d templates in %.2f s (%.0f lines/s)",
                        assigned.count, unparsed, mining.templates.count, elapsed, Double(assigned.count) / max(elapsed, 1e-9)))
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
