import AugurApp
import AugurCore
import AugurIngest
import AugurReports
import AugurStore
import AugurTestSupport
import Foundation
import Testing

/// Rules as Prometheus writes them: an alert on a histogram's p99 (any PromQL), templated annotations,
/// keep_firing_for, and a recording rule stored as a series, through the evaluator and the real server.
@Suite struct PromQLRuleTests {
    /// Two hours of a latency histogram at 15 s: 100 requests per scrape, slow (0.5-1 s) between
    /// `slow` and fast (under 0.1 s) otherwise.
    static func histogram(endMs: Int64, slow: Range<Int64>) -> [Series] {
        let bounds = ["0.1", "0.25", "0.5", "1", "+Inf"]
        var counts = [Double](repeating: 0, count: bounds.count)
        var out = bounds.map { Series(labels: Labels(name: "latency_seconds_bucket", ["job": "shop", "le": $0]), samples: []) }
        for t in stride(from: endMs - 7_200_000, through: endMs, by: 15_000) {
            let first = slow.contains(t) ? 3 : 0  // slow requests land in the le=1 bucket
            for b in first..<bounds.count { counts[b] += 100 }
            for b in bounds.indices { out[b].samples.append(Sample(t, counts[b])) }
        }
        return out
    }

    static let end: Int64 = 1_790_000_000_000
    static let slow = (end - 3_600_000)..<(end - 1_800_000)

    @Test func histogramAlertFiresForItsDurationWithTemplatedAnnotations() async throws {
        try await withTestStore { store, _ in
            _ = try Ingestor(store: store).write(Self.histogram(endMs: Self.end, slow: Self.slow))
            var rule = AlertRule(name: "SlowP99", expr: "histogram_quantile(0.99, sum by (job, le) (rate(latency_seconds_bucket[5m]))) > 0.5",
                                 forDuration: ConfigDuration(seconds: 300), labels: ["severity": "page"],
                                 annotations: ["summary": "{{ $labels.job }} p99 is {{ $value | humanize }}s"])
            let alerts = try RuleEvaluator.alerts(rules: [rule], store: store, startMs: Self.end - 5_400_000, endMs: Self.end, stepMs: 30_000)
            let firing = alerts.filter(\.alert.firing), resolved = alerts.filter { !$0.alert.firing }
            #expect(firing.count == 1 && resolved.count == 1, "\(alerts.map { ($0.atMs, $0.alert.firing) })")
            let start = try #require(firing.first?.alert.startsMs)
            // The 5 m rate passes 0.5 s about a minute in; then 5 m of `for`.
            #expect(start >= Self.slow.lowerBound + 300_000 && start <= Self.slow.lowerBound + 480_000, "fired \((start - Self.slow.lowerBound) / 1000) s in")
            #expect(firing.first?.alert.labels == ["alertname": "SlowP99", "job": "shop", "severity": "page"])
            #expect(firing.first?.alert.annotations["summary"] == "shop p99 is 995m" || firing.first?.alert.annotations["summary"]?.hasPrefix("shop p99 is 9") == true,
                    "\(firing.first?.alert.annotations ?? [:])")
            let stopped = try #require(resolved.first?.atMs)
            #expect(stopped > Self.slow.upperBound && stopped <= Self.slow.upperBound + 360_000)
            // keep_firing_for holds it that much longer.
            rule.keepFiringFor = ConfigDuration(seconds: 600)
            let kept = try RuleEvaluator.alerts(rules: [rule], store: store, startMs: Self.end - 5_400_000, endMs: Self.end, stepMs: 30_000).filter { !$0.alert.firing }
            #expect((kept.first?.atMs ?? 0) - stopped >= 570_000, "\(kept.map(\.atMs)) vs \(stopped)")
            // A recording rule records its result under its own name.
            let recorded = try RuleEvaluator.recordings([RecordingRule(record: "job:latency_seconds:p99", expr: "histogram_quantile(0.99, sum by (job, le) (rate(latency_seconds_bucket[5m])))", labels: ["source": "augur"])],
                                                        store: store, atMs: Self.end - 2_700_000)
            #expect(recorded.map(\.labels) == [Labels(name: "job:latency_seconds:p99", ["job": "shop", "source": "augur"])])
            #expect((recorded.first?.samples.first?.value ?? 0) > 0.9)
        }
    }

    @Test func ruleFileRunsThroughTheRealServer() async throws {
        try await withTestStore { store, path in
            let nowMs = WallClock.nowMs()
            let slow = (nowMs - 1_800_000)..<(nowMs + 3_600_000)
            _ = try Ingestor(store: store).write(Self.histogram(endMs: nowMs, slow: slow))
            var config = testConfig(path: path)
            config.incidents.rules = [AlertRule(name: "SlowP99", expr: "histogram_quantile(0.99, sum by (job, le) (rate(latency_seconds_bucket[5m]))) > 0.5",
                                                forDuration: ConfigDuration(seconds: 120), annotations: ["summary": "{{ $labels.job }} is slow"])]
            config.incidents.recordingRules = [RecordingRule(record: "job:latency_seconds:rate5m", expr: "sum by (job) (rate(latency_seconds_bucket{le=\"+Inf\"}[5m]))")]
            config.incidents.ruleInterval = ConfigDuration(seconds: 2)
            config.incidents.ruleBackfill = ConfigDuration(seconds: 1200)
            try await withTestServer(config: config, store: store) { client in
                // A bound for a loaded CI machine (the rule service shares the background lane with the other suites' servers), not a timing.
                let deadline = ContinuousClock.now + .seconds(180)
                var incidents: [[String: Any]] = [], recorded: [[String: Any]] = []
                while ContinuousClock.now < deadline && (incidents.isEmpty || recorded.isEmpty) {
                    try await Task.sleep(for: .milliseconds(300))
                    incidents = (try await client.get("/api/v1/incidents").json["data"] as? [[String: Any]]) ?? []
                    let q = try await client.get("/api/v1/query?query=\(q("job:latency_seconds:rate5m"))").json
                    recorded = ((q["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
                }
                #expect(incidents.count == 1, "\(incidents)")
                #expect((incidents.first?["title"] as? String)?.contains("SlowP99") == true, "\(incidents)")
                #expect(recorded.count == 1 && (recorded.first?["metric"] as? [String: String]) == ["__name__": "job:latency_seconds:rate5m", "job": "shop"], "\(recorded)")
                let rate = Double(((recorded.first?["value"] as? [Any])?[1] as? String) ?? "") ?? 0
                #expect(abs(rate - 100.0 / 15) < 0.5, "\(rate)")
                // Prometheus' rules and alerts API, as Grafana reads it.
                let groups = ((try await client.get("/api/v1/rules").json["data"] as? [String: Any])?["groups"] as? [[String: Any]]) ?? []
                let rules = groups.first?["rules"] as? [[String: Any]] ?? []
                #expect(rules.map { $0["type"] as? String } == ["alerting", "recording"], "\(groups)")
                #expect(rules.first?["state"] as? String == "firing" && rules.first?["health"] as? String == "ok", "\(rules)")
                let active = ((try await client.get("/api/v1/alerts").json["data"] as? [String: Any])?["alerts"] as? [[String: Any]]) ?? []
                #expect(active.count == 1 && (active.first?["labels"] as? [String: String])?["alertname"] == "SlowP99")
                #expect((active.first?["annotations"] as? [String: String])?["summary"] == "shop is slow")
                #expect(try await client.get("/api/v1/rules?type=nope").json["errorType"] as? String == "bad_data")
            }
        }
    }
}
