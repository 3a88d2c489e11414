package import AugurCore
import Foundation

/// A seeded simulator of a small shop built from microservices, Augur's demo and test fixture.
///
/// Traffic follows a daily and a weekly cycle with noise and growth; each service's latency, errors,
/// CPU and memory follow from its load and its callees. Chaos scenarios are injected at known times:
/// added network delay (`tc netem delay 200ms`), a killed pod, CPU stress, and a payment database
/// connection pool that saturates during a sale because `max_connections` is too small.
package struct DemoSystem: Sendable {
    package struct Service: Sendable {
        package let name: String
        /// Requests per second at the daily peak, before growth.
        let peakRPS: Double
        /// Own processing time per request, seconds (median).
        let ownLatency: Double
        /// CPU cores per request per second.
        let cpuPerRPS: Double
        let pods: Int
        let memoryMiB: Double
    }

    package struct Call: Sendable {
        package let from: String
        package let to: String
        /// Calls to `to` per request of `from`.
        package let perRequest: Double
    }

    package let seed: UInt64
    package let endMs: Int64
    package let days: Int
    package let stepMs: Int64 = 60_000
    /// The payment service's database pool size, the misconfiguration behind the demo's main incident.
    package let maxConnections = 20
    /// How long a payment holds a database connection (its transaction), seconds.
    let connectionHoldSeconds = 0.25
    /// Extra checkout requests per second at the height of the flash sale.
    let flashSaleCheckoutRPS = 160.0

    package let services: [Service] = [
        Service(name: "frontend", peakRPS: 120, ownLatency: 0.012, cpuPerRPS: 0.004, pods: 3, memoryMiB: 180),
        Service(name: "catalogue", peakRPS: 0, ownLatency: 0.008, cpuPerRPS: 0.002, pods: 2, memoryMiB: 120),
        Service(name: "cart", peakRPS: 0, ownLatency: 0.006, cpuPerRPS: 0.002, pods: 2, memoryMiB: 90),
        Service(name: "currency", peakRPS: 0, ownLatency: 0.003, cpuPerRPS: 0.0015, pods: 2, memoryMiB: 60),
        Service(name: "checkout", peakRPS: 0, ownLatency: 0.020, cpuPerRPS: 0.006, pods: 2, memoryMiB: 150),
        Service(name: "payment", peakRPS: 0, ownLatency: 0.015, cpuPerRPS: 0.005, pods: 2, memoryMiB: 140),
        Service(name: "payment-db", peakRPS: 0, ownLatency: 0.040, cpuPerRPS: 0.010, pods: 1, memoryMiB: 900),
        Service(name: "shipping", peakRPS: 0, ownLatency: 0.010, cpuPerRPS: 0.002, pods: 1, memoryMiB: 80),
    ]

    package let calls: [Call] = [
        Call(from: "frontend", to: "catalogue", perRequest: 0.8),
        Call(from: "frontend", to: "cart", perRequest: 0.35),
        Call(from: "frontend", to: "currency", perRequest: 0.9),
        Call(from: "frontend", to: "checkout", perRequest: 0.06),
        Call(from: "checkout", to: "cart", perRequest: 1),
        Call(from: "checkout", to: "currency", perRequest: 1),
        Call(from: "checkout", to: "payment", perRequest: 1),
        Call(from: "checkout", to: "shipping", perRequest: 1),
        Call(from: "payment", to: "payment-db", perRequest: 1),
    ]

    package init(seed: UInt64 = 42, endMs: Int64, days: Int = 14) {
        self.seed = seed
        self.endMs = endMs - endMs % 60_000
        self.days = days
    }

    package var startMs: Int64 { endMs - Int64(days) * 86_400_000 }

    /// The injected incidents, at fixed offsets before the end (ground truth for tests and RCA).
    package var scenarios: [Scenario] {
        let h: Int64 = 3_600_000
        return [
            Scenario(id: "network-delay-catalogue", kind: .networkDelay, service: "catalogue", startMs: endMs - 70 * h, endMs: endMs - 70 * h + h / 3,
                     description: "tc qdisc add dev eth0 root netem delay 200ms on catalogue"),
            Scenario(id: "pod-kill-cart", kind: .podKill, service: "cart", startMs: endMs - 46 * h, endMs: endMs - 46 * h + 4 * 60_000,
                     description: "kubectl delete pod cart-0 (the replacement starts under a new name)"),
            Scenario(id: "cpu-stress-currency", kind: .cpuStress, service: "currency", startMs: endMs - 28 * h, endMs: endMs - 28 * h + h / 2,
                     description: "stress-ng --cpu 2 in the currency pod currency-0"),
            Scenario(id: "db-pool-saturation-payment", kind: .poolSaturation, service: "payment", startMs: endMs - 6 * h, endMs: endMs - 6 * h + 45 * 60_000,
                     description: "flash sale: checkout traffic ×8; payment's database pool (max_connections=\(maxConnections)) saturates"),
        ]
    }

    /// The call graph as edges (origin `demo`).
    package var edges: [GraphEdge] { calls.map { GraphEdge(source: $0.from, target: $0.to, weight: $0.perRequest, origin: "demo") } }

    /// Runs the simulation: every series at one-minute resolution, and the log lines.
    package func generate() -> DemoData {
        var rng = SplitMix64(seed: seed)
        var recorder = Recorder()
        var logs: [DemoLogLine] = []
        let order = ["payment-db", "shipping", "currency", "cart", "catalogue", "payment", "checkout", "frontend"]
        let byName = Dictionary(uniqueKeysWithValues: services.map { ($0.name, $0) })
        var memoryDrift = Dictionary(uniqueKeysWithValues: services.map { ($0.name, 0.0) })
        var poolQueue = 0.0
        var t = startMs
        while t < endMs {
            let active = scenarios.filter { t >= $0.startMs && t < $0.endMs }
            let traffic = trafficFactor(t) * exp(0.05 * rng.nextGaussian())
            // Requests per second per service, flowing down the call graph.
            var rps: [String: Double] = ["frontend": byName["frontend"]!.peakRPS * traffic]
            // The flash sale: buyers go straight to checkout, ramping up over ten minutes.
            if let sale = active.first(where: { $0.kind == .poolSaturation }) {
                let ramp = min(1, Double(t - sale.startMs) / 600_000)
                rps["checkout"] = flashSaleCheckoutRPS * ramp * exp(0.05 * rng.nextGaussian())
            }
            for name in ["frontend", "checkout", "payment", "catalogue", "cart", "currency", "shipping", "payment-db"] {
                for c in calls where c.from == name {
                    rps[c.to, default: 0] += (rps[name] ?? 0) * c.perRequest
                }
            }
            var latency: [String: (p50: Double, p90: Double, p99: Double)] = [:]
            var errorRatio: [String: Double] = [:]
            for name in order {
                let s = byName[name]!
                let load = rps[name] ?? 0
                var own = s.ownLatency * (1 + 0.3 * min(load / max(1, byName["frontend"]!.peakRPS), 1))
                var errors = 0.0005 * exp(0.3 * rng.nextGaussian())
                let cpuUse = 0.02 + load * s.cpuPerRPS
                for sc in active where sc.service == name {
                    switch sc.kind {
                    case .networkDelay: own += 0.200
                    case .podKill:
                        // Half the pods gone: the rest run hot; requests to the dead pod fail until endpoints update.
                        own *= 1.8
                        errors += t < sc.startMs + 60_000 ? 0.08 : 0.01
                    case .cpuStress:
                        // stress-ng takes 1.6 cores in one pod (added per pod below); requests there queue for CPU.
                        own *= 3.5
                    case .poolSaturation: break
                    }
                }
                if name == "payment" {
                    // Little's law: connections in use = payment rate × hold time. Past max_connections the
                    // excess queues; a request that waits 5 s for a connection times out.
                    let demand = load * connectionHoldSeconds
                    let capacityRPS = Double(maxConnections) / connectionHoldSeconds
                    poolQueue = min(max(0, poolQueue + (load - capacityRPS) * 60), capacityRPS * 5)
                    let rho = min(demand / Double(maxConnections), 0.999)
                    var wait = connectionHoldSeconds * pow(rho, 8) / (1 - rho)
                    if poolQueue > 0 { wait += poolQueue / capacityRPS }
                    wait = min(wait, 5.0)
                    own += wait
                    if wait >= 5.0 || poolQueue > 0 {
                        errors += max(0, 1 - capacityRPS / max(load, 1))
                    }
                    let activeConns = min(Double(maxConnections), demand)
                    recorder.add("db_pool_active_connections", ["service": "payment", "pool": "payment-db"], t, activeConns.rounded())
                    recorder.add("db_pool_max_connections", ["service": "payment", "pool": "payment-db"], t, Double(maxConnections))
                    recorder.add("db_pool_wait_seconds", ["service": "payment", "pool": "payment-db"], t, wait)
                    recorder.add("db_pool_waiting_requests", ["service": "payment", "pool": "payment-db"], t, (poolQueue / 60).rounded())
                    if poolQueue > 0 || wait > 1 {
                        logs.append(DemoLogLine(ts: t + 7_000, service: "payment", pod: pod("payment", 0, t), level: "error",
                                                line: "could not acquire connection from pool payment-db within 5000ms (active=\(maxConnections) max_connections=\(maxConnections) waiting=\(Int(poolQueue / 60)))"))
                    }
                }
                var downstream = 0.0
                for c in calls where c.from == name {
                    let l = latency[c.to]?.p50 ?? 0
                    downstream += l * min(c.perRequest, 1)
                    errors += (errorRatio[c.to] ?? 0) * min(c.perRequest, 1) * 0.9
                }
                errors = min(errors, 1)
                let p50 = (own + downstream) * exp(0.04 * rng.nextGaussian())
                latency[name] = (p50, p50 * 2.2, p50 * 4.5)
                errorRatio[name] = errors
                let labels = ["service": name, "namespace": "shop"]
                recorder.add("http_requests_per_second", labels, t, load)
                recorder.add("http_error_ratio", labels, t, errors)
                recorder.add("http_request_duration_seconds", labels.merging(["quantile": "0.5"]) { a, _ in a }, t, p50)
                recorder.add("http_request_duration_seconds", labels.merging(["quantile": "0.9"]) { a, _ in a }, t, p50 * 2.2)
                recorder.add("http_request_duration_seconds", labels.merging(["quantile": "0.99"]) { a, _ in a }, t, p50 * 4.5)
                memoryDrift[name]! += 0.002 * rng.nextGaussian()
                for k in 0..<s.pods {
                    let p = pod(name, k, t)
                    let killed = active.contains { $0.kind == .podKill && $0.service == name } && k == 0
                    let share = cpuUse / Double(s.pods) * (killed ? 0 : 1) * exp(0.08 * rng.nextGaussian())
                    let stressed = active.contains { $0.kind == .cpuStress && $0.service == name } && k == 0
                    let podLabels = ["service": name, "namespace": "shop", "pod": p]
                    recorder.add("container_cpu_usage_cores", podLabels, t, stressed ? share + 1.6 : share)
                    recorder.add("container_memory_working_set_bytes", podLabels, t, (s.memoryMiB * (1 + memoryDrift[name]! + 0.1 * min(load / 200, 1))) * 1_048_576)
                    recorder.add("kube_pod_ready", podLabels, t, killed ? 0 : 1)
                }
                if errors > 0.02 {
                    logs.append(DemoLogLine(ts: t + 13_000, service: name, pod: pod(name, 0, t), level: "error",
                                            line: errorLine(name, active: active, errors: errors, p99: p50 * 4.5)))
                }
                if t % (5 * 60_000) == 0 {
                    logs.append(DemoLogLine(ts: t + 1_000, service: name, pod: pod(name, 0, t), level: "info",
                                            line: "handled \(Int(load * 300)) requests in 5m p50=\(Int(p50 * 1000))ms"))
                }
            }
            for sc in active where sc.startMs == t {
                logs.append(DemoLogLine(ts: t, service: sc.service, pod: pod(sc.service, 0, t), level: "warn", line: startLine(sc)))
            }
            t += stepMs
        }
        return DemoData(series: recorder.series(), edges: edges, logs: logs.sorted { $0.ts < $1.ts }, scenarios: scenarios)
    }

    /// Daily cycle (low at 04:00, peak mid-afternoon, evening shoulder), weekends at 70 %, 1 % growth a day.
    func trafficFactor(_ t: Int64) -> Double {
        let hour = Double((t / 60_000) % 1440) / 60
        let daily = 0.55 + 0.45 * sin((hour - 9) / 24 * 2 * .pi) + 0.12 * exp(-pow(hour - 20.5, 2) / 2)
        let weekday = ((t / 86_400_000) + 4) % 7  // 1970-01-01 was a Thursday; 0 = Sunday
        let weekly = weekday == 0 || weekday == 6 ? 0.7 : 1.0
        let growth = 1 + 0.01 * Double(t - startMs) / 86_400_000
        return max(0.05, daily) * weekly * growth
    }

    /// Pod names as Kubernetes gives them; the cart pod killed by the chaos scenario comes back under a new name.
    func pod(_ service: String, _ k: Int, _ t: Int64) -> String {
        let hash = String(UInt64(bitPattern: Int64(service.unicodeScalars.reduce(5381) { ($0 &* 33) &+ Int($1.value) })) % 0xffffff, radix: 16)
        var suffix = ["x7k2p", "m4q9z", "b8n3d"][k % 3]
        if let kill = scenarios.first(where: { $0.kind == .podKill && $0.service == service }), k == 0, t >= kill.startMs + 2 * 60_000 {
            suffix = "r5w8t"
        }
        return "\(service)-\(hash)-\(suffix)"
    }

    func errorLine(_ service: String, active: [Scenario], errors: Double, p99: Double) -> String {
        switch service {
        case "checkout": return "payment call failed: rpc error: code = Unavailable desc = upstream timeout after 5000ms (error_ratio=\(String(format: "%.2f", errors)))"
        case "frontend": return "request to checkout failed: status 503 after \(Int(p99 * 1000))ms"
        case "cart": return "dial tcp 10.0.3.17:6379: connect: connection refused"
        default: return "request failed: status 500 (error_ratio=\(String(format: "%.2f", errors)))"
        }
    }

    func startLine(_ sc: Scenario) -> String {
        switch sc.kind {
        case .networkDelay: return "slow responses from network: p50 rtt up by 200ms"
        case .podKill: return "received SIGTERM, shutting down"
        case .cpuStress: return "event loop lag 250ms: CPU throttled"
        case .poolSaturation: return "connection pool payment-db at max_connections=\(maxConnections); requests are queueing"
        }
    }
}

