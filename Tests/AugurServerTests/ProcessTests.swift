import AugurCore
import AugurIngest
import AugurStore
import AugurTestSupport
import Foundation
import Testing

/// Tests that run real processes: the built `augur` binary and Debian's Prometheus.
@Suite(.serialized) struct ProcessTests {
    func startAugur(db: String) async throws -> (Process, Int) { try await startAugurServe(db: db) }

    @Test func answeredWritesSurviveKillDashNine() async throws {
        try await withTemporaryDirectory { dir in
            let db = dir + "/augur.sqlite"
            let (first, port) = try await startAugur(db: db)
            let client = TestClient(port: port)
            var sent: [Series] = []
            for k in 0..<20 {
                let s = syntheticSeries(Labels(name: "durable", ["batch": String(k)]), startMs: 1_700_000_000_000, count: 50, seed: UInt64(k))
                let reply = try await client.post("/api/v1/write", Snappy.compress(RemoteWriteEncoder.encode([s])),
                                                  headers: ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"])
                #expect(reply.status == 204)
                sent.append(s)
            }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(first.terminationReason == .uncaughtSignal)

            let (second, port2) = try await startAugur(db: db)
            defer { second.terminate(); second.waitUntilExit() }
            let r = try await TestClient(port: port2).get("/api/v1/query_range?query=durable&start=1700000000&end=1700000735&step=15")
            let result = (r.json["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
            #expect(result.count == 20)
            #expect(result.allSatisfy { ($0["values"] as? [Any])?.count == 50 })
        }
    }

    static let prometheus = "/usr/bin/prometheus"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: prometheus), "Debian's prometheus is not installed (apt-get install prometheus): real remote-write test skipped"))
    func realPrometheusRemoteWritesIntoAugur() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                try await withTemporaryDirectory { dir in
                    let config = """
                    global:
                      scrape_interval: 1s
                    scrape_configs:
                      - job_name: augur-self
                        static_configs:
                          - targets: ['127.0.0.1:\(client.port)']
                    remote_write:
                      - url: http://127.0.0.1:\(client.port)/api/v1/write
                        queue_config:
                          batch_send_deadline: 1s
                        metadata_config:
                          send_interval: 1s
                    """
                    try config.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
                    let p = Process()
                    p.executableURL = URL(fileURLWithPath: Self.prometheus)
                    p.arguments = ["--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/tsdb", "--web.listen-address=127.0.0.1:0", "--log.level=warn"]
                    p.standardOutput = FileHandle.nullDevice
                    p.standardError = FileHandle.nullDevice
                    try p.run()
                    defer { p.terminate(); p.waitUntilExit() }
                    let selector = #"augur_series{job="augur-self"}"#
                    var found: [[String: String]] = []
                    let deadline = ContinuousClock.now + .seconds(60)
                    while ContinuousClock.now < deadline && found.isEmpty {
                        try await Task.sleep(for: .milliseconds(500))
                        found = (try await client.get("/api/v1/series?match[]=\(q(selector))").json["data"] as? [[String: String]]) ?? []
                    }
                    try #require(found.count == 1, "Prometheus did not remote-write within 60 s")
                    #expect(found[0]["instance"] == "127.0.0.1:\(client.port)")
                    let now = Double(WallClock.nowMs()) / 1000
                    let r = try await client.get("/api/v1/query_range?query=\(q(#"up{job="augur-self"}"#))&start=\(now - 120)&end=\(now)&step=1")
                    let result = (r.json["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
                    #expect(result.count == 1)
                    #expect(((result.first?["values"] as? [[Any]])?.last?[1] as? String) == "1")
                    // Remote-write's metadata arrives too: the scraped families' declared types.
                    var declared: [String: Any] = [:]
                    while ContinuousClock.now < deadline + .seconds(30) && declared.isEmpty {
                        declared = (try await client.get("/api/v1/metadata?metric=augur_ingested_samples_total").json["data"] as? [String: Any]) ?? [:]
                        if declared.isEmpty { try await Task.sleep(for: .milliseconds(500)) }
                    }
                    let entry = (declared["augur_ingested_samples_total"] as? [[String: String]])?.first
                    #expect(entry?["type"] == "counter", "\(declared)")
                }
            }
        }
    }
}

/// The CLI prints the same detail as the API and exits non-zero.
@Suite struct CLITests {
    func run(_ args: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try await runProcess(augurExecutable, args)
        return (r.status, r.out, r.err)
    }

