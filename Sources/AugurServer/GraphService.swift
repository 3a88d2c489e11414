import AugurCore
import AugurRCA
import AugurStore
import Logging
import ServiceLifecycle

/// Keeps the call graph's configured and learned edges current: the configuration's `graph.calls`
/// once at start (origin `config`), and the calls that metric labels show every five minutes
/// (origin `metrics`), since new services appear as their series arrive. When neither these nor
/// edges stored otherwise (an imported `dependency.csv`) give an edge,
/// the graph is learned from the last six hours of logs that carry trace ids (origin `traces`), and
/// failing those too, from how the services' metrics moved together over those hours (`correlation`).
struct GraphService: Service {
    let store: Store
    let graph: AugurConfig.Graph
    let logger: Logger

    /// The origins of the edges this service learns (and replaces).
    static let learnedOrigins: Set<String> = ["metrics", "traces", "correlation"]

    func run() async throws {
        do {
            try store.replaceEdges(graph.calls.map { GraphEdge(source: $0.from, target: $0.to, origin: "config") }, origin: "config")
        } catch {
            logger.error("configured call graph not stored", metadata: ["augur.error": "\(error)"])
        }
        var known: [GraphEdge] = [], knownFromTraces: [GraphEdge] = [], knownFromCorrelation: [GraphEdge] = []
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let store = self.store
                let (learned, fromTraces, fromCorrelation) = try await offload { () throws -> ([GraphEdge], [GraphEdge], [GraphEdge]) in
                    let learned = GraphLearner.fromMetricLabels(store)
                    // Edges given otherwise (configuration, an imported dependency.csv, the demo) come first too.
                    let given = try store.edges().contains { !Self.learnedOrigins.contains($0.origin) }
                    guard learned.isEmpty && !given else { return (learned, [], []) }
                    let now = WallClock.nowMs(), start = now - 6 * 3_600_000
                    let fromTraces = try GraphLearner.fromTraces(store, startMs: start, endMs: now)
                    guard fromTraces.isEmpty else { return (learned, fromTraces, []) }
                    return (learned, [], try GraphLearner.fromCorrelation(store, startMs: start, endMs: now))
                }
                if learned != known {
                    try store.replaceEdges(learned, origin: "metrics")
                    if !learned.isEmpty { logger.info("call graph learned from metric labels", metadata: ["augur.edges": "\(learned.count)"]) }
                    known = learned
                }
                if fromTraces != knownFromTraces {
                    try store.replaceEdges(fromTraces, origin: "traces")
                    if !fromTraces.isEmpty { logger.info("call graph learned from traces in logs", metadata: ["augur.edges": "\(fromTraces.count)"]) }
                    knownFromTraces = fromTraces
                }
                if fromCorrelation != knownFromCorrelation {
                    try store.replaceEdges(fromCorrelation, origin: "correlation")
                    if !fromCorrelation.isEmpty { logger.info("call graph guessed from correlated metrics", metadata: ["augur.edges": "\(fromCorrelation.count)"]) }
                    knownFromCorrelation = fromCorrelation
                }
            } catch {
                logger.error("call graph learning failed", metadata: ["augur.error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(300)) }
        }
    }
}
