import Foundation

/// One log line as it arrives: when, from which stream (its labels), the text, and what the
/// shippers carry beside it (trace and span ids, structured metadata).
package struct LogRecord: Sendable, Equatable {
    package var timestampNs: Int64
    package var labels: Labels
    package var line: String
    package var traceId: String?
    package var spanId: String?
    /// Structured metadata (Loki) or JSON fields other than the message, level and ids.
    package var attributes: [String: String]
    /// The message when a header format already separated it from the line's header.
    package var message: String?

    package init(timestampNs: Int64, labels: Labels, line: String, traceId: String? = nil, spanId: String? = nil, attributes: [String: String] = [:]) {
        self.timestampNs = timestampNs
        self.labels = labels
        self.line = line
        self.traceId = traceId
        self.spanId = spanId
        self.attributes = attributes
        message = nil
    }
}

extension TimeParsing {
    /// A log timestamp in Unix nanoseconds: RFC 3339 with up to nine fraction digits, or a Unix time
    /// (seconds to nanoseconds, told apart by magnitude; integers are kept exact). Nil outside what
    /// Int64 nanoseconds hold (1677-09-21 to 2262-04-11).
    package static func timestampNs(_ text: some StringProtocol) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let n = Int64(t) {
            let a = n.magnitude
            if a >= 100_000_000_000_000_000 { return n }  // ns
            if a >= 100_000_000_000_000 { return ns(n, times: 1_000) }  // µs
            if a >= 100_000_000_000 { return ns(n, times: 1_000_000) }  // ms
            return ns(n, times: 1_000_000_000)
        }
        if let n = Double(t) { return unixToMs(n).flatMap { ns($0, times: 1_000_000) } }
        return parseISO(t)
    }

    /// Unix ms as ns, clamped to what Int64 nanoseconds hold (log windows around any accepted time).
    package static func nsClamped(ms: Int64) -> Int64 {
        let (r, o) = ms.multipliedReportingOverflow(by: 1_000_000)
        return o ? (ms < 0 ? .min : .max) : r
    }

    /// `value × factor` as nanoseconds, nil on overflow.
    package static func ns(_ value: Int64, times factor: Int64) -> Int64? {
        let (r, o) = value.multipliedReportingOverflow(by: factor)
        return o ? nil : r
    }
}