    /// `augur rca score` takes the truth from the data set's layout (Sock Shop: `<service>-<fault>`):
    /// a case missing from the eval's output is a miss, one the data set lacks is refused.
    @Test func rcaScoreCountsEveryCaseOfTheDataSet() async throws {
        try await withTemporaryDirectory { dir in
            for run in ["carts-cpu/1", "carts-cpu/2", "user-mem/1"] {
                try FileManager.default.createDirectory(atPath: "\(dir)/data/\(run)", withIntermediateDirectories: true)
                try "time,x\n".write(toFile: "\(dir)/data/\(run)/anomalous.csv", atomically: true, encoding: .utf8)
            }
            let cases = #"{"case": "carts-cpu/1", "ranking": ["carts", "user"]}"# + "\n" + #"{"case": "user-mem/1", "ranking": ["carts", "orders", "user"]}"#
            try cases.write(toFile: dir + "/cases.jsonl", atomically: true, encoding: .utf8)
            let r = try await run(["rca", "score", "--format", "sockshop", dir + "/data", "--cases", dir + "/cases.jsonl"])
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n")
            #expect(lines.contains { $0.hasPrefix("cpu ") && $0.hasSuffix("2  0.500  0.500  0.500  0.500") }, "\(r.stdout)")
            #expect(lines.contains { $0.hasPrefix("mem ") && $0.hasSuffix("1  0.000  1.000  1.000  0.600") }, "\(r.stdout)")
            #expect(lines.last == "AC@1=0.333 AC@3=0.667 AC@5=0.667 Avg@5=0.533", "\(r.stdout)")
            try #"{"case": "front-end-cpu/1", "ranking": []}"#.write(toFile: dir + "/bad.jsonl", atomically: true, encoding: .utf8)
            let bad = try await run(["rca", "score", "--format", "sockshop", dir + "/data", "--cases", dir + "/bad.jsonl"])
            #expect(bad.status != 0 && bad.stderr.contains("front-end-cpu/1"), "\(bad.stderr)")
            let missing = try await run(["rca", "score", "--format", "sockshop", dir + "/nothing", "--cases", dir + "/cases.jsonl"])
            #expect(missing.status != 0 && missing.stderr.contains("nothing is not a directory"), "\(missing.stderr)")
        }
    }

    /// A bad record is skipped and reported with its line and field; `--strict` refuses the file and writes nothing.
    @Test func importOfABadRecordSkipsItOrWithStrictWritesNothing() async throws {
        try await withTemporaryDirectory { dir in
            try "timestamp,series,value\n2024-01-01T00:00:00Z,up,1\n".write(toFile: dir + "/good.csv", atomically: true, encoding: .utf8)
            try "timestamp,series,value\n2024-01-01T00:02:00Z,up,2\n2024-01-01T00:01:00Z,up,x\n".write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
            let good = try await run(["import", dir + "/good.csv", "--format", "long", "--db", dir + "/a.sqlite"])
            #expect(good.status == 0, "\(good.stderr)")
            let strict = try await run(["import", dir + "/bad.csv", "--format", "long", "--strict", "--db", dir + "/a.sqlite"])
            #expect(strict.status == 65)
            #expect(strict.stderr.contains("at line 3") && strict.stderr.contains("(field value)"), "\(strict.stderr)")
            let query = ["query", "up", "--db", dir + "/a.sqlite", "--start", "2023-12-31T00:00:00Z", "--end", "2024-01-02T00:00:00Z"]
            let q = try await run(query)
            #expect(q.status == 0)
            #expect(q.stdout.split(separator: "\n").count == 2, "header and the one good sample: \(q.stdout)")
            let lenient = try await run(["import", dir + "/bad.csv", "--format", "long", "--db", dir + "/a.sqlite"])
            #expect(lenient.status == 0, "\(lenient.stderr)")
            #expect(lenient.stderr.contains("1 malformed record skipped") && lenient.stderr.contains("bad.csv") && lenient.stderr.contains("at line 3"), "\(lenient.stderr)")
            #expect(try await run(query).stdout.split(separator: "\n").count == 3, "the good row of bad.csv went in")
        }
    }

