package import AugurCore
import AugurNumerics
import AugurForecast
package import AugurStore
import Foundation
package import Logging

/// The nightly batch: fits a model for every series the configured selectors match, saves it under
/// `models_dir` and registers it. Series whose model already covers their newest sample are skipped,
/// so an interrupted run resumes where it stopped; `shard` splits the series between workers.
package struct Retrainer: Sendable {
    package let store: Store
    package let config: AugurConfig.Forecasting
    package let logger: Logger

    package init(store: Store, config: AugurConfig.Forecasting, logger: Logger) {
        self.store = store
        self.config = config
        self.logger = logger
    }

    package struct Report: Sendable, CustomStringConvertible {
        package var matched = 0
        package var trained = 0
        package var skipped = 0
        package var untrusted = 0
        package var failed = 0

        package var description: String {
            "\(matched) series in this shard: \(trained) trained (\(untrusted) untrusted), \(skipped) already current, \(failed) failed"
        }
    }

    /// Retrains shard `shard.index` of `shard.count` (0-based).
    /// Store reads and model saves (each model the moment it is fitted) run on the store lane, which
    /// the task prefers; the fits run on the background lane.
    package func run(shard: (index: Int, count: Int) = (0, 1), force: Bool = false, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Report {
        try await withTaskExecutorPreference(WorkLane.store) { try await retrain(shard: shard, force: force, progress: progress) }
    }

    private func retrain(shard: (index: Int, count: Int), force: Bool, progress: @escaping @Sendable (Int, Int) -> Void) async throws -> Report {
        let selectors = try config.selectors.map { (t) throws(QueryError) in try Selector(parsing: t) }
        var report = Report()
        guard !selectors.isEmpty else { return report }
        let all = store.series(matching: selectors).enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element)
        report.matched = all.count
        let registered = Dictionary(try store.registeredModels().map { ($0.series, $0) }) { a, _ in a }
        // Each series' recent history, regularised; grouped by step so each group shares a horizon.
        var groups: [Int64: [(Labels, Regularize.Regular)]] = [:]
        for labels in all {
            let exact = try Selector(parsing: labels.description)
            guard let series = try store.select(exact, startMs: .min, endMs: .max).first, let newest = series.samples.last?.timestampMs else { continue }
            if !force, let model = registered[labels], model.trainedToMs >= newest {
                report.skipped += 1
                continue
            }
            let recent = Series(labels: labels, samples: series.samples.filter { $0.timestampMs > newest - config.history.ms })
            let r = try Regularize.forForecasting(recent, stepMs: config.step.ms > 0 ? config.step.ms : nil)
            groups[r.stepMs, default: []].append((labels, r))
        }
        // Excluded windows (incidents, failovers) and detected incidents are cut from the training data.
        let exclusions = try ForecastPreparation.calendar(configured: config.events, store: store).map(\.event).filter { $0.kind == .exclude }
        let preparation = ForecastPreparation(events: exclusions, detectIncidents: config.detectIncidents)
        let total = groups.values.reduce(0) { $0 + $1.count }
        var done = 0
        for (stepMs, members) in groups.sorted(by: { $0.key < $1.key }) {
            let horizon = max(1, Int((config.horizon.ms + stepMs - 1) / stepMs))
            let inputs = members.map { preparation.prepare($0.1).input }
            let offset = done
            let batch = BatchForecast(horizon: horizon, model: nil, levels: config.levels.map { $0 / 100 }, lane: .background)
            _ = await batch.run(inputs, progress: { d, _ in progress(offset + d, total) }) { i, outcome in
                let (labels, r) = members[i]
                switch outcome {
                case .success(let result):
                    let saved = SavedModel(series: labels.dictionary, result: result, stepMs: stepMs, trainedFromMs: r.startMs, trainedToMs: r.endMs,
                                           horizon: horizon, trustThreshold: config.trustMase, createdMs: WallClock.nowMs())
                    do {
                        let path = try saved.save(in: config.modelsDir)
                        let scores = saved.backtestMASE.sorted { $0.key < $1.key }.map { "\(JSONText.string($0.key)):\($0.value)" }.joined(separator: ",")
                        try store.register(RegisteredModel(series: labels, kind: saved.kind.rawValue, path: path, period: saved.period, stepMs: stepMs,
                                                           trainedFromMs: r.startMs, trainedToMs: r.endMs, backtest: "{\(scores)}",
                                                           trusted: saved.trusted, createdMs: saved.createdMs))
                        report.trained += 1
                        if !saved.trusted { report.untrusted += 1 }
                    } catch {
                        report.failed += 1
                        logger.error("saving a model failed", metadata: ["augur.series": "\(labels)", "augur.error": "\(error)"])
                    }
                case .failure(let error):
                    report.failed += 1
                    logger.warning("series not trained", metadata: ["augur.series": "\(labels)", "augur.error": "\(error)"])
                }
            }
            done += members.count
        }
        return report
    }
}
