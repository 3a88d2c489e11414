import AugurCore
package import Foundation

extension DemoData {
    /// Writes `metrics.jsonl` (JSON lines, `augur import --format json`), `logs.jsonl`
    /// (`{"ts","labels","line"}` lines), `dependency.csv` and `scenarios.json` into `directory`.
    package func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var metrics = ""
        for s in series {
            let labels = s.labels.pairs.map { "\(JSONText.string($0.name)):\(JSONText.string($0.value))" }.joined(separator: ",")
            let values = s.samples.map { $0.value.isFinite ? String($0.value) : JSONText.string(String($0.value)) }.joined(separator: ",")
            let stamps = s.samples.map { String($0.timestampMs) }.joined(separator: ",")
            metrics += "{\"metric\":{\(labels)},\"values\":[\(values)],\"timestamps\":[\(stamps)]}\n"
        }
        try metrics.write(to: directory.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        var lines = ""
        for l in logs {
            lines += "{\"ts\":\(JSONText.string(TimeParsing.rfc3339(l.ts))),\"labels\":{\"service\":\(JSONText.string(l.service)),\"pod\":\(JSONText.string(l.pod)),\"level\":\(JSONText.string(l.level))},\"line\":\(JSONText.string(l.line))}\n"
        }
        try lines.write(to: directory.appendingPathComponent("logs.jsonl"), atomically: true, encoding: .utf8)
        let deps = "Source,Target,Weight\n" + edges.map { "\($0.source),\($0.target),\($0.weight)" }.joined(separator: "\n") + "\n"
        try deps.write(to: directory.appendingPathComponent("dependency.csv"), atomically: true, encoding: .utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(scenarios).write(to: directory.appendingPathComponent("scenarios.json"))
    }
}
