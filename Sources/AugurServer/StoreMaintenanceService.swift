import AugurCore
import AugurStore
import Logging
import ServiceLifecycle

/// Compacts the head into chunks every `compact_interval` and applies retention every ten minutes.
struct StoreMaintenanceService: Service {
    let store: Store
    let storage: AugurConfig.Storage
    let logger: Logger

    func run() async throws {
        var lastRetention = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: storage.compactInterval.duration) }
            do {
                let r = try await WorkLane.store.run { [store] in try store.compact() }
                if r.chunksWritten > 0 {
                    logger.debug("compacted head", metadata: ["augur.samples": "\(r.samplesFlushed)", "augur.chunks": "\(r.chunksWritten)"])
                }
                if ContinuousClock.now - lastRetention > .seconds(600) {
                    lastRetention = .now
                    let deleted = try await WorkLane.store.run { [store, storage] in try store.applyRetention(retentionMs: storage.retention.ms) }
                    if deleted > 0 { logger.info("retention deleted chunks", metadata: ["augur.chunks": "\(deleted)"]) }
                }
            } catch {
                logger.error("store maintenance failed", metadata: ["augur.error": "\(error)"])
            }
        }
    }
}

