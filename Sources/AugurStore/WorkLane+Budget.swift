package import AugurCore
import Synchronization

extension WorkLane {
    /// `run` within a query's time. Past `limits.query_timeout` the caller gets a 503 problem at once,
    /// and the budget is cancelled, so that work which checks it (store reads, range evaluation) stops at
    /// its next check; work that does not (an RCA run) finishes on its lane thread with nobody waiting.
    /// The race is unstructured on purpose: a task group would wait for its slowest child before answering.
    package func run<T: Sendable>(within budget: QueryBudget, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let outcome = OneShot<Result<T, any Error>>()
        let timer = Task {
            try await Task.sleep(for: budget.remaining)
            budget.cancel()
            outcome.send(.failure(QueryError(.timeout, "the query ran past \(budget.limits.queryTimeout) (limits.query_timeout)")))
        }
        Task {
            outcome.send(await run { () -> Result<T, any Error> in Result { try body() } })
            timer.cancel()
        }
        return try await withTaskCancellationHandler {
            try await outcome.value.get()
        } onCancel: {
            budget.cancel()
        }
    }
}

/// The first of several results, delivered once to one waiter.
final class OneShot<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value?, waiter: CheckedContinuation<Value, Never>?)>((nil, nil))

    func send(_ value: Value) {
        let waiter: CheckedContinuation<Value, Never>? = state.withLock { s in
            guard s.value == nil else { return nil }
            s.value = value
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: value)
    }

    var value: Value {
        get async {
            await withCheckedContinuation { (c: CheckedContinuation<Value, Never>) in
                let ready: Value? = state.withLock { s in
                    if let v = s.value { return v }
                    s.waiter = c
                    return nil
                }
                if let ready { c.resume(returning: ready) }
            }
        }
    }
}
