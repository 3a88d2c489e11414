import AugurApp
import AugurCore
import AugurIngest
import AugurReports
import AugurStore
import Logging
import ServiceLifecycle

/// Evaluates Augur's alert rules on the store every `incidents.rule_interval`; the first run looks
/// back `rule_backfill`, so incidents in history (the demo's) open without a manual step.
struct AlertRuleService: Service {
    let office: IncidentOffice
    let store: Store
    let config: AugurConfig.Incidents
    let metrics: ServerMetrics
    let logger: Logger
    /// Writes the recording rules' series.
    let ingestor: Ingestor
    /// What `/api/v1/rules` and `/api/v1/alerts` serve.
    let status: RuleStatus

    func run() async throws {
        var known: [String: Int64] = [:]
        var first = true
        let bands = ForecastBandCache()
        let longest = config.rules.map(\.forDuration.ms).max() ?? 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = WallClock.nowMs()
            let began = ContinuousClock.now
            let start = now - (first ? config.ruleBackfill.ms : longest + 10 * 60_000)
            do {
                let (rules, store, knownNow, step) = (config.rules, store, known, config.ruleInterval.ms)
                let alerts = try await WorkLane.background.run {
                    try RuleEvaluator.alerts(rules: rules, store: store, startMs: start, endMs: now, stepMs: step, known: knownNow, bands: bands)
                }
                if !config.recordingRules.isEmpty {
                    let recordings = config.recordingRules
                    try await WorkLane.store.run { [ingestor] in
                        _ = try ingestor.write(try RuleEvaluator.recordings(recordings, store: store, atMs: now))
                    }
                }
                for (_, alert) in alerts {
                    if alert.firing { known[alert.fingerprint] = alert.startsMs } else { known[alert.fingerprint] = nil }
                }
                let took = seconds(ContinuousClock.now - began)
                status.update { s in
                    for (_, alert) in alerts { s.active[alert.fingerprint] = alert.firing ? alert : nil }
                    s.lastEvaluationMs = now
                    s.seconds = took
                    s.error = nil
                }
                if !alerts.isEmpty {
                    let outcome = try await office.receive(AlertmanagerPayload(groupKey: "augur-rules", alerts: alerts.map(\.alert), source: "rule"))
                    if !outcome.opened.isEmpty || !outcome.joined.isEmpty {
                        logger.info("alert rules opened incidents", metadata: ["augur.opened": "\(outcome.opened)", "augur.joined": "\(outcome.joined)"])
                    }
                }
                if first {
                    logger.info("alert rules evaluated over the backfill", metadata: ["augur.rules": "\(config.rules.count)", "augur.alerts": "\(alerts.count)", "augur.seconds": "\((ContinuousClock.now - began).components.seconds)"])
                }
                first = false
                metrics.observeRuleEvaluation(ok: true)
            } catch {
                metrics.observeRuleEvaluation(ok: false)
                status.update { $0.error = "\(error)" }
                logger.error("alert rule evaluation failed", metadata: ["augur.error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: config.ruleInterval.duration) }
        }
    }
}
