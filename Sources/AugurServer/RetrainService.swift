import AugurApp
import AugurCore
import AugurStore
import Logging
import ServiceLifecycle

/// Runs the retraining batch inside the server on `forecasting.schedule` (cron, UTC).
struct RetrainService: Service {
    let retrainer: Retrainer
    let schedule: CronSchedule
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            guard let next = schedule.next(after: WallClock.nowMs()) else { return }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(max(0, next - WallClock.nowMs()))) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            do {
                let report = try await retrainer.run()
                logger.info("scheduled retraining done", metadata: ["augur.report": "\(report)"])
            } catch {
                logger.error("scheduled retraining failed", metadata: ["augur.error": "\(error)"])
            }
        }
    }
}
