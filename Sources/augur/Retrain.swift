import AugurCommandLine
import ArgumentParser
import AugurCore
import AugurApp
import AugurStore
import Foundation

struct Retrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit and save a model for every series forecasting.selectors match (the nightly batch job).",
        discussion: "Resumable: series whose saved model already covers their newest sample are skipped unless --force. --shard i/n takes every n-th series from the i-th (0-based), for n Kubernetes Indexed Job pods.")

    @OptionGroup var options: StoreOptions

    @Option(help: "This worker's part, i/n with 0 ≤ i < n.")
    var shard = "0/1"

    @Option(parsing: .singleValue, help: "A series selector (repeatable); replaces forecasting.selectors.")
    var selector: [String] = []

    @Option(help: "Directory for model files; default forecasting.models_dir.")
    var models: String?

    @Flag(help: "Retrain series whose model is already current.")
    var force = false

    func run() async throws {
        try await reportingFailures {
            let parts = shard.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] >= 1, (0..<parts[1]).contains(parts[0]) else { throw ValidationError("--shard must be i/n with 0 ≤ i < n, got \(shard)") }
            let resolved = try options.resolve()
            var forecasting = resolved.config.forecasting
            if !selector.isEmpty { forecasting.selectors = selector }
            if let models { forecasting.modelsDir = models }
            _ = try { var c = resolved.config; c.forecasting = forecasting; return try c.validated() }()
            guard !forecasting.selectors.isEmpty else { throw ValidationError("no series to train: set forecasting.selectors in the config or pass --selector") }
            let store = try Store(path: resolved.config.storage.path)
            let started = ContinuousClock.now
            let retrainer = Retrainer(store: store, config: forecasting, logger: resolved.logger())
            let report = try await retrainer.run(shard: (parts[0], parts[1]), force: force) { done, total in
                let every = max(1, total / 20)
                guard done % every == 0 || done == total else { return }
                let elapsed = seconds(ContinuousClock.now - started)
                let bar = String(repeating: "#", count: done * 30 / max(total, 1)).padding(toLength: 30, withPad: ".", startingAt: 0)
                note(String(format: "retrain [%@] %d/%d series, %.0f s elapsed, ETA %.0f s", bar, done, total, elapsed, elapsed / Double(done) * Double(total - done)))
            }
            print("retrain shard \(shard): \(report) in \(String(format: "%.1f", seconds(ContinuousClock.now - started))) s; models in \(forecasting.modelsDir)")
            if report.failed > 0 && report.trained == 0 { throw ExitCode(1) }
        }
    }
}
