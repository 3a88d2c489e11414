import AugurCommandLine
import ArgumentParser
import AugurApp
import AugurCore
import AugurIngest
import AugurLogs
import AugurRCA
import AugurStore
import Foundation

/// `augur rca …`: root-cause analysis.
struct RCA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rca", abstract: "Root-cause analysis: suspects at a time (--at), or the benchmark contract (eval, score).",
                                                    subcommands: [RCAEval.self, RCAScore.self])

    @Option(help: "When the incident started (RFC 3339, Unix time, now, now-30m); the analysis looks at the window after it.")
    var at: String?

    @Option(help: "Window after --at to look at.")
    var window = "5m"

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingFailures {
            guard let at else { throw ValidationError("--at TIME is required (or use augur rca eval)") }
            guard let t = TimeParsing.commandTimeMs(at, nowMs: WallClock.nowMs()) else { throw ValidationError("--at \(at) is not a time (\(TimeParsing.commandTimeForms))") }
            guard let w = TimeParsing.durationMs(window), w > 0 else { throw ValidationError("--window \(window) is not a duration") }
            let store = try Store(path: try options.resolve().config.storage.path, readOnly: true)
            var analyzer = RootCauseAnalyzer()
            analyzer.afterMs = w
            print("rank\tservice\tscore\tevidence")
            let analysis = try analyzer.analyse(store, atMs: t)
            let suspects = analysis.suspects
            for (k, s) in suspects.prefix(10).enumerated() {
                let top = s.evidence.first.map { "\($0.series) \($0.direction > 0 ? "up" : "down") from \(String(format: "%.4g", $0.baselineMedian)) to \(String(format: "%.4g", $0.peak))" } ?? ""
                print("\(k + 1)\t\(s.service)\t\(String(format: "%.1f", s.score))\t\(top)")
            }
            if !RootCauseAnalyzer.hasClearCause(suspects) {
                note("no clear cause: no service's series moved beyond its baseline's noise (top score \(String(format: "%.1f", suspects.first?.score ?? 0)) < \(RootCauseAnalyzer.clearScore))")
            } else if let first = suspects.first {
                note("chain: " + EvidenceChain.build(to: first.service, symptoms: [], suspects: suspects, edges: try store.edges()).summary)
            }
            note("looked at: " + analysis.lookedAt)
            note("score: " + RootCauseAnalyzer.scoreMeaning)
        }
    }
}

