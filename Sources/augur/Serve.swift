import AugurCommandLine
import ArgumentParser
import AugurApp
import AugurCore
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
                config.workloads = DemoShop.workloads
                if config.scaling.grpcListen.isEmpty { config.scaling.grpcListen = "127.0.0.1:50051" }
                logger.info("demo workloads added", metadata: ["augur.workloads": "shop/frontend, shop/checkout", "augur.grpc_listen": "\(config.scaling.grpcListen)"])
            }
            let store = try Store(path: config.storage.path)
            if demo && store.stats().series == 0 {
                logger.info("loading demo data", metadata: ["augur.db": "\(config.storage.path)"])
                let summary = try DemoShop.load(into: store, endMs: WallClock.nowMs())
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
