import AugurCore
import AugurDemo
import AugurTestSupport
import Testing

/// Each chaos scenario leaves its signature in the data, where and when `scenarios` says.
@Suite(.ownThread) struct DemoSystemTests {
    static let data = DemoSystem(seed: 7, endMs: 1_767_225_600_000, days: 4).generate()

    func mean(_ name: String, _ labels: [String: String], _ from: Int64, _ to: Int64) -> Double {
        let vs = Self.data.series.filter { s in s.labels.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }
            .flatMap(\.samples).filter { $0.timestampMs >= from && $0.timestampMs < to }.map(\.value)
        return vs.reduce(0, +) / Double(max(vs.count, 1))
    }

    func scenario(_ kind: Scenario.Kind) -> Scenario { Self.data.scenarios.first { $0.kind == kind }! }

    @Test func poolSaturationCascadesUpstream() {
        let s = scenario(.poolSaturation)
        let before = (s.startMs - 3_600_000, s.startMs), during = (s.startMs + 900_000, s.endMs)
        #expect(mean("db_pool_active_connections", ["service": "payment"], during.0, during.1) == 20)
        #expect(mean("db_pool_wait_seconds", ["service": "payment"], during.0, during.1) > 1)
        #expect(mean("http_error_ratio", ["service": "checkout"], during.0, during.1) > 10 * mean("http_error_ratio", ["service": "checkout"], before.0, before.1))
        let p50 = ["quantile": "0.5", "service": "frontend"]
        #expect(mean("http_request_duration_seconds", p50, during.0, during.1) > 3 * mean("http_request_duration_seconds", p50, before.0, before.1))
        #expect(Self.data.logs.contains { $0.service == "payment" && $0.line.contains("max_connections=20") && $0.ts >= s.startMs && $0.ts < s.endMs + 3_600_000 })
    }

    @Test func networkDelayAddsTwoHundredMilliseconds() {
        let s = scenario(.networkDelay)
        let q = ["quantile": "0.5", "service": "catalogue"]
        let added = mean("http_request_duration_seconds", q, s.startMs, s.endMs) - mean("http_request_duration_seconds", q, s.startMs - 3_600_000, s.startMs)
        #expect(abs(added - 0.2) < 0.02)
    }

    @Test func killedPodComesBackUnderANewName() {
        let s = scenario(.podKill)
        let pods = Set(Self.data.series.filter { $0.labels.name == "kube_pod_ready" && $0.labels["service"] == "cart" }.compactMap { $0.labels["pod"] })
        #expect(pods.count == 3)
        #expect(mean("http_error_ratio", ["service": "cart"], s.startMs, s.startMs + 60_000) > 0.05)
    }

    @Test func cpuStressShowsOnOnePod() {
        let s = scenario(.cpuStress)
        let cpu = Self.data.series.filter { $0.labels.name == "container_cpu_usage_cores" && $0.labels["service"] == "currency" }
        let during = cpu.map { series in series.samples.filter { $0.timestampMs >= s.startMs && $0.timestampMs < s.endMs }.map(\.value).reduce(0, +) }
        #expect(during.max()! > 10 * during.min()!)
    }

    @Test func sameSeedSameData() {
        let again = DemoSystem(seed: 7, endMs: 1_767_225_600_000, days: 4).generate()
        #expect(again.series == Self.data.series)
    }
}
