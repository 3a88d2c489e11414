import AugurCommandLine
import AugurCore
import AugurRCA
import ArgumentParser
import Foundation

/// Scores `augur rca eval`'s output against the data set's ground truth.
struct RCAScore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "AC@1, AC@3, AC@5 and Avg@5 of an eval's rankings, per fault type and overall.",
        discussion: """
        The truth comes from the data set: nezha, each fault of DIR/<day>/fault_list.json (its inject_pod's service, its
        inject_type); sockshop, the folder <service>-<fault>. Every case of the data set is scored: one missing from
        CASES counts as a miss at every k. The last line is machine-readable.
        """)

    @Option(help: "nezha or sockshop.")
    var format: String

    @Argument(help: "The data set's directory, as given to eval.")
    var dir: String

    @Option(help: "The eval's output (JSON lines with case and ranking).")
    var cases: String

    struct Truth { let service: String, faultType: String }

    func run() async throws {
        try await reportingFailures {
            try requireDirectory(dir)
            let truth: [String: Truth]
            switch format {
            case "nezha": truth = try nezhaTruth()
            case "sockshop": truth = try sockshopTruth()
            default: throw ValidationError("--format must be nezha or sockshop")
            }
            guard !truth.isEmpty else { throw ValidationError("no fault cases found under \(dir)") }
            let rankings = try readRankings()
            if let unknown = rankings.keys.first(where: { truth[$0] == nil }) {
                throw ValidationError("\(cases) has case \(unknown), which \(dir) does not have")
            }
            var overall = RankingAccuracy()
            var byType: [String: RankingAccuracy] = [:]
            for (id, t) in truth {
                let ranking = rankings[id] ?? []
                overall.add(truth: t.service, ranking: ranking)
                byType[t.faultType, default: RankingAccuracy()].add(truth: t.service, ranking: ranking)
            }
            func row(_ name: String, _ a: RankingAccuracy) -> String {
                let ac = a.accuracy
                return name.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%6d  %.3f  %.3f  %.3f  %.3f", a.cases, ac[0], ac[2], ac[4], a.average)
            }
            print("fault type".padding(toLength: 20, withPad: " ", startingAt: 0) + " cases   AC@1   AC@3   AC@5  Avg@5")
            for (type, a) in byType.sorted(by: { $0.key < $1.key }) { print(row(type, a)) }
            print(row("overall", overall))
            let ac = overall.accuracy
            print(String(format: "AC@1=%.3f AC@3=%.3f AC@5=%.3f Avg@5=%.3f", ac[0], ac[2], ac[4], overall.average))
        }
    }

    /// Case id → ranking, from the eval's JSON lines.
    func readRankings() throws -> [String: [String]] {
        guard let text = try? String(contentsOfFile: cases, encoding: .utf8) else { throw ValidationError("cannot read \(cases)") }
        var out: [String: [String]] = [:]
        for (n, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let id = object["case"] as? String else {
                throw ValidationError("\(cases):\(n + 1): not a JSON object with a case")
            }
            guard out[id] == nil else { throw ValidationError("\(cases):\(n + 1): case \(id) appears twice") }
            out[id] = object["ranking"] as? [String] ?? []
        }
        return out
    }

    /// `<day>/<HH:MM:SS>` → the injected pod's service and the fault's type, as eval names the cases.
    func nezhaTruth() throws -> [String: Truth] {
        var out: [String: Truth] = [:]
        for day in try FaultCases.nezhaDays(dir) {
            for fault in try FaultCases.nezhaFaults(dir, day: day) {
                guard let pod = fault.pod else { throw ValidationError("\(dir)/\(day)/fault_list.json: the fault at \(fault.id) has no inject_pod") }
                out[fault.id] = Truth(service: ServiceNaming.service(ofPod: pod), faultType: fault.type ?? "(none)")
            }
        }
        return out
    }

    /// `<service>-<fault>/<run>` → the service and the fault.
    func sockshopTruth() throws -> [String: Truth] {
        var out: [String: Truth] = [:]
        for c in try FaultCases.sockshop(dir) {
            guard let dash = c.folder.lastIndex(of: "-") else { continue }
            out[c.id] = Truth(service: String(c.folder[..<dash]), faultType: String(c.folder[c.folder.index(after: dash)...]))
        }
        return out
    }
}
