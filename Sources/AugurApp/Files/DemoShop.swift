package import AugurCore
import AugurDemo
import AugurIngest
package import AugurStore
import Foundation

/// The seeded demo shop: its data written as files (`augur demo generate`) or loaded into a store
/// (`augur serve --demo`), and the two workloads it scales.
package enum DemoShop {
    /// What a generation or a load produced.
    package struct Summary: Sendable {
        package let series, samples, logLines, edges, scenarios: Int
    }

    /// The front door and checkout, capacity derived from their ready pods.
    package static var workloads: [AugurConfig.Workload] {
        ["frontend", "checkout"].map { service in
            var w = AugurConfig.Workload(namespace: "shop", name: service, load: "http_requests_per_second{namespace=\"shop\",service=\"\(service)\"}")
            w.readyPods = "kube_pod_ready{namespace=\"shop\",service=\"\(service)\"}"
            w.minReplicas = 2
            w.maxReplicas = 30
            return w
        }
    }

    /// Simulates `days` up to `endMs` and writes metrics.jsonl, logs.jsonl, dependency.csv and scenarios.json.
    package static func write(to directory: String, seed: UInt64, endMs: Int64, days: Int) throws -> Summary {
        let data = DemoSystem(seed: seed, endMs: endMs, days: days).generate()
        try data.write(to: URL(fileURLWithPath: directory))
        return summary(data, samples: data.series.reduce(0) { $0 + $1.samples.count })
    }

    /// Simulates the demo system up to `endMs` and writes its series, call graph and logs (mined into
    /// templates) to the store.
    package static func load(into store: Store, endMs: Int64) throws -> Summary {
        let data = DemoSystem(endMs: endMs).generate()
        let samples = try Ingestor(store: store).write(data.series)
        try store.replaceEdges(data.edges, origin: "demo")
        let records = data.logs.map { l in
            LogRecord(timestampNs: l.ts * 1_000_000, labels: Labels([("service", l.service), ("pod", l.pod), ("level", l.level)]), line: l.line)
        }
        _ = try LogPipeline(store: store).ingest(records)
        try store.compact(force: true)
        return summary(data, samples: samples)
    }

    private static func summary(_ data: DemoData, samples: Int) -> Summary {
        Summary(series: data.series.count, samples: samples, logLines: data.logs.count, edges: data.edges.count, scenarios: data.scenarios.count)
    }
}
