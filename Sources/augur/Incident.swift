import AugurCommandLine
import ArgumentParser
import AugurApp
import AugurCore
import AugurStore
import Foundation

/// `augur incident …`: incidents from the store file.
struct Incident: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "incident", abstract: "Incidents: list them, print a report.",
                                                    subcommands: [IncidentList.self, IncidentReportCommand.self])
}

struct IncidentList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Incidents, open first: id, status, severity, service, started, top suspect, title.")

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingFailures {
            let store = try Store(path: try options.resolve().config.storage.path, readOnly: true)
            print("id\tstatus\tseverity\tservice\tstarted\ttop suspect\ttitle")
            for (i, top) in try IncidentDesk(store: store).list() {
                print("\(i.id)\t\(i.status)\t\(i.severity)\t\(i.service)\t\(utcText(Double(i.startedMs) / 1000))\t\(top ?? "-")\t\(i.title)")
            }
        }
    }
}

struct IncidentReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Print an incident's report (Markdown or self-contained HTML).")

    @Argument(help: "Incident id.")
    var id: Int64

    @Option(help: "md or html.")
    var format = "md"

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingFailures {
            guard ["md", "html"].contains(format) else { throw ValidationError("--format must be md or html") }
            let store = try Store(path: try options.resolve().config.storage.path, readOnly: true)
            print(try IncidentDesk(store: store).report(id: id, html: format == "html"), terminator: "")
        }
    }
}
