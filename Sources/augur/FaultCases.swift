import AugurCore
import ArgumentParser
import Foundation

/// The fault cases of a data set's layout, named the same way for `rca eval` and `rca score`.
enum FaultCases {
    /// Sock Shop: each `<service>-<fault>/<run>` folder that holds `anomalous.csv`, in order.
    static func sockshop(_ dir: String) throws -> [(id: String, path: String, folder: String)] {
        let fm = FileManager.default
        var out: [(String, String, String)] = []
        for folder in try fm.contentsOfDirectory(atPath: dir).sorted() {
            guard let runs = try? fm.contentsOfDirectory(atPath: "\(dir)/\(folder)") else { continue }
            for run in runs.sorted() where fm.fileExists(atPath: "\(dir)/\(folder)/\(run)/anomalous.csv") {
                out.append(("\(folder)/\(run)", "\(dir)/\(folder)/\(run)", folder))
            }
        }
        return out
    }

    /// Nezha: the days (folders with a `fault_list.json`), in order.
    static func nezhaDays(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted().filter { FileManager.default.fileExists(atPath: "\(dir)/\($0)/fault_list.json") }
    }

    struct NezhaFault {
        /// `<day>/<HH:MM:SS>` of the fault's `inject_time`.
        let id: String
        /// `inject_time`, UTC wall-clock time on the metric files' `Time` clock.
        let timeMs: Int64
        let pod: String?
        let type: String?
    }

    /// A day's faults from its `fault_list.json` (`{hour: [faults]}`), in time order.
    static func nezhaFaults(_ dir: String, day: String) throws -> [NezhaFault] {
        let path = "\(dir)/\(day)/fault_list.json"
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: [[String: Any]]] else {
            throw ValidationError("\(path) is not {hour: [faults]}")
        }
        return try json.values.joined().map { fault in
            guard let time = fault["inject_time"] as? String, let ms = TimeParsing.timestampMs(time) else {
                throw ValidationError("\(path): a fault's inject_time is missing or not a time")
            }
            return NezhaFault(id: "\(day)/\(time.split(separator: " ").last ?? "")", timeMs: ms,
                              pod: fault["inject_pod"] as? String, type: fault["inject_type"] as? String)
        }.sorted { ($0.timeMs, $0.id) < ($1.timeMs, $1.id) }
    }
}
