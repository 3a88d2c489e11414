import AugurCore
import AugurIngest
@testable import AugurServer
import AugurStore
import AugurTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

/// The recommender inside the real server: KEDA metrics-api JSON, the decision history, `/metrics`,
/// query_range and KEDA's external scaler over gRPC with a real gRPC client.
@Suite struct ScaleAPITests {
    /// Six hours of per-minute load for `web` up to now; `old`'s load stopped an hour ago.
    func seed(_ store: Store, nowMs: Int64) throws {
        let ingestor = Ingestor(store: store)
        let start = nowMs - 6 * 3_600_000
        func series(_ service: String, until endMs: Int64) -> Series {
            var rng = SplitMix64(seed: 5)
            let samples = stride(from: start - start % 60_000, through: endMs, by: 60_000).map { t in
                Sample(t, 70 + 30 * sin(Double(t) / 3_600_000) + 3 * rng.nextGaussian())
            }
            return Series(labels: Labels(name: "http_requests_per_second", ["namespace": "shop", "service": service]), samples: samples)
        }
        _ = try ingestor.write([series("web", until: nowMs), series("old", until: nowMs - 3_600_000)])
    }

    func config(_ path: String) -> AugurConfig {
        var c = testConfig(path: path)
        c.scaling.interval = ConfigDuration(seconds: 1)
        c.scaling.warmup = ConfigDuration(seconds: 5 * 3600)
        c.scaling.grpcListen = "127.0.0.1:0"
        for name in ["web", "old"] {
            var w = AugurConfig.Workload(namespace: "shop", name: name, load: "http_requests_per_second{service=\"\(name)\"}")
            w.capacity = 10
            w.maxReplicas = 40
            c.workloads.append(w)
        }
        return c
    }

    func waitForRecommendation(_ client: TestClient, _ path: String) async throws -> TestClient.Reply {
        // The first decision follows a replay of the warm-up: generous, since the parallel suite shares two cores.
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let r = try await client.get(path)
            if r.status == 200 { return r }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("no recommendation at \(path) after 90 s")
    }

