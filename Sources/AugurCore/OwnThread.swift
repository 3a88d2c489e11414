import Dispatch

/// Runs long CPU-bound work (a batch of model fits, a training run) on a thread of its own and awaits it.
/// Swift's cooperative pool has one thread per core: work that holds them (two fits on two cores) stalls
/// every request handler and timer in the process until it ends. A private serial queue draws from
/// dispatch's overcommitting threads instead, so the work competes for the cores but blocks nobody.
package func onOwnThread<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { done in
        DispatchQueue(label: "augur.own-thread").async { done.resume(returning: Result { () throws(E) in try body() }) }
    }
    return try result.get()
}
