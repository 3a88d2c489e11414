import AugurApp
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
            let configured = graph.calls.map { GraphEdge(source: $0.from, target: $0.to, origin: "config") }
            try await WorkLane.store.run { [store] in try store.replaceEdges(configured, origin: "config") }
        } catch {
            logger.error("configured call graph not stored", metadata: ["augur.error": "\(error)"])
        }
        var known: [String: [GraphEdge]] = [:]
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let store = self.store
                let fresh = try await WorkLane.background.run { () throws -> [String: [GraphEdge]] in
                    // Edges given otherwise (configuration, an imported dependency.csv, the demo) come first:
                    // then only the metric labels' calls are added.
                    guard try !store.edges().contains(where: { !Self.learnedOrigins.contains($0.origin) }) else {
                        return ["metrics": GraphLearner.fromMetricLabels(store)]
                    }
                    let now = WallClock.nowMs()
                    let (origin, edges) = try GraphLearner.learn(store, startMs: now - 6 * 3_600_000, endMs: now)
                    return [origin: edges]
                }
                for origin in Self.learnedOrigins.sorted() where fresh[origin, default: []] != known[origin, default: []] {
                    let edges = fresh[origin, default: []]
                    try await WorkLane.store.run { try store.replaceEdges(edges, origin: origin) }
                    if !edges.isEmpty { logger.info("call graph learned", metadata: ["augur.origin": "\(origin)", "augur.edges": "\(edges.count)"]) }
                    known[origin] = edges
                }
            } catch {
                logger.error("call graph learning failed", metadata: ["augur.error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(300)) }
        }
    }
}
