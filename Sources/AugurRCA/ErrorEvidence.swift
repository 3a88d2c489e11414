import AugurCore

/// Evidence about code-level faults from error lines (levels error and fatal). An exception or a wrong
/// return value rarely moves CPU or latency, but it is logged: by the faulty service first, then by
/// the callers whose requests it failed. Two counts per service and minute are scored like the log
/// template counts (Poisson noise, against the minutes before the start that had logs):
/// - error origins: traces whose first error line is the service's. Within a trace the first service
///   that logs an error is where it began; the callers that log after it are propagation.
/// - errors naming it: error lines of other services whose text names it (`500 … from ts-order-service`,
///   `connection refused: cartservice:7070`).
package enum ErrorEvidence {
    package static let originMetric = "augur_trace_error_origins"
    package static let namedMetric = "augur_log_errors_naming"

    /// What the error lines add up to.
    struct Tally {
        /// Per (metric, service): error events per minute (Unix ms of the minute), and how often each
        /// template is among the events from `fromNs` on.
        var series: [Labels: (perMinute: [Int64: Double], templates: [Int64: Int])] = [:]
        /// Per service, from `fromNs` on: its traced error lines, and those that followed another
        /// service's first error in their trace (propagation).
        var traced: [String: (all: Int, propagated: Int)] = [:]
        /// Per template, lines that name some other service, per minute.
        var namingByTemplate: [Int64: [Int64: Double]] = [:]
    }

    static func tally(_ lines: some Collection<(line: ErrorLogLine, service: String)>, services: Set<String>, fromNs: Int64) -> Tally {
        var out = Tally()
        func add(_ metric: String, _ service: String, _ line: ErrorLogLine) {
            let key = Labels(name: metric, ["service": service])
            out.series[key, default: ([:], [:])].perMinute[minute(line.timestampNs), default: 0] += 1
            if line.timestampNs >= fromNs { out.series[key]!.templates[line.templateId, default: 0] += 1 }
        }
        var first: [String: (line: ErrorLogLine, service: String)] = [:]
        for l in lines {
            // A line that names another service reports a failed call to it: evidence about that service,
            // and not where the trace's error began.
            let others = Self.named(in: l.line.line, among: services).subtracting([l.service])
            for named in others { add(namedMetric, named, l.line) }
            if !others.isEmpty { out.namingByTemplate[l.line.templateId, default: [:]][minute(l.line.timestampNs), default: 0] += 1 }
            if others.isEmpty, let trace = l.line.traceId, !trace.isEmpty, first[trace].map({ l.line.timestampNs < $0.line.timestampNs }) ?? true { first[trace] = l }
        }
        for origin in first.values { add(originMetric, origin.service, origin.line) }
        for l in lines where l.line.timestampNs >= fromNs {
            guard let trace = l.line.traceId, !trace.isEmpty else { continue }
            let origin = first[trace]
            let propagated = origin.map { $0.service != l.service && $0.line.timestampNs <= l.line.timestampNs } ?? true
            out.traced[l.service, default: (0, 0)].all += 1
            if propagated { out.traced[l.service]!.propagated += 1 }
        }
        return out
    }

    static func minute(_ ns: Int64) -> Int64 { minute(ms: ns / 1_000_000) }

    /// The start of the minute holding `ms` (floored, also before 1970).
    static func minute(ms: Int64) -> Int64 { ms - ((ms % 60_000) + 60_000) % 60_000 }

    /// The services whose names appear in `text` as whole words: maximal runs of the bytes a name is
    /// made of (letters, digits, `-`, `_`), so `cartservice:7070` and `ts-order-service.default.svc`
    /// name them and `cartservice2` does not. Names shorter than 3 characters are not looked for: too
    /// many words are spelled like them.
    static func named(in text: String, among services: Set<String>) -> Set<String> {
        var found: Set<String> = []
        let bytes = Array(text.utf8)
        func isNameByte(_ b: UInt8) -> Bool {
            (b | 0x20) >= 97 && (b | 0x20) <= 122 || (b >= 48 && b <= 57) || b == 45 || b == 95
        }
        var start = 0
        while start < bytes.count {
            guard isNameByte(bytes[start]) else { start += 1; continue }
            var end = start
            while end < bytes.count && isNameByte(bytes[end]) { end += 1 }
            if end - start >= 3 {
                let word = String(decoding: bytes[start..<end], as: UTF8.self)
                if services.contains(word) { found.insert(word) }
            }
            start = end
        }
        return found
    }
}

extension RootCauseAnalyzer {
    /// At most this many error lines are read (the newest).
    package static let errorLineLimit = 50_000

    /// Error-origin and error-naming evidence at `t`: each service's counts in `[t, t + after]` against
    /// the minutes before `t` (back to `handoffBaselineMs`) in which anything was logged — logs are
    /// often collected in bursts, and a minute nothing was collected in is unknown, not quiet. With it,
    /// per service, the share of its traced error lines after `t` that were propagation.
    func errorEvidence(_ input: RCAInput, atMs t: Int64) -> (evidence: [(String, Evidence)], propagated: [String: Double]) {
        let startMs = t - handoffBaselineMs, endMs = t + afterMs
        let (fromNs, toNs) = (TimeParsing.nsClamped(ms: startMs), TimeParsing.nsClamped(ms: endMs))
        let lines = input.errorLines(fromNs: fromNs, toNs: toNs)
        guard !lines.isEmpty else { return ([], [:]) }
        let logged = input.logged.compactMap { $0.slice(fromMs: startMs, toMs: endMs) }
        let minutes = Set(logged.flatMap { $0.samples.map { ErrorEvidence.minute(ms: $0.timestampMs) } }).sorted()
        let firstMinute = ErrorEvidence.minute(ms: t)
        let texts = input.templateTexts
        let tally = ErrorEvidence.tally(lines, services: input.logServices, fromNs: TimeParsing.nsClamped(ms: t))
        var out: [(String, Evidence)] = []
        for (labels, counted) in tally.series {
            let modal = counted.templates.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
            // Errors naming a service are news about it only where that kind of error is: a template
            // that already named one service or another before (a flaky discovery, a habitual timeout)
            // is baselined on all it named, not on this service's share.
            let habitual = labels.name == ErrorEvidence.namedMetric ? modal.flatMap { tally.namingByTemplate[$0] } : nil
            let baseline = minutes.filter { $0 < t }.map { habitual?[$0] ?? counted.perMinute[$0] ?? 0 }
            let after = minutes.filter { $0 >= firstMinute && $0 <= endMs }.map { Sample($0, counted.perMinute[$0] ?? 0) }
            // The evidence names the template most of the events after the start share.
            let template = modal.flatMap { texts[$0] }
            let named = template.map { labels.adding("template", $0) } ?? labels
            guard let service = labels["service"], !after.isEmpty, baseline.count >= 3,
                  let e = Self.evidence(named, baseline: baseline, after: after, counts: true) else { continue }
            out.append((service, e))
        }
        return (out, tally.traced.mapValues { Double($0.propagated) / Double(max(1, $0.all)) })
    }
}
