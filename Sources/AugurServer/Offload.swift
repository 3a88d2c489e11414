import NIOPosix

/// Runs blocking work (SQLite, model fits, RCA runs) on NIO's blocking thread pool, so that it never
/// holds one of Swift's cooperative threads: there are as many of those as cores, and on two cores two
/// long analyses would otherwise stall every request the server is answering.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(body)
}
