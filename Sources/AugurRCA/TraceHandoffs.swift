package import AugurCore

/// Where a trace's time goes between services, read from logs that carry trace ids: within one trace,
/// ordered by time, the gap from a line of one service to the next line of another is time spent on
/// the wire and in the next service before it logs. A network delay on a service (netem on its pod
/// delays everything it sends: its responses and its own calls) shows as longer gaps after its lines,
/// while its own metrics may not move at all (TrainTicket: contacts' hand-offs go from ~3 ms to ~1 s
/// under a 1 s delay; its pod's CPU, traffic and server latency stay put).
package enum TraceHandoffs {
    /// The series name hand-off evidence is reported under.
    package static let metric = "augur_trace_handoff_seconds"

    /// A hand-off: a trace moving on from a line of `from` to the next line, of `to`.
    package struct Edge: Hashable, Sendable {
        package let from: String, to: String
    }

    /// Per pair of services, the gaps where a trace moves on from a line of one to the next line, of
    /// the other: each a sample at the time of the first line, in seconds.
    package static func gaps(_ lines: some Sequence<(traceId: String, timestampNs: Int64, service: String)>) -> [Edge: [Sample]] {
        var traces: [String: [(Int64, String)]] = [:]
        for l in lines { traces[l.traceId, default: []].append((l.timestampNs, l.service)) }
        var out: [Edge: [Sample]] = [:]
        for (_, steps) in traces where steps.count >= 2 {
            let ordered = steps.sorted { $0.0 < $1.0 }
            for (a, b) in zip(ordered, ordered.dropFirst()) where a.1 != b.1 {
                out[Edge(from: a.1, to: b.1), default: []].append(Sample(a.0 / 1_000_000, Double(b.0 - a.0) / 1e9))
            }
        }
        return out.mapValues { $0.sorted { $0.timestampMs < $1.timestampMs } }
    }
}
