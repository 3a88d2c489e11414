import AugurApp
import AugurCore
import Logging
import ServiceLifecycle

/// Decides for every workload each `scaling.interval` (the first tick replays the warm-up history).
struct RecommenderService: Service {
    let board: ScaleBoard
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await board.tick(nowMs: WallClock.nowMs())
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