/// One injected incident.
package struct Scenario: Sendable, Codable {
    package enum Kind: String, Sendable, Codable { case networkDelay = "network_delay", podKill = "pod_kill", cpuStress = "cpu_stress", poolSaturation = "db_pool_saturation" }
    package let id: String
    package let kind: Kind
    /// The root-cause service.
    package let service: String
    package let startMs: Int64
    package let endMs: Int64
    package let description: String
}

/// A log line of the demo, in the shape `POST /api/v1/logs` takes.
package struct DemoLogLine: Sendable {
    package let ts: Int64
    package let service: String
    package let pod: String
    package let level: String
    package let line: String
}

package struct DemoData: Sendable {
    package let series: [Series]
    package let edges: [GraphEdge]
    package let logs: [DemoLogLine]
    package let scenarios: [Scenario]
}

private struct Recorder {
    var index: [Labels: Int] = [:]
    var all: [Series] = []

    mutating func add(_ name: String, _ labels: [String: String], _ t: Int64, _ v: Double) {
        let key = Labels(name: name, labels)
        if let i = index[key] {
            all[i].samples.append(Sample(t, v))
        } else {
            index[key] = all.count
            all.append(Series(labels: key, samples: [Sample(t, v)]))
        }
    }

    func series() -> [Series] { all }
}
