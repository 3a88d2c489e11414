import ArgumentParser
import AugurCore
import Logging

@main
struct Augur: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augur",
        abstract: "AIOps analysis: ingest metrics, forecast load, recommend replicas, explain incidents.",
        version: AugurVersion.current,
        subcommands: [Serve.self, Import.self, Query.self, Forecast.self, Retrain.self, Migrate.self, Demo.self, Logs.self, RCA.self, Scale.self, Incident.self]
    )
}

/// Options every store-touching command shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file (see server/augur.yaml).")
    var config: String?

    @Option(name: .long, help: "SQLite database file (default: storage.path, data/augur.sqlite).")
    var db: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    /// Defaults < YAML < AUGUR_* environment < flags, validated once.
    func resolve(listen: String? = nil) throws -> AugurConfigResolved {
        var config = try ConfigLoader.load(file: config)
        if let db { config.storage.path = db }
        if let listen { config.server.listen = listen }
        let level = logLevel ?? ProcessEnvironment.get("AUGUR_LOG_LEVEL") ?? "info"
        guard let parsed = Logger.Level(rawValue: level) else { throw ValidationError("unknown log level \(level)") }
        return AugurConfigResolved(config: try config.validated(), logLevel: parsed)
    }
}
