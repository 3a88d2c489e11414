import Foundation
import Synchronization

/// Where Augur's blocking work runs: the one rule. Swift's cooperative pool has one thread per core,
/// and a SQLite call or a model fit on it stalls every request handler and timer in the process (on two
/// cores, two fits stall all of them). So blocking work runs on a lane of threads of its own, chosen
/// by what the work is:
/// - `store`: SQLite reads and writes, and the parsing that feeds one write: short calls, many at once;
/// - `compute`: CPU-heavy analysis a request or a command asked for: RCA, forecasts, the incident desk;
/// - `background`: the background services' analysis: retraining fits, rule evaluation, graph
///   learning, scale-board ticks, which must neither take a request's place nor wait behind a burst
///   of requests.
/// Each lane is as wide as the cores, so a burst queues instead of oversubscribing them, and work on
/// one lane never waits for another's. A lane is also a `TaskExecutor`, for work that must stay on it
/// across awaits.
package final class WorkLane: TaskExecutor, Sendable {
    package static let store = WorkLane(name: "augur.store", width: ProcessInfo.processInfo.activeProcessorCount)
    package static let compute = WorkLane(name: "augur.compute", width: ProcessInfo.processInfo.activeProcessorCount)
    package static let background = WorkLane(name: "augur.background", width: ProcessInfo.processInfo.activeProcessorCount)

    private let pending = Mutex<(jobs: [(@Sendable () -> Void)?], head: Int)>(([], 0))
    private let ready = DispatchSemaphore(value: 0)

    /// A lane of `width` threads named `name.0`, `name.1`, …, which live as long as the process.
    package init(name: String, width: Int) {
        for k in 0..<max(1, width) {
            let thread = Thread { [self] in
                while true {
                    ready.wait()
                    next()()
                }
            }
            thread.name = "\(name).\(k)"
            thread.start()
        }
    }

    /// Runs `body` on one of the lane's threads and awaits its result.
    @discardableResult
    package func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { done in
            submit { done.resume(returning: Result { () throws(E) in try body() }) }
        }
        return try result.get()
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job), executor = asUnownedTaskExecutor()
        submit { job.runSynchronously(on: executor) }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        pending.withLock { $0.jobs.append(job) }
        ready.signal()
    }

    /// The oldest job waiting (one is, since the semaphore let this thread through).
    private func next() -> @Sendable () -> Void {
        pending.withLock { p in
            // Taken out of its slot, so that what it captured (a store, a request) is released once it has run.
            let job = p.jobs[p.head].take()!
            p.head += 1
            // Drop the jobs already taken once they are half the array, so that it stays small.
            if p.head * 2 >= p.jobs.count {
                p.jobs.removeFirst(p.head)
                p.head = 0
            }
            return job
        }
    }
}
