package import AugurCore
import AugurRCA
import Foundation

extension RCAEvaluation {
    /// AC@1, AC@3, AC@5 and Avg@5 of an eval's rankings (`cases`, JSON lines), per fault type and
    /// overall, as the table `augur rca score` prints; its last line is machine-readable. The truth
    /// comes from the data set's layout, and every case of it is scored: one missing from `cases`
    /// counts as a miss at every k.
    package static func score(format: String, dir: String, cases: String) throws(DataSetError) -> String {
        try FaultCases.requireDirectory(dir)
        let truth = format == "nezha" ? try nezhaTruth(dir) : try sockshopTruth(dir)
        guard !truth.isEmpty else { throw DataSetError(.malformed, "no fault cases found under \(dir)") }
        let rankings = try readRankings(cases)
        if let unknown = rankings.keys.first(where: { truth[$0] == nil }) {
            throw DataSetError(.malformed, "\(cases) has case \(unknown), which \(dir) does not have")
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
        var lines = ["fault type".padding(toLength: 20, withPad: " ", startingAt: 0) + " cases   AC@1   AC@3   AC@5  Avg@5"]
        lines += byType.sorted(by: { $0.key < $1.key }).map { row($0.key, $0.value) }
        lines.append(row("overall", overall))
        let ac = overall.accuracy
        lines.append(String(format: "AC@1=%.3f AC@3=%.3f AC@5=%.3f Avg@5=%.3f", ac[0], ac[2], ac[4], overall.average))
        return lines.joined(separator: "\n")
    }

    private struct Truth { let service: String, faultType: String }

    /// Case id → ranking, from the eval's JSON lines.
    private static func readRankings(_ cases: String) throws(DataSetError) -> [String: [String]] {
        guard let text = try? String(contentsOfFile: cases, encoding: .utf8) else { throw DataSetError(.unreadable, "cannot read \(cases)") }
        var out: [String: [String]] = [:]
        for (n, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let id = object["case"] as? String else {
                throw DataSetError(.malformed, "\(cases):\(n + 1): not a JSON object with a case")
            }
            guard out[id] == nil else { throw DataSetError(.malformed, "\(cases):\(n + 1): case \(id) appears twice") }
            out[id] = object["ranking"] as? [String] ?? []
        }
        return out
    }

    /// `<day>/<HH:MM:SS>` → the injected pod's service and the fault's type, as eval names the cases.
    private static func nezhaTruth(_ dir: String) throws(DataSetError) -> [String: Truth] {
        var out: [String: Truth] = [:]
        for day in try FaultCases.nezhaDays(dir) {
            for fault in try FaultCases.nezhaFaults(dir, day: day) {
                guard let pod = fault.pod else { throw DataSetError(.malformed, "\(dir)/\(day)/fault_list.json: the fault at \(fault.id) has no inject_pod") }
                out[fault.id] = Truth(service: ServiceNaming.service(ofPod: pod), faultType: fault.type ?? "(none)")
            }
        }
        return out
    }

    /// `<service>-<fault>/<run>` → the service and the fault.
    private static func sockshopTruth(_ dir: String) throws(DataSetError) -> [String: Truth] {
        var out: [String: Truth] = [:]
        for c in try FaultCases.sockshop(dir) {
            guard let dash = c.folder.lastIndex(of: "-") else { continue }
            out[c.id] = Truth(service: String(c.folder[..<dash]), faultType: String(c.folder[c.folder.index(after: dash)...]))
        }
        return out
    }
}
