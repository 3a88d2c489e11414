package import AugurCore
import Synchronization

/// What one write may bring: timestamps inside a window around the server's clock, label sets within
/// the configured lengths, and series counts within the per-request, per-minute and store limits.
/// Every ingest path (HTTP, scrape, file import) checks its batch here before anything is stored.
package struct IngestPolicy: Sendable {
    package var limits: AugurConfig.Limits
    /// Whether the window around the clock applies (live ingest); file imports of history skip it
    /// but keep the absolute range.
    package var checksWindow: Bool

    package init(limits: AugurConfig.Limits, checksWindow: Bool) {
        self.limits = limits
        self.checksWindow = checksWindow
    }

    /// File imports: any age, labels as configured, no series-rate limit.
    package static let files: IngestPolicy = {
        var l = AugurConfig.Limits()
        l.maxNewSeriesPerMinute = .max
        l.maxSeriesPerWrite = .max
        l.maxSeries = .max
        return IngestPolicy(limits: l, checksWindow: false)
    }()

    /// Refuses a timestamp outside the accepted range or, for live ingest, outside the window.
    func check(timestamps: [Int64], nowMs: Int64) throws(IngestError) {
        var lo = TimeParsing.earliestMs, hi = TimeParsing.latestMs
        if checksWindow {
            hi = min(hi, nowMs + limits.outOfWindowFuture.ms)
            if limits.outOfWindowPast.ms > 0 { lo = max(lo, nowMs - limits.outOfWindowPast.ms) }
        }
        for (i, t) in timestamps.enumerated() where t < lo || t > hi {
            let which = t > hi ? "more than \(limits.outOfWindowFuture) ahead of the server's clock (limits.out_of_window_future)"
                : t < TimeParsing.earliestMs ? "before year 0000" : "older than limits.out_of_window_past (\(limits.outOfWindowPast))"
            throw IngestError(.outOfWindow, format: "samples", "sample \(i) has timestamp \(t) ms, \(which)", field: "timestamp")
        }
    }

    /// Refuses a new label set over the configured lengths or count.
    func check(newSeries labels: Labels) throws(IngestError) {
        guard labels.pairs.count <= limits.maxLabelsPerSeries else {
            throw IngestError(.limit, format: "labels", "series \(Self.short(labels)) has \(labels.pairs.count) labels; at most \(limits.maxLabelsPerSeries)", field: "max_labels_per_series")
        }
        for p in labels.pairs {
            guard p.name.utf8.count <= limits.maxLabelNameLength else {
                throw IngestError(.limit, format: "labels", "label name of \(p.name.utf8.count) bytes; at most \(limits.maxLabelNameLength)", field: "max_label_name_length")
            }
            guard p.value.utf8.count <= limits.maxLabelValueLength else {
                throw IngestError(.limit, format: "labels", "label \(p.name) has a value of \(p.value.utf8.count) bytes; at most \(limits.maxLabelValueLength)", field: "max_label_value_length")
            }
        }
    }

    static func short(_ labels: Labels) -> String {
        let text = labels.description
        return text.count > 120 ? String(text.prefix(120)) + "…" : text
    }
}

/// New series created in the current minute, over all clients (the per-minute limit).
final class NewSeriesRate: Sendable {
    private let state = Mutex<(minute: Int64, count: Int)>((0, 0))

    /// Takes `n` from this minute's allowance, or refuses the whole request.
    func take(_ n: Int, nowMs: Int64, limit: Int) throws(IngestError) {
        guard n > 0 else { return }
        let ok = state.withLock { s in
            let minute = nowMs / 60_000
            if s.minute != minute { s = (minute, 0) }
            guard s.count + n <= limit else { return false }
            s.count += n
            return true
        }
        guard ok else {
            throw IngestError(.limit, format: "series", "\(n) new series would pass this minute's limit of \(limit)", field: "max_new_series_per_minute")
        }
    }
}
