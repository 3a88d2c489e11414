import AugurApp
import AugurCommandLine
import ArgumentParser
import AugurCore
import AugurIngest
import AugurScaling
import Dispatch
import Foundation

/// `augur-bench scale`: the autoscaling targets on NAB CloudWatch and M4 Hourly traces.
struct ScaleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Recommender vs the simulated reactive HPA and seasonal naive on many traces: bad minutes, pod-hours, decision latency.",
        discussion: """
        Capacity per trace: the median load needs 10 pods at the target (as the benchmark contract: median / 7 at 0.7).
        M4 series have no dates: hourly samples from 2000-01-03 (a Monday). Traces whose median load is 0 are skipped.
        """)

    @Option(help: "Folder of NAB timestamp,value CSV traces ('none' to skip).")
    var nab = "../shared/data/nab/realAWSCloudwatch"

    @Option(help: "M4 Hourly training file ('none' to skip).")
    var m4 = "../shared/data/m4/Hourly-train.csv"

    @Option(help: "M4 series to use (the first N).")
    var m4Limit = 100

    @Option(help: "Budgets to compare (pod-hours relative to the simulated HPA), comma-separated.")
    var budgets = "1.0,1.05,1.1,1.25,1.5"

    @Option(help: "Fixed quantiles to compare (no budget), comma-separated; empty for none.")
    var quantiles = ""

    @Option(help: "Target utilisation.")
    var target = 0.7

    @Option(help: "Pod start-up time.")
    var startup = "3m"

    func run() async throws {
        try await reportingFailures {
            var groups: [(String, [(String, LoadTrace)])] = []
            if nab != "none" {
                let files = try FileManager.default.contentsOfDirectory(atPath: nab).filter { $0.hasSuffix(".csv") }.sorted()
                groups.append(("NAB CloudWatch", try files.map { ($0, try loadTrace(nab + "/" + $0)) }))
            }
            if m4 != "none" {
                guard let data = FileManager.default.contents(atPath: m4) else { throw ValidationError("cannot read \(m4) (pass --m4)") }
                let series = try FileImporter.parse([UInt8](data), format: .m4, file: m4).prefix(m4Limit)
                let epoch = 946_857_600.0  // 2000-01-03T00:00:00Z
                groups.append(("M4 Hourly", series.map { s in
                    (s.labels.name ?? "", LoadTrace(times: s.samples.indices.map { epoch + 3600 * Double($0) }, values: s.samples.map(\.value)))
                }))
            }
            guard let startupMs = TimeParsing.durationMs(startup) else { throw ValidationError("--startup \(startup) is not a duration") }
            var settings: [Setting] = []
            for b in budgets.split(separator: ",") {
                guard let budget = ScaleBudget(parsing: String(b)) else { throw ValidationError("--budgets: \(b) is not \(ScaleBudget.expected)") }
                settings.append(.budget(budget))
            }
            for q in quantiles.split(separator: ",") {
                guard let q = Double(q), q > 0, q < 1 else { throw ValidationError("--quantiles: \(q) is not in (0, 1)") }
                settings.append(.fixed(q))
            }
            print("augur-bench scale — target \(target), start-up \(startup), decisions every 5 min, \(ProcessInfo.processInfo.activeProcessorCount) cores")
            print("group\tsetting\ttraces\tbad min HPA\tbad min augur\tfewer\tpod-h augur/HPA (total)\tmax per trace\twhere the HPA had none: traces, pod-h/HPA\tsnaive-day bad, pod-h/HPA\tlatency p50 ms\tp99 ms")
            for (name, traces) in groups {
                for setting in settings {
                    let rows = evaluate(traces, setting: setting, startupSeconds: Double(startupMs) / 1000)
                    guard !rows.isEmpty else { continue }
                    func total(_ k: Int, _ rows: [Row] = rows) -> Int { rows.reduce(0) { $0 + $1.bad[k] } }
                    func hours(_ k: Int, _ rows: [Row] = rows) -> Double { rows.reduce(0) { $0 + $1.hours[k] } }
                    let lat = rows.flatMap(\.latency).sorted()
                    let calm = rows.filter { $0.bad[0] == 0 }
                    print(String(format: "%@\t%@\t%d\t%d\t%d\t%@\t%.3f\t%.3f\t%d, %.3f\t%d, %.3f\t%.3f\t%.3f", name, setting.name, rows.count, total(0), total(1),
                                 total(0) > 0 ? String(format: "%.1f%%", 100 * (1 - Double(total(1)) / Double(total(0)))) : "n/a", hours(1) / hours(0),
                                 rows.map { $0.hours[1] / $0.hours[0] }.max() ?? 0, calm.count, calm.isEmpty ? 1 : hours(1, calm) / hours(0, calm),
                                 total(2), hours(2) / hours(0), 1000 * lat[lat.count / 2], 1000 * lat[lat.count * 99 / 100]))
                }
            }
        }
    }

    enum Setting {
        case budget(ScaleBudget), fixed(Double)
        var name: String {
            switch self {
            case .budget(let b): if case .relative(let r) = b { String(format: "budget %.2f", r) } else { "budget \(b)" }
            case .fixed(let q): String(format: "fixed q%.2f", q)
            }
        }
    }

    struct Row: Sendable {
        /// hpa, augur+hpa, snaive-day+hpa.
        var bad: [Int], hours: [Double], latency: [Double]
    }

    final class Rows: @unchecked Sendable {
        var rows: [Row?]
        let lock = NSLock()
        init(_ n: Int) { rows = Array(repeating: nil, count: n) }
    }

    func evaluate(_ traces: [(String, LoadTrace)], setting: Setting, startupSeconds: Double) -> [Row] {
        let out = Rows(traces.count)
        let target = self.target
        DispatchQueue.concurrentPerform(iterations: traces.count) { i in
            let trace = traces[i].1
            let median = trace.values.sorted()[trace.values.count / 2]
            guard median > 0 else { return }
            var policy = ScalePolicy(capacity: median / (10 * target))
            policy.target = target
            policy.startupSeconds = startupSeconds
            switch setting {
            case .budget(let b): policy.budget = b
            case .fixed(let q): policy.quantile = q; policy.budget = nil
            }
            let result = ScaleBacktest.replay(trace, policy: policy)
            let sim = HPASimulation(policy: policy, trace: trace)
            let runs = [sim.run(trace), sim.run(trace, recommendations: result.decisions.map { ($0.time, $0.replicas) }),
                        sim.run(trace, recommendations: HPASimulation.seasonalNaive(trace, policy: policy, seasonSeconds: 86_400))]
            let row = Row(bad: runs.map(\.badMinutes), hours: runs.map(\.podHours), latency: result.decisionSeconds)
            out.lock.lock()
            out.rows[i] = row
            out.lock.unlock()
        }
        return out.rows.compactMap { $0 }
    }
}
