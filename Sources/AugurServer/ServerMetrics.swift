import AugurCore
import AugurIngest
import AugurReports
import AugurStore
import Synchronization

/// Augur's own metrics, rendered in the Prometheus text format on `/metrics`.
package final class ServerMetrics: Sendable {
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Histogram {
        var counts = [Int](repeating: 0, count: ServerMetrics.buckets.count)
        var sum = 0.0
        var count = 0
    }

    private struct State {
        var requests: [String: Histogram] = [:]  // key: route \u{1} method
        var responses: [String: Int] = [:]  // key: route \u{1} method \u{1} code
        var scrapes: [String: (ok: Int, failed: Int)] = [:]
        var recommendations: [String: (replicas: Int, fallback: Bool, budgetUsed: Double?)] = [:]  // key: namespace \u{1} workload
        var ruleEvaluations: (ok: Int, failed: Int)?
    }

    private let state = Mutex(State())

    package init() {}

    func observeRequest(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { s in
            let key = route + "\u{1}" + method
            var h = s.requests[key] ?? Histogram()
            for (i, b) in Self.buckets.enumerated() where seconds <= b { h.counts[i] += 1 }
            h.sum += seconds
            h.count += 1
            s.requests[key] = h
            s.responses[key + "\u{1}" + String(status), default: 0] += 1
        }
    }

    func observeScrape(job: String, ok: Bool) {
        state.withLock { s in
            var v = s.scrapes[job] ?? (0, 0)
            if ok { v.ok += 1 } else { v.failed += 1 }
            s.scrapes[job] = v
        }
    }

    func observeRuleEvaluation(ok: Bool) {
        state.withLock { s in
            var v = s.ruleEvaluations ?? (0, 0)
            if ok { v.ok += 1 } else { v.failed += 1 }
            s.ruleEvaluations = v
        }
    }

    func setRecommendation(namespace: String, workload: String, replicas: Int, fallback: Bool, budgetUsed: Double?) {
        state.withLock { $0.recommendations[namespace + "\u{1}" + workload] = (replicas, fallback, budgetUsed) }
    }

    /// The exposition text, with the store's and the ingestor's figures.
    func render(ingestor: Ingestor) -> String {
        let st = ingestor.store.stats()
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) { out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" }
        family("augur_ingested_samples_total", "counter", "Samples accepted through any ingest path since start.")
        out += "augur_ingested_samples_total \(ingestor.ingestedSamples)\n"
        family("augur_series", "gauge", "Series in the store.")
        out += "augur_series \(st.series)\n"
        family("augur_stored_samples", "gauge", "Samples in the store (head and chunks).")
        out += "augur_stored_samples \(st.samples)\n"
        family("augur_head_samples", "gauge", "Samples not yet compacted into chunks.")
        out += "augur_head_samples \(st.headSamples)\n"
        family("augur_database_size_bytes", "gauge", "Size of the SQLite file and its WAL.")
        out += "augur_database_size_bytes \(st.fileBytes)\n"
        let s = state.withLock { $0 }
        family("augur_http_request_duration_seconds", "histogram", "HTTP request latency by route.")
        for (key, h) in s.requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\u{1}", omittingEmptySubsequences: false)
            let labels = "route=\"\(parts[0])\",method=\"\(parts[1])\""
            for (i, b) in Self.buckets.enumerated() { out += "augur_http_request_duration_seconds_bucket{\(labels),le=\"\(b)\"} \(h.counts[i])\n" }
            out += "augur_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(h.count)\n"
            out += "augur_http_request_duration_seconds_sum{\(labels)} \(h.sum)\n"
            out += "augur_http_request_duration_seconds_count{\(labels)} \(h.count)\n"
        }
        family("augur_http_responses_total", "counter", "HTTP responses by route and status code.")
        for (key, n) in s.responses.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\u{1}", omittingEmptySubsequences: false)
            out += "augur_http_responses_total{route=\"\(parts[0])\",method=\"\(parts[1])\",code=\"\(parts[2])\"} \(n)\n"
        }
        if let incidents = try? ingestor.store.incidents(limit: 100_000), !incidents.isEmpty {
            let stats = IncidentStats(incidents, nowMs: WallClock.nowMs())
            family("augur_incidents", "gauge", "Incidents by status.")
            out += "augur_incidents{status=\"open\"} \(stats.open)\naugur_incidents{status=\"resolved\"} \(stats.resolved)\n"
            if let mttr = stats.mttrSeconds {
                family("augur_incident_mttr_seconds", "gauge", "Mean time from the first alert to resolution over resolved incidents.")
                out += "augur_incident_mttr_seconds \(mttr)\n"
            }
            let recent = stats.recentMTTRSeconds.compactMap { w in w.seconds.map { (w.days, $0) } }
            if !recent.isEmpty {
                family("augur_incident_mttr_window_seconds", "gauge", "Mean time to resolution of the incidents resolved within the window (its trend over time).")
                for (days, seconds) in recent { out += "augur_incident_mttr_window_seconds{window=\"\(days)d\"} \(seconds)\n" }
            }
            family("augur_rca_confirmed_incidents", "gauge", "Incidents whose root cause an operator confirmed or corrected.")
            out += "augur_rca_confirmed_incidents \(stats.confirmed)\n"
            if let accuracy = stats.accuracy {
                family("augur_rca_accuracy_at1", "gauge", "Share of confirmed incidents whose confirmed cause Augur ranked first (AC@1).")
                out += "augur_rca_accuracy_at1 \(accuracy)\n"
            }
        }
        if !s.recommendations.isEmpty {
            let workloads = s.recommendations.sorted(by: { $0.key < $1.key }).map { key, v in
                let parts = key.split(separator: "\u{1}", omittingEmptySubsequences: false)
                return (labels: "{namespace=\"\(parts[0])\",workload=\"\(parts[1])\"}", v)
            }
            family("augur_recommended_replicas", "gauge", "Ready pods Augur recommends per workload (predictive, ahead of start-up).")
            for (labels, v) in workloads { out += "augur_recommended_replicas\(labels) \(v.replicas)\n" }
            family("augur_recommendation_fallback", "gauge", "1 when the served recommendation is the reactive fallback (no trustworthy forecast or stale input).")
            for (labels, v) in workloads { out += "augur_recommendation_fallback\(labels) \(v.fallback ? 1 : 0)\n" }
            let budgeted = workloads.compactMap { w in w.1.budgetUsed.map { (w.labels, $0) } }
            if !budgeted.isEmpty {
                family("augur_scale_budget_used_ratio", "gauge", "Pod-hours over the last week (Augur's recommendations replayed beside the HPA) as a share of the workload's budget.")
                for (labels, used) in budgeted { out += "augur_scale_budget_used_ratio\(labels) \(used)\n" }
            }
        }
        if let v = s.ruleEvaluations {
            family("augur_rule_evaluations_total", "counter", "Evaluations of Augur's alert rules by result (each one complete with its incidents analysed and notified).")
            out += "augur_rule_evaluations_total{result=\"ok\"} \(v.ok)\naugur_rule_evaluations_total{result=\"failed\"} \(v.failed)\n"
        }
        if !s.scrapes.isEmpty {
            family("augur_scrapes_total", "counter", "Scrapes of configured targets by job and result.")
            for (job, v) in s.scrapes.sorted(by: { $0.key < $1.key }) {
                out += "augur_scrapes_total{job=\"\(job)\",result=\"ok\"} \(v.ok)\n"
                out += "augur_scrapes_total{job=\"\(job)\",result=\"failed\"} \(v.failed)\n"
            }
        }
        return out
    }
}
