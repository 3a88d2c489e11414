package import AugurCore
import Foundation

/// The fault cases of a data set's layout, named the same way for `rca eval` and `rca score`.
package enum FaultCases {
    /// Refuses a data set path that is not a directory, before anything is read.
    package static func requireDirectory(_ path: String) throws(DataSetError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataSetError(.notADirectory, "\(path) is not a directory")
        }
    }

    /// Sock Shop: each `<service>-<fault>/<run>` folder that holds `anomalous.csv`, in order.
    package static func sockshop(_ dir: String) throws(DataSetError) -> [(id: String, path: String, folder: String)] {
        let fm = FileManager.default
        var out: [(String, String, String)] = []
        for folder in try folders(dir) {
            guard let runs = try? fm.contentsOfDirectory(atPath: "\(dir)/\(folder)") else { continue }
            for run in runs.sorted() where fm.fileExists(atPath: "\(dir)/\(folder)/\(run)/anomalous.csv") {
                out.append(("\(folder)/\(run)", "\(dir)/\(folder)/\(run)", folder))
            }
        }
        return out
    }

    /// Nezha: the days (folders with a `fault_list.json`), in order.
    package static func nezhaDays(_ dir: String) throws(DataSetError) -> [String] {
        try folders(dir).filter { FileManager.default.fileExists(atPath: "\(dir)/\($0)/fault_list.json") }
    }

    package struct NezhaFault {
        /// `<day>/<HH:MM:SS>` of the fault's `inject_time`.
        package let id: String
        /// `inject_time`, UTC wall-clock time on the metric files' `Time` clock.
        package let timeMs: Int64
        package let pod: String?
        package let type: String?
    }

    /// A day's faults from its `fault_list.json` (`{hour: [faults]}`), in time order.
    package static func nezhaFaults(_ dir: String, day: String) throws(DataSetError) -> [NezhaFault] {
        let path = "\(dir)/\(day)/fault_list.json"
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: [[String: Any]]] else {
            throw DataSetError(.malformed, "\(path) is not {hour: [faults]}")
        }
        return try json.values.joined().map { (fault) throws(DataSetError) in
            guard let time = fault["inject_time"] as? String, let ms = TimeParsing.timestampMs(time) else {
                throw DataSetError(.malformed, "\(path): a fault's inject_time is missing or not a time")
            }
            return NezhaFault(id: "\(day)/\(time.split(separator: " ").last ?? "")", timeMs: ms,
                              pod: fault["inject_pod"] as? String, type: fault["inject_type"] as? String)
        }.sorted { ($0.timeMs, $0.id) < ($1.timeMs, $1.id) }
    }

    /// The entries of `dir`, in order.
    private static func folders(_ dir: String) throws(DataSetError) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { throw DataSetError(.unreadable, "cannot read the directory \(dir)") }
        return names.sorted()
    }
}
