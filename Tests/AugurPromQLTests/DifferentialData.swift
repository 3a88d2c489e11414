import AugurCore
import Foundation

/// Two hours of seeded data shaped like a service's metrics: counters with resets, a histogram, gauges
/// with a gap, a series that stops, NaN samples and an irregular scrape interval. Loaded into both
/// Debian's Prometheus and Augur by the differential test.
enum DifferentialData {
    static let startSeconds: Int64 = 1_700_000_000
    static let spanSeconds: Int64 = 7200

    static func series() -> [Series] {
        var rng = SplitMix64(seed: 20_261_204)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        func times(every step: Int64 = 15, jitter: Int64 = 3, skip: ClosedRange<Int64>? = nil, until: Int64 = spanSeconds) -> [Int64] {
            var out: [Int64] = []
            var t: Int64 = 0
            while t <= until {
                let at = t + Int64(uniform() * Double(jitter + 1))
                if skip.map({ !$0.contains(t) }) ?? true { out.append((startSeconds + at) * 1000) }
                t += step
            }
            return out
        }
        var out: [Series] = []
        // Counters, two of them reset part-way.
        for service in ["api", "cart", "db"] {
            for code in ["200", "500"] {
                var v = Double(Int(uniform() * 1000))
                let resetAt: Int64? = (service, code) == ("api", "200") ? 3000 : ((service, code) == ("cart", "500") ? 4800 : nil)
                let samples = times().map { ms -> Sample in
                    v += Double(Int(uniform() * (code == "200" ? 20 : 3)))
                    if let r = resetAt, ms / 1000 - startSeconds >= r, ms / 1000 - startSeconds < r + 15 { v = Double(Int(uniform() * 5)) }
                    return Sample(ms, v)
                }
                out.append(Series(labels: Labels(name: "http_requests_total", ["service": service, "code": code]), samples: samples))
            }
        }
        // A histogram per service: cumulative buckets, their sum and count.
        let bounds = ["0.05", "0.1", "0.25", "0.5", "1", "+Inf"]
        for service in ["api", "cart", "db"] {
            let ts = times()
            var buckets = [[Sample]](repeating: [], count: bounds.count)
            var counts = [Double](repeating: 0, count: bounds.count)
            var sum = 0.0
            var sums: [Sample] = []
            for ms in ts {
                for _ in 0..<Int(uniform() * 12) {
                    let latency = -log(1 - uniform()) * (service == "db" ? 0.3 : 0.12)
                    sum += latency
                    for (i, b) in bounds.enumerated() where latency <= (Double(b) ?? .infinity) { counts[i] += 1 }
                }
                for i in bounds.indices { buckets[i].append(Sample(ms, counts[i])) }
                sums.append(Sample(ms, sum))
            }
            for (i, b) in bounds.enumerated() {
                out.append(Series(labels: Labels(name: "request_duration_seconds_bucket", ["service": service, "le": b]), samples: buckets[i]))
            }
            out.append(Series(labels: Labels(name: "request_duration_seconds_sum", ["service": service]), samples: sums))
            out.append(Series(labels: Labels(name: "request_duration_seconds_count", ["service": service]), samples: buckets[bounds.count - 1]))
        }
        // Gauges: instance c has a 15-minute gap, instance d stops after an hour.
        for instance in ["a", "b", "c", "d"] {
            var v = 1e9 + uniform() * 1e8
            let ts = times(skip: instance == "c" ? 2400...3300 : nil, until: instance == "d" ? 3600 : spanSeconds)
            out.append(Series(labels: Labels(name: "memory_bytes", ["instance": instance, "job": "node"]), samples: ts.map { ms in
                v += (uniform() - 0.5) * 4e6
                return Sample(ms, v.rounded())
            }))
            out.append(Series(labels: Labels(name: "memory_limit_bytes", ["instance": instance, "job": "node"]), samples: ts.map { Sample($0, 2e9) }))
            for mode in ["user", "system"] {
                out.append(Series(labels: Labels(name: "cpu_usage", ["instance": instance, "job": "node", "mode": mode]), samples: times().map { ms in
                    Sample(ms, (uniform() * 1000).rounded() / 1000)
                }))
            }
            var up = 1.0
            out.append(Series(labels: Labels(name: "up", ["instance": instance, "job": "node"]), samples: times().map { ms in
                if uniform() < 0.03 { up = 1 - up }
                return Sample(ms, up)
            }))
        }
        out.append(Series(labels: Labels(name: "up", ["instance": "api-1", "job": "api"]), samples: times().map { Sample($0, 1) }))
        // Temperatures below zero, one of them with NaN samples.
        for room in ["x", "y"] {
            var v = room == "x" ? -5.0 : 3.0
            out.append(Series(labels: Labels(name: "temperature_celsius", ["room": room]), samples: times().enumerated().map { i, ms in
                v += (uniform() - 0.5)
                return Sample(ms, room == "y" && i % 97 == 13 ? .nan : (v * 100).rounded() / 100)
            }))
        }
        // An irregular scrape interval.
        let irregular = times(every: 45, jitter: 20)
        out.append(Series(labels: Labels(name: "queue_length", ["queue": "q1"]), samples: irregular.map { Sample($0, Double(Int(uniform() * 50))) }))
        for service in ["api", "cart", "db"] {
            out.append(Series(labels: Labels(name: "build_info", ["service": service, "version": "1.2.\(service.count)"]), samples: times().map { Sample($0, 1) }))
        }
        return out
    }

    /// Sent by remote-write to both (OpenMetrics cannot carry a staleness marker): after the blocks' end,
    /// pod p1 goes stale at +10 min and comes back at +20 min, pod p2 just stops at +15 min.
    static func staleSeries() -> [Series] {
        let base = (startSeconds + spanSeconds + 60) * 1000
        func samples(_ range: StrideTo<Int64>, _ f: (Int64) -> Double) -> [Sample] { range.map { Sample(base + $0 * 1000, f($0)) } }
        var p1 = samples(stride(from: 0, to: 600, by: 15)) { Double($0 / 15 % 7) }
        p1.append(Sample(base + 600_000, StaleMarker.value))
        p1 += samples(stride(from: 1200, to: 1800, by: 15)) { Double($0 / 15 % 5) }
        let p2 = samples(stride(from: 0, to: 900, by: 15)) { 100 + Double($0 / 15) }
        return [Series(labels: Labels(name: "session_count", ["pod": "p1"]), samples: p1),
                Series(labels: Labels(name: "session_count", ["pod": "p2"]), samples: p2)]
    }

    /// The OpenMetrics text `promtool tsdb create-blocks-from openmetrics` reads (seconds, `# EOF`).
    static func openMetrics(_ series: [Series]) -> String {
        var out = ""
        for s in series {
            let name = s.labels.description
            for p in s.samples { out += "\(name) \(value(p.value)) \(p.timestampMs / 1000)\(p.timestampMs % 1000 == 0 ? "" : ".\(p.timestampMs % 1000)")\n" }
        }
        return out + "# EOF\n"
    }

    /// Prometheus' text exposition with millisecond timestamps, for Augur's import route.
    static func exposition(_ s: Series) -> String {
        s.samples.map { "\(s.labels.description) \(value($0.value)) \($0.timestampMs)\n" }.joined()
    }

    static func value(_ v: Double) -> String { v.isNaN ? "NaN" : "\(v)" }
}