    /// `augur scale backtest --budget`: the frontier of the settings it chose among, as a table and an
    /// SVG chart; a budget that is not one, or a budget beside a fixed quantile, is refused.
    @Test func scaleBacktestPrintsTheBudgetFrontier() async throws {
        try await withTemporaryDirectory { dir in
            var csv = "timestamp,value\n"
            var rng = SplitMix64(seed: 3)
            for k in 0..<(3 * 96) {
                let hour = Double(k % 96) / 4
                csv += "\(1_700_000_000 + 900 * k),\((hour > 8 && hour < 18 ? 100 : 20) * (1 + 0.05 * rng.nextGaussian()))\n"
            }
            try csv.write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
            let base = ["scale", "backtest", "--input", dir + "/t.csv", "--capacity", "10", "--output", dir + "/r.csv"]
            let r = try await run(base + ["--budget", "125%", "--svg", dir + "/f.svg"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("frontier explored") && r.stdout.contains("fixed: q90 forecast headroom") && r.stdout.contains("chosen online within 1.25× the HPA's pod-hours"), "\(r.stdout)")
            let svg = try String(contentsOfFile: dir + "/f.svg", encoding: .utf8)
            #expect(svg.hasPrefix("<svg") && svg.contains("budget 1.25×") && svg.hasSuffix("</svg>\n"))
            let bad = try await run(base + ["--budget", "cheap"])
            #expect(bad.status != 0 && bad.stderr.contains("--budget cheap is not"), "\(bad.stderr)")
            let both = try await run(base + ["--budget", "1.1", "--quantile", "0.9"])
            #expect(both.status != 0 && both.stderr.contains("pass one of them"), "\(both.stderr)")
            let fixed = try await run(base + ["--quantile", "0.9"])
            #expect(fixed.status == 0 && !fixed.stdout.contains("frontier explored"), "\(fixed.stderr)")
        }
    }

    @Test func misspeltConfigKeyIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            try "server:\n  listen: 127.0.0.1:0\n  read_tokn: x\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
            let r = try await run(["migrate", "--config", dir + "/c.yaml", "--db", dir + "/a.sqlite"])
            #expect(r.status == 78)
            #expect(r.stderr.contains("unknown key server.read_tokn"), "\(r.stderr)")
        }
    }

    @Test func ruleFilesAreCheckedAtLoad() async throws {
        try await withTemporaryDirectory { dir in
            func rules(_ name: String, _ body: String) throws -> String {
                try "groups:\n  - name: g\n    rules:\n\(body)".write(toFile: "\(dir)/\(name).yaml", atomically: true, encoding: .utf8)
                try "incidents:\n  rule_files: [\(dir)/\(name).yaml]\n".write(toFile: "\(dir)/c-\(name).yaml", atomically: true, encoding: .utf8)
                return "\(dir)/c-\(name).yaml"
            }
            let good = try rules("good", """
                      - alert: TrafficOutsideForecast
                        expr: outside_forecast(http_requests_per_second{job="shop"}, 99)
                        for: 10m
                      - alert: Down
                        expr: up == 0
                        for: 1m
                        labels: {severity: page}
                      - record: job:http_requests:rate5m
                        expr: sum by (job) (rate(http_requests_total[5m]))
                      - alert: SlowP99
                        expr: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5
                        for: 5m
                        keep_firing_for: 10m
                        annotations: {summary: "p99 {{ $value | humanize }}s on {{ $labels.job }}"}

                """)
            let ok = try await run(["migrate", "--config", good, "--db", dir + "/a.sqlite"])
            #expect(ok.status == 0, "\(ok.stderr)")
            // The same file is one Prometheus accepts (outside_forecast aside, which only Augur knows).
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") {
                let text = try String(contentsOfFile: "\(dir)/good.yaml", encoding: .utf8)
                try text.replacingOccurrences(of: "outside_forecast(http_requests_per_second{job=\"shop\"}, 99)", with: "http_requests_per_second > 1")
                    .write(toFile: "\(dir)/promtool.yaml", atomically: true, encoding: .utf8)
                let checked = try await runProcess("/usr/bin/promtool", ["check", "rules", "\(dir)/promtool.yaml"])
                #expect(checked.status == 0, "promtool check rules refused the rule file: \(checked.out) \(checked.err)")
            }
            let cases = [
                ("function", "      - alert: Rate\n        expr: rate(http_requests_total) > 1\n", "groups[0].rules[0]: rule Rate: expr \"rate(http_requests_total) > 1\": parse error at char 1: expected type range vector in call to function \"rate\""),
                ("recording", "      - record: job:up:sum\n        expr: up[5m]\n", "groups[0].rules[0]: recording rule job:up:sum: expr \"up[5m]\" is a range vector"),
                ("unknown key", "      - alert: A\n        expr: up == 0\n        query_offset: 1m\n", "groups[0].rules[0]: query_offset is not supported"),
                ("level", "      - alert: A\n        expr: up > 1\n      - alert: B\n        expr: outside_forecast(up, 100)\n", "groups[0].rules[1]: rule B: outside_forecast level \"100\" must be a percentage"),
            ]
            for (name, body, message) in cases {
                let r = try await run(["migrate", "--config", try rules(name, body), "--db", dir + "/a.sqlite"])
                #expect(r.status == 78 && r.stderr.contains(message), "\(name): \(r.status) \(r.stderr)")
            }
        }
    }

    @Test func demoGenerateIsDeterministic() async throws {
        try await withTemporaryDirectory { dir in
            for out in ["a", "b"] {
                let r = try await run(["demo", "generate", "--output", "\(dir)/\(out)", "--days", "1", "--end", "2026-01-10T00:00:00Z"])
                #expect(r.status == 0, "\(r.stderr)")
            }
            let a = FileManager.default.contents(atPath: dir + "/a/metrics.jsonl")
            #expect(a != nil && a == FileManager.default.contents(atPath: dir + "/b/metrics.jsonl"))
        }
    }
}
