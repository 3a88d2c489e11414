import AugurCore
import AugurStore
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

/// `offload` within a query's time: past `limits.query_timeout`, or when the request's task is
/// cancelled (its client went away), the budget is cancelled so that the work stops at its next check,
/// and the caller gets a 503 problem instead of waiting.
func offload<T: Sendable>(_ budget: QueryBudget, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withTaskCancellationHandler {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await NIOThreadPool.singleton.runIfActive(body) }
            group.addTask {
                try? await Task.sleep(for: budget.remaining)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                budget.cancel()
                throw QueryError(.timeout, "the query ran past \(budget.limits.queryTimeout) (limits.query_timeout)")
            }
            return value
        }
    } onCancel: {
        budget.cancel()
    }
}