    @Test func recommendationsAreServedThroughEveryPath() async throws {
        try await withTestStore { store, path in
            try seed(store, nowMs: WallClock.nowMs())
            try await withTestServerAndScaler(config: config(path), store: store) { client, grpcPort in
                // KEDA metrics-api: valueLocation "replicas".
                let web = try await waitForRecommendation(client, "/api/v1/scale/shop/web").json
                let replicas = try #require(web["replicas"] as? Int)
                #expect((1...40).contains(replicas))
                let decision = try #require(web["decision"] as? [String: Any])
                #expect(decision["lead_seconds"] as? Double == 180)
                #expect(decision["capacity_per_pod"] as? Double == 10)
                // Within the default budget: the setting its continuous backtest chose, or none where the HPA is enough.
                #expect(["forecast", "floor", "no-headroom"].contains(web["signal"] as? String), "\(web)")
                #expect((decision["forecast"] as? [String: Any])?["calibrated"] as? Bool == true)
                #expect(decision["budget_used_ratio"] is Double && (decision["reason"] as? String)?.contains("budget 1.1× the HPA's pod-hours") == true, "\(decision)")

                // Stale input: the safe fallback, flagged, never below what the last load needed.
                let old = try await waitForRecommendation(client, "/api/v1/scale/shop/old").json
                #expect(old["signal"] as? String == "fallback")
                #expect((old["reason"] as? String)?.contains("stale") == true)
                #expect((old["replicas"] as? Int ?? 0) >= 1)

                let missing = try await client.get("/api/v1/scale/shop/nope")
                #expect(missing.status == 404)
                #expect(missing.header("content-type") == "application/problem+json")

                // Every decision with its inputs, and the continuous backtest against the HPA.
                let history = try await client.get("/api/v1/scale/shop/web/history").json
                let data = try #require(history["data"] as? [String: Any])
                let decisions = try #require(data["decisions"] as? [[String: Any]])
                #expect(decisions.count > 100, "the warm-up replay is recorded")
                #expect(decisions.allSatisfy { $0["reason"] is String && $0["signal"] is String })
                let backtest = try #require(data["backtest"] as? [String: Any])
                #expect((backtest["reactive_hpa"] as? [String: Any])?["pod_hours"] is Double)
                let budget = try #require(data["budget"] as? [String: Any])
                #expect(budget["limit"] as? String == "1.1" && budget["used_ratio"] is Double, "\(budget)")
                let badRange = try await client.get("/api/v1/scale/shop/web/history?start=2030-01-01T00:00:00Z&end=2029-01-01T00:00:00Z")
                #expect(badRange.status == 400)

                // /metrics and query_range.
                let metrics = try await client.get("/metrics").text
                #expect(metrics.contains("augur_recommended_replicas{namespace=\"shop\",workload=\"web\"}"))
                #expect(metrics.contains("augur_scale_budget_used_ratio{namespace=\"shop\",workload=\"web\"}"))
                let now = WallClock.nowMs() / 1000
                let range = try await client.get("/api/v1/query_range?query=\(q("augur_recommended_replicas{workload=\"web\"}"))&start=\(now - 3600)&end=\(now)&step=60").json
                let result = ((range["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
                #expect(result.count == 1 && ((result.first?["values"] as? [Any])?.count ?? 0) > 10)

                // KEDA's external scaler over gRPC.
                try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)) { grpc in
                    let scaler = Externalscaler_ExternalScaler.Client(wrapping: grpc)
                    var ref = Externalscaler_ScaledObjectRef()
                    ref.name = "web-scaler"
                    ref.namespace = "shop"
                    ref.scalerMetadata = ["workload": "web"]
                    let spec = try await scaler.getMetricSpec(ref)
                    #expect(spec.metricSpecs.count == 1 && spec.metricSpecs[0].targetSizeFloat == 1 && spec.metricSpecs[0].targetSize == 1)
                    var request = Externalscaler_GetMetricsRequest()
                    request.scaledObjectRef = ref
                    request.metricName = spec.metricSpecs[0].metricName
                    let served = try await client.get("/api/v1/scale/shop/web").json["replicas"] as? Int
                    let metrics = try await scaler.getMetrics(request)
                    #expect(metrics.metricValues.count == 1 && metrics.metricValues[0].metricName == spec.metricSpecs[0].metricName)
                    // The value may have moved on by one decision between the two reads; both are served values.
                    #expect(abs(Int(metrics.metricValues[0].metricValue) - (served ?? -100)) <= 40 && metrics.metricValues[0].metricValueFloat == Double(metrics.metricValues[0].metricValue))
                    #expect(try await scaler.isActive(ref).result)
                    let first = try await scaler.streamIsActive(ref) { response in
                        for try await message in response.messages { return message.result }
                        return false
                    }
                    #expect(first)
                    var unknown = ref
                    unknown.scalerMetadata = ["workload": "nope"]
                    await #expect(throws: RPCError.self) { _ = try await scaler.isActive(unknown) }
                    do { _ = try await scaler.getMetricSpec(unknown) } catch let e as RPCError { #expect(e.code == .notFound) }
                }
            }
        }
    }

    /// A Prometheus counter is a load only through its rate: the raw counter is refused with the
    /// expression to use, and that expression scales as the request rate it is.
    @Test func counterLoadsGoThroughTheirRate() async throws {
        try await withTestStore { store, path in
            let nowMs = WallClock.nowMs()
            var rng = SplitMix64(seed: 9)
            var total = 1e7
            let start = nowMs - 6 * 3_600_000
            let samples = stride(from: start - start % 15_000, through: nowMs, by: 15_000).map { t in
                total += 15 * (70 + 30 * sin(Double(t) / 3_600_000) + 3 * rng.nextGaussian())
                return Sample(t, total.rounded())
            }
            _ = try Ingestor(store: store).write([Series(labels: Labels(name: "http_requests_total", ["service": "api"]), samples: samples)])
            var c = config(path)
            c.workloads = []
            // A shorter replay than the suite's other tests: this one is about the load's expression.
            c.scaling.warmup = ConfigDuration(seconds: 2 * 3600)
            c.scaling.interval = ConfigDuration(seconds: 5)
            for (name, load) in [("raw", #"http_requests_total{service="api"}"#), ("rated", #"sum(rate(http_requests_total{service="api"}[5m]))"#)] {
                var w = AugurConfig.Workload(namespace: "shop", name: name, load: load)
                w.capacity = 10
                w.maxReplicas = 40
                c.workloads.append(w)
            }
            try await withTestServerAndScaler(config: c, store: store) { client, _ in
                let rated = try await waitForRecommendation(client, "/api/v1/scale/shop/rated").json
                // What the observed rate needs (the served value may be the minimum where headroom buys nothing).
                let replicas = try #require((rated["decision"] as? [String: Any])?["reactive_replicas"] as? Int)
                #expect((4...16).contains(replicas), "40-100 requests/s at 10 per pod: \(rated)")
                let raw = try await client.get("/api/v1/scale/shop/raw")
                #expect(raw.status == 503)
                let detail = raw.json["detail"] as? String ?? ""
                #expect(detail.contains("counter http_requests_total") && detail.contains(#"sum(rate(http_requests_total{service="api"}[5m]))"#), "\(detail)")
            }
        }
    }

    /// With tokens, the gRPC scaler takes the read token as metadata, as KEDA's TriggerAuthentication sends it.
    @Test func theExternalScalerTakesTheReadTokenAsMetadata() async throws {
        try await withTestStore { store, path in
            try seed(store, nowMs: WallClock.nowMs())
            var c = config(path)
            c.server.readToken = "scaler-read"
            c.server.writeToken = "scaler-write"
            try await withTestServerAndScaler(config: c, store: store) { _, grpcPort in
                try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)) { grpc in
                    let scaler = Externalscaler_ExternalScaler.Client(wrapping: grpc)
                    var ref = Externalscaler_ScaledObjectRef()
                    ref.name = "web-scaler"
                    ref.namespace = "shop"
                    ref.scalerMetadata = ["workload": "web"]
                    for metadata: Metadata in [[:], ["authorization": "Bearer scaler-write"], ["authorization": "Bearer wrong"]] {
                        do {
                            _ = try await scaler.getMetricSpec(ref, metadata: metadata)
                            Issue.record("getMetricSpec answered without the read token (\(metadata))")
                        } catch let e as RPCError { #expect(e.code == .unauthenticated) }
                    }
                    // With the read token the call reaches the scaler (which may still be warming up).
                    do { _ = try await scaler.getMetricSpec(ref, metadata: ["authorization": "Bearer scaler-read"]) } catch let e as RPCError {
                        #expect(e.code != .unauthenticated, "\(e)")
                    }
                }
            }
        }
    }
}
