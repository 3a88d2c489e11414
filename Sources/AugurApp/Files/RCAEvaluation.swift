import AugurCore
import AugurIngest
import AugurLogs
import AugurRCA
package import AugurStore
import Foundation

/// Root cause from the command line: suspects at a time in a store (`augur rca --at`), and the
/// evaluation on labelled fault data sets (`augur rca eval`, `augur rca score`).
package enum RCAEvaluation {
    /// The data set layouts eval and score read.
    package static let formats = ["nezha", "sockshop"]

    /// The ten top suspects at `atMs` as a table with its header, and the notes a user reads beside it
    /// (no clear cause, or the top suspect's chain; what was looked at; what the score means).
    package static func suspects(in store: Store, atMs: Int64, windowMs: Int64) throws -> (table: String, notes: [String]) {
        var analyzer = RootCauseAnalyzer()
        analyzer.afterMs = windowMs
        let analysis = try analyzer.analyse(store, atMs: atMs)
        let suspects = analysis.suspects
        var table = "rank\tservice\tscore\tevidence"
        for (k, s) in suspects.prefix(10).enumerated() {
            let top = s.evidence.first.map { "\($0.series) \($0.direction > 0 ? "up" : "down") from \(String(format: "%.4g", $0.baselineMedian)) to \(String(format: "%.4g", $0.peak))" } ?? ""
            table += "\n\(k + 1)\t\(s.service)\t\(String(format: "%.1f", s.score))\t\(top)"
        }
        var notes: [String] = []
        if !RootCauseAnalyzer.hasClearCause(suspects) {
            notes.append("no clear cause: no service's series moved beyond its baseline's noise (top score \(String(format: "%.1f", suspects.first?.score ?? 0)) < \(RootCauseAnalyzer.clearScore))")
        } else if let first = suspects.first {
            notes.append("chain: " + EvidenceChain.build(to: first.service, symptoms: [], suspects: suspects, edges: try store.edges()).summary)
        }
        notes.append("looked at: " + analysis.lookedAt)
        notes.append("score: " + RootCauseAnalyzer.scoreMeaning)
        return (table, notes)
    }

    /// Every case of the data set at `dir` through a fresh store and the analyzer: one JSON line per
    /// case (ranking, chains, what was looked at, seconds). Malformed records are skipped, counted and
    /// reported unless `strict`.
    package static func evaluate(format: String, dir: String, strict: Bool, progress: (String) -> Void) throws -> (jsonLines: String, cases: Int, skippedReport: [String]) {
        try FaultCases.requireDirectory(dir)
        var skipped = BadRecords(strict: strict)
        let cases: [Case]
        switch format {
        case "sockshop": cases = try sockshop(dir, &skipped, progress: progress)
        default: cases = try nezha(dir, strict: strict, &skipped, progress: progress)
        }
        let clock = format == "nezha" ? "inject_time as UTC, the metric files' Time column" : "first row of anomalous.csv"
        var out = ""
        for c in cases {
            let ranking = c.suspects.map { JSONText.string($0.service) }.joined(separator: ",")
            out += "{\"case\":\(JSONText.string(c.id)),\"ranking\":[\(ranking)],\"chain\":\(c.chain),\"looked_at\":\(c.lookedAt),\"seconds\":\(String(format: "%.3f", c.seconds)),\"clock\":\"\(clock)\",\"skipped_records\":\(skipped.count)}\n"
        }
        return (out, cases.count, skipped.report)
    }

    /// A case's ranking, its top suspects with their evidence chains (JSON) and the seconds RCA took.
    private typealias Case = (id: String, suspects: [RootCauseAnalyzer.Suspect], chain: String, lookedAt: String, seconds: Double)

    /// RCA at `t` on `store`, timed; `untilMs`, when known, ends the incident period (the window after `t`).
    private static func analyse(_ id: String, store: Store, atMs t: Int64, untilMs: Int64? = nil) throws -> Case {
        let started = ContinuousClock.now
        var analyzer = RootCauseAnalyzer()
        if let untilMs, untilMs > t { analyzer.afterMs = max(analyzer.afterMs, untilMs - t) }
        let analysis = try analyzer.analyse(store, atMs: t)
        let elapsed = ContinuousClock.now - started
        let suspects = analysis.suspects
        return (id, suspects, RCAJSON.suspects(suspects, chains: EvidenceChain.chains(suspects, symptoms: [], edges: try store.edges()), limit: 3),
                RCAJSON.lookedAt(analysis, analyzer: analyzer), seconds(elapsed))
    }

    /// A fresh store in a temporary directory for `body`.
    private static func withFreshStore<T>(_ body: (Store) throws -> T) throws -> T {
        let dir = NSTemporaryDirectory() + "augur-rca-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try body(try Store(path: dir + "/augur.sqlite"))
    }

    private static func sockshop(_ dir: String, _ bad: inout BadRecords, progress: (String) -> Void) throws -> [Case] {
        var out: [Case] = []
        for c in try FaultCases.sockshop(dir) {
            progress("rca eval: \(c.id)")
            try withFreshStore { store in
                let ingestor = Ingestor(store: store)
                bad.file = "\(c.path)/anomalous.csv"
                let series = try FileImporter.parse(try read("\(c.path)/anomalous.csv", "sockshop"), format: .sockshop, file: "anomalous.csv", bad: &bad)
                try ingestor.write(series)
                if let normal = try? read("\(c.path)/normal.csv", "sockshop") {
                    bad.file = "\(c.path)/normal.csv"
                    try ingestor.write(try FileImporter.parse(normal, format: .sockshop, file: "normal.csv", labels: ["period": "normal"], bad: &bad))
                }
                // The whole anomalous file is the incident period, as BARO and RCAEval read the layout:
                // the onset may lie anywhere inside it.
                guard let t = series.compactMap({ $0.samples.first?.timestampMs }).min(),
                      let end = series.compactMap({ $0.samples.last?.timestampMs }).max() else { return }
                out.append(try analyse(c.id, store: store, atMs: t, untilMs: end))
            }
        }
        return out
    }

    private static func nezha(_ dir: String, strict: Bool, _ bad: inout BadRecords, progress: (String) -> Void) throws -> [Case] {
        let fm = FileManager.default
        var out: [Case] = []
        for day in try FaultCases.nezhaDays(dir) {
            progress("rca eval: \(day): importing metrics, logs and the reference period")
            try withFreshStore { store in
                let importer = FileImporter(ingestor: Ingestor(store: store), strict: strict)
                bad.merge(try importer.importPath("\(dir)/\(day)/metric", format: .nezha) { _, _ in }.bad)
                if fm.fileExists(atPath: "\(dir)/normal/\(day)/metric") {
                    let normal = FileImporter(ingestor: Ingestor(store: store), extraLabels: ["period": "normal"], strict: strict)
                    bad.merge(try normal.importPath("\(dir)/normal/\(day)/metric", format: .nezha) { _, _ in }.bad)
                }
                let pipeline = try LogPipeline(store: store)
                for file in ((try? fm.contentsOfDirectory(atPath: "\(dir)/\(day)/log")) ?? []).sorted() where file.hasSuffix(".csv") {
                    bad.file = "\(dir)/\(day)/log/\(file)"
                    try pipeline.ingest(inBatches: try LogBodies.nezhaCSV(try read("\(dir)/\(day)/log/\(file)", "nezha"), file: file, bad: &bad))
                }
                try store.compact(force: true)
                // The call graph for the evidence chains: imported (dependency.csv's calls), else learned
                // from traces, else guessed from correlated metrics.
                let (origin, edges) = try GraphLearner.learn(store, startMs: 0, endMs: .max / 1_000_000)
                try store.replaceEdges(edges, origin: origin)
                progress("rca eval: \(day): call graph: \(edges.count) edges from \(origin)")
                for fault in try FaultCases.nezhaFaults(dir, day: day) { out.append(try analyse(fault.id, store: store, atMs: fault.timeMs)) }
            }
        }
        return out
    }

    private static func read(_ path: String, _ format: String) throws(IngestError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw IngestError(.unreadable, format: format, "cannot read \(path)") }
        return [UInt8](data)
    }
}
