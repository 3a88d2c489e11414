import Synchronization

/// What one query may still take: series, samples (loaded and answered, as Prometheus'
/// `query.max-samples` counts them) and time. The store and the evaluators check it as they go, so
/// that a query past its timeout, or whose client went away (`cancel()`), stops within one series
/// instead of holding a thread for minutes.
package final class QueryBudget: Sendable {
    package let limits: AugurConfig.Limits
    let deadline: ContinuousClock.Instant
    private let samples = Atomic<Int>(0)
    private let cancelled = Atomic<Bool>(false)

    package init(_ limits: AugurConfig.Limits) {
        self.limits = limits
        deadline = .now + limits.queryTimeout.duration
    }

    /// Time left before the timeout.
    package var remaining: Duration { max(.zero, deadline - .now) }

    package func cancel() { cancelled.store(true, ordering: .relaxed) }

    package func take(series n: Int) throws(QueryError) {
        guard n <= limits.maxSeriesPerQuery else {
            throw QueryError(.tooManySeries, "\(n) series; at most \(limits.maxSeriesPerQuery) per query (limits.max_series_per_query): narrow the selector")
        }
    }

    package func take(samples n: Int) throws(QueryError) {
        let total = samples.add(n, ordering: .relaxed).newValue
        guard total <= limits.maxSamplesPerQuery else {
            throw QueryError(.tooManySamples, "the query would load or return more than \(limits.maxSamplesPerQuery) samples (limits.max_samples_per_query): narrow the range or the selector, or raise the step")
        }
        try check()
    }

    /// Throws once the query is past its timeout or cancelled.
    package func check() throws(QueryError) {
        if cancelled.load(ordering: .relaxed) { throw QueryError(.cancelled, "the query was cancelled") }
        if ContinuousClock.now > deadline { throw QueryError(.timeout, "the query ran past \(limits.queryTimeout) (limits.query_timeout)") }
    }
}