/// The benchmark contract: every case of a fault-injection data set through a fresh store and the analyzer.
struct RCAEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run RCA on every case of a fault-injection data set: one JSON line per case with the ranking and the evidence.",
        discussion: """
        nezha: DIR/<day>/{fault_list.json,metric/,log/} and optionally DIR/normal/<day>/metric/ (a fault-free reference);
        RCA runs at each fault's inject_time, read as UTC wall-clock time, the clock of the metric files' Time column
        (TimeStamp and inject_timestamp are not trusted). sockshop: DIR/<service>-<fault>/<run>/{normal,anomalous}.csv;
        RCA runs at the first row of anomalous.csv. Only the time is used: never the folder names or injected pods.
        """)

    @Option(help: "nezha or sockshop.")
    var format: String

    @Argument(help: "The data set's directory.")
    var dir: String

    @Option(help: "Cases as JSON lines.")
    var output: String

    @Flag(help: "All or nothing: stop at the first malformed record of the data set (by default it is skipped, counted and reported).")
    var strict = false

    func run() async throws {
        try await reportingFailures {
            try requireDirectory(dir)
            var out = ""
            let cases: [Case]
            // Malformed records of the data set: skipped, counted and reported (unless --strict).
            var skipped = BadRecords(strict: strict)
            switch format {
            case "sockshop": cases = try sockshop(&skipped)
            case "nezha": cases = try nezha(&skipped)
            default: throw ValidationError("--format must be nezha or sockshop")
            }
            for line in skipped.report { note("rca eval: " + line) }
            for (id, suspects, chain, lookedAt, seconds) in cases {
                let ranking = suspects.map { JSONText.string($0.service) }.joined(separator: ",")
                out += "{\"case\":\(JSONText.string(id)),\"ranking\":[\(ranking)],\"chain\":\(chain),\"looked_at\":\(lookedAt),\"seconds\":\(String(format: "%.3f", seconds)),\"clock\":\"\(format == "nezha" ? "inject_time as UTC, the metric files' Time column" : "first row of anomalous.csv")\",\"skipped_records\":\(skipped.count)}\n"
            }
            try Data(out.utf8).write(to: URL(fileURLWithPath: output))
            note("rca eval: \(cases.count) cases written to \(output)")
        }
    }

    /// A case's ranking, its top suspects with their evidence chains (JSON) and the seconds RCA took.
    typealias Case = (id: String, suspects: [RootCauseAnalyzer.Suspect], chain: String, lookedAt: String, seconds: Double)

    /// RCA at `t` on `store`, timed; `untilMs`, when known, ends the incident period (the window after `t`).
    func analyse(_ id: String, store: Store, atMs t: Int64, untilMs: Int64? = nil) throws -> Case {
        let started = ContinuousClock.now
        var analyzer = RootCauseAnalyzer()
        if let untilMs, untilMs > t { analyzer.afterMs = max(analyzer.afterMs, untilMs - t) }
        let analysis = try analyzer.analyse(store, atMs: t)
        let elapsed = seconds(ContinuousClock.now - started)
        let suspects = analysis.suspects
        return (id, suspects, RCAJSON.suspects(suspects, chains: EvidenceChain.chains(suspects, symptoms: [], edges: try store.edges()), limit: 3),
                RCAJSON.lookedAt(analysis, analyzer: analyzer), elapsed)
    }

    /// A fresh store in a temporary directory for `body`.
    func withFreshStore<T>(_ body: (Store) throws -> T) throws -> T {
        let dir = NSTemporaryDirectory() + "augur-rca-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try body(try Store(path: dir + "/augur.sqlite"))
    }

    func sockshop(_ bad: inout BadRecords) throws -> [Case] {
        var out: [Case] = []
        for c in try FaultCases.sockshop(dir) {
            note("rca eval: \(c.id)")
            try withFreshStore { store in
                let ingestor = Ingestor(store: store)
                bad.file = "\(c.path)/anomalous.csv"
                let series = try FileImporter.parse(try read("\(c.path)/anomalous.csv"), format: .sockshop, file: "anomalous.csv", bad: &bad)
                try ingestor.write(series)
                if let normal = try? read("\(c.path)/normal.csv") {
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

    func nezha(_ bad: inout BadRecords) throws -> [Case] {
        let fm = FileManager.default
        var out: [Case] = []
        for day in try FaultCases.nezhaDays(dir) {
            note("rca eval: \(day): importing metrics, logs and the reference period")
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
                    let records = try LogBodies.nezhaCSV(try read("\(dir)/\(day)/log/\(file)"), file: file, bad: &bad)
                    for start in stride(from: 0, to: records.count, by: 20_000) { _ = try pipeline.ingest(Array(records[start..<min(start + 20_000, records.count)])) }
                }
                try store.compact(force: true)
                // The call graph for the evidence chains: imported (dependency.csv's calls), else learned
                // from traces, else guessed from correlated metrics.
                let (origin, edges) = try GraphLearner.learn(store, startMs: 0, endMs: .max / 1_000_000)
                try store.replaceEdges(edges, origin: origin)
                note("rca eval: \(day): call graph: \(edges.count) edges from \(origin)")
                for fault in try FaultCases.nezhaFaults(dir, day: day) { out.append(try analyse(fault.id, store: store, atMs: fault.timeMs)) }
            }
        }
        return out
    }

    func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw IngestError(.unreadable, format: format, "cannot read \(path)") }
        return [UInt8](data)
    }
}

/// Refuses a data set path that is not a directory, before anything is read.
func requireDirectory(_ path: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("\(path) is not a directory")
    }
}
