import AugurCore
import Testing

@Suite struct SelectorTests {
    let labels = Labels(name: "http_requests_total", ["job": "api", "code": "500", "path": "/a\"b"])

    @Test(arguments: [
        (#"http_requests_total"#, true),
        (#"http_requests_total{job="api"}"#, true),
        (#"http_requests_total{job!="api"}"#, false),
        (#"http_requests_total{code=~"5.."}"#, true),
        (#"http_requests_total{code=~"5"}"#, false),  // anchored: a partial match is no match
        (#"http_requests_total{code!~"2.."}"#, true),
        (#"{__name__=~"http_.*",job="api"}"#, true),
        (#"http_requests_total{missing=""}"#, true),  // absent label matches the empty string
        (#"http_requests_total{path="/a\"b"}"#, true),
        (#"other{job="api"}"#, false),
        (#" http_requests_total { job = "api" , } "#, true),
    ])
    func matching(_ text: String, _ expected: Bool) throws {
        #expect(try Selector(parsing: text).matches(labels) == expected)
    }

    @Test(arguments: ["", "{", "up{job}", "up{job=api}", #"up{job="a""#, #"{a=~".*"}"#, #"up{a=~"("}"#, "up x", #"up{job=~"a"} extra"#, "rate(up[5m])"])
    func rejectsBadSelectors(_ text: String) {
        #expect(throws: QueryError.self) { try Selector(parsing: text) }
    }

    @Test func errorSaysWhere() {
        do {
            _ = try Selector(parsing: #"up{job="a",=}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.detail.contains("position"))
        }
    }
}

@Suite struct LabelsTests {
    @Test func sortedUniqueAndEmptyDropped() {
        let l = Labels([("b", "2"), ("a", "1"), ("b", "3"), ("c", "")])
        #expect(l.pairs.map(\.name) == ["a", "b"])
        #expect(l["b"] == "3")
    }

    @Test func textForm() {
        #expect(Labels(name: "up", ["job": "a\"b"]).description == #"up{job="a\"b"}"#)
        #expect(Labels(name: "up").description == "up")
    }

    @Test(arguments: [("CpuUsageRate(%)", "cpu_usage_rate"), ("PodClientLatencyP90(s)", "pod_client_latency_p90_s"), ("lat_50", "lat_50"), ("9lives", "_9lives"), ("a--b", "a_b")])
    func sanitizedNames(_ raw: String, _ expected: String) {
        #expect(Labels.sanitizedName(raw) == expected)
    }

    @Test(arguments: [("cartservice-579f59597d-wc2lz", "cartservice"), ("ts-auth-service-7f8d7d756d-kzp47", "ts-auth-service"), ("redis-0", "redis"), ("frontend", "frontend"), ("payment-db", "payment-db")])
    func podToService(_ pod: String, _ service: String) {
        #expect(ServiceNaming.service(ofPod: pod) == service)
    }
}

@Suite struct TimeParsingTests {
    @Test(arguments: [("15s", 15_000), ("5m", 300_000), ("1h30m", 5_400_000), ("30d", 2_592_000_000), ("250ms", 250), ("15", 15_000), ("0.5", 500)])
    func durations(_ text: String, _ ms: Int64) {
        #expect(TimeParsing.durationMs(text) == ms)
    }

    @Test(arguments: ["", "5x", "m", "-1", "1.5h"])
    func badDurations(_ text: String) {
        #expect(TimeParsing.durationMs(text) == nil)
    }

    @Test(arguments: [
        ("2024-01-01T00:00:00Z", Int64(1_704_067_200_000)),
        ("2024-01-01T01:00:00+01:00", 1_704_067_200_000),
        ("2024-01-01 00:00:00", 1_704_067_200_000),
        ("2024-01-01T00:00:00.250Z", 1_704_067_200_250),
        ("2022-08-22 03:51:19.640328427 +0000 UTC m=+0.146282408", 1_661_140_279_640),
        ("1704067200", 1_704_067_200_000),
        ("1704067200.5", 1_704_067_200_500),
        ("1704067200000", 1_704_067_200_000),
        ("1704067200000000000", 1_704_067_200_000),
    ])
    func timestamps(_ text: String, _ ms: Int64) {
        #expect(TimeParsing.timestampMs(text) == ms)
    }

    @Test(arguments: ["yesterday", "2024-13-01T00:00:00Z", "2024-01-01T25:00:00Z", "2024-01-01Tfoo"])
    func badTimestamps(_ text: String) {
        #expect(TimeParsing.timestampMs(text) == nil)
    }

    @Test(arguments: [
        ("now", Int64(1_704_067_200_000)), ("NOW", 1_704_067_200_000), ("now-1h", 1_704_063_600_000), ("now+5m", 1_704_067_500_000),
        ("-30m", 1_704_065_400_000), ("2024-01-01T00:00:00Z", 1_704_067_200_000), ("1704067200", 1_704_067_200_000),
        ("-5", -5_000),  // a number is a Unix time, even a negative one
    ] as [(String, Int64?)] + [("now-", nil), ("now*2", nil), ("-x", nil), ("now-1000000y", nil)])
    func commandTimes(_ text: String, _ ms: Int64?) {
        #expect(TimeParsing.commandTimeMs(text, nowMs: 1_704_067_200_000) == ms)
    }
}

@Suite struct ConfigTests {
    @Test func defaults() throws {
        let c = try AugurConfig().validated()
        #expect(c.server.listen == "127.0.0.1:8080")
        #expect(c.storage.path == "data/augur.sqlite")
        #expect(c.storage.retention.ms == 30 * 86_400_000)
    }

    @Test func beyondLoopbackNeedsTokens() throws {
        var c = AugurConfig()
        c.server.listen = "0.0.0.0:8080"
        #expect(throws: ConfigError.self) { try c.validated() }
        c.server.readToken = "r"
        c.server.writeToken = "w"
        #expect(throws: Never.self) { try c.validated() }
        c.server.writeToken = "r"
        #expect(throws: ConfigError.self) { try c.validated() }
    }

    @Test func badListen() {
        var c = AugurConfig()
        c.server.listen = "localhost"
        #expect(throws: ConfigError.self) { try c.validated() }
    }
}

@Suite struct CronScheduleTests {
    let ms = { (s: String) in TimeParsing.timestampMs(s)! }

    @Test func nightlyAtTwo() throws {
        let c = try #require(CronSchedule("0 2 * * *"))
        #expect(c.matches(ms("2026-11-25T02:00:30Z")))
        #expect(!c.matches(ms("2026-11-25T03:00:00Z")))
        #expect(c.next(after: ms("2026-11-25T02:00:00Z")) == ms("2026-11-26T02:00:00Z"))
    }

    @Test func stepsRangesListsAndWeekdays() throws {
        let c = try #require(CronSchedule("*/15 9-17 * * 1-5"))
        #expect(c.matches(ms("2026-11-25T09:45:00Z")))  // a Wednesday
        #expect(!c.matches(ms("2026-11-28T09:45:00Z")))  // a Saturday
        #expect(!c.matches(ms("2026-11-25T09:50:00Z")))
        #expect(try #require(CronSchedule("0 0 1,15 * *")).matches(ms("2026-12-15T00:00:00Z")))
    }

    @Test(arguments: ["", "* * * *", "60 * * * *", "* 24 * * *", "a * * * *", "*/0 * * * *", "5-1 * * * *"])
    func refusesBadSchedules(_ text: String) {
        #expect(CronSchedule(text) == nil)
    }
}
