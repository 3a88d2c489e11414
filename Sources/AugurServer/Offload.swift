import NIOPosix

/// Runs a request's blocking work (SQLite, model fits, RCA runs) on NIO's blocking thread pool, so that
/// it never holds one of Swift's cooperative threads: there are as many of those as cores, and on two
/// cores two long analyses would otherwise stall every request the server is answering. The pool is as
/// wide as the cores, so a burst of requests queues instead of oversubscribing them. Background services
/// (graph learning, rule evaluation, retraining) use `onOwnThread` instead, so that a long run of theirs
/// never holds a request's place in this pool.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(body)
}
