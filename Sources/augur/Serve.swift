import AugurCommandLine
import ArgumentParser
import AugurApp
import AugurCore
import AugurDemo
import AugurLogs
import AugurIngest
import AugurServer
import AugurStore
import Foundation
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP service and its background jobs.")

    @OptionGroup var options: StoreOptions

    @Option(help: "Listen address HOST:PORT (default 127.0.0.1:8080).")
    var listen: String?

    @Flag(help: "Load the demo system's data first when the store is empty.")
    var demo = false

    func run() async throws {
        try await reportingFailures {
            let resolved = try options.resolve(listen: listen)
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            let logger = resolved.logger()
            var config = resolved.config
            if demo && config.workloads.isEmpty {
                config.workloads = DemoLoader.workloads
                if config.scaling.grpcListen.isEmpty { config.scaling.grpcListen = "127.0.0.1:50051" }
                logger.info("demo workloads added", metadata: ["augur.workloads": "shop/frontend, shop/checkout", "augur.grpc_listen": "\(config.scaling.grpcListen)"])
            }
            let store = try Store(path: config.storage.path)
            if demo && store.stats().series == 0 {
                logger.info("loading demo data", metadata: ["augur.db": "\(config.storage.path)"])
                let summary = try DemoLoader.load(into: store, endMs: WallClock.nowMs())
                logger.info("demo data loaded", metadata: ["augur.series": "\(summary.series)", "augur.samples": "\(summary.samples)"])
            }
            let listen = config.server.listen
            try await AugurApplication.run(config: config, store: store, logger: logger) { port in
                logger.info("augur listening", metadata: ["augur.listen": "\(listen)", "augur.port": "\(port)"])
            }
            try store.compact()
        }
    }
}

enum DemoLoader {
    /// The demo system's front door and checkout, capacity derived from their ready pods.
    static var workloads: [AugurConfig.Workload] {
        ["frontend", "checkout"].map { service in
            var w = AugurConfig.Workload(namespace: "shop", name: service, load: "http_requests_per_second{namespace=\"shop\",service=\"\(service)\"}")
            w.readyPods = "kube_pod_ready{namespace=\"shop\",service=\"\(service)\"}"
            w.minReplicas = 2
            w.maxReplicas = 30
            return w
        }
    }

    /// Simulates the demo system up to `endMs` and writes its series, call graph and logs (mined into
    /// templates) to the store.
    static func load(into store: Store, endMs: Int64) throws -> ImportSummary {
        let data = DemoSystem(endMs: endMs).generate()
        let ingestor = Ingestor(store: store)
        var summary = ImportSummary()
        summary.samples = try ingestor.write(data.series)
        summary.series = data.series.count
        try store.replaceEdges(data.edges, origin: "demo")
        summary.edges = data.edges.count
        let records = data.logs.map { l in
            LogRecord(timestampNs: l.ts * 1_000_000, labels: Labels([("service", l.service), ("pod", l.pod), ("level", l.level)]), line: l.line)
        }
        _ = try LogPipeline(store: store).ingest(records)
        try store.compact(force: true)
        return summary
    }
}
