import AugurApp
import AugurCore
import AugurIngest
import AugurLogs
import AugurStore
import AugurTestSupport
import Foundation
import Testing

@Suite struct LogAPITests {
    /// Loki's documented push example (https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs),
    /// with the structured-metadata form of its second value.
    static let lokiExample = #"{"streams": [{ "stream": { "foo": "bar2" }, "values": [ [ "1570818238000000000", "fizzbuzz" ], [ "1570818239000000000", "fizzbuzz", {"trace_id": "0242ac120002", "user_id": "superUser123"} ] ] }]}"#

    /// A Loki `PushRequest` in protobuf, as Promtail encodes it (field numbers of logproto/push.proto).
    static func lokiProtobuf(labels: String, entries: [(seconds: Int64, nanos: Int32, line: String)]) -> [UInt8] {
        func varint(_ v: UInt64, _ out: inout [UInt8]) {
            var v = v
            while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
            out.append(UInt8(v))
        }
        func field(_ number: Int, _ bytes: [UInt8], _ out: inout [UInt8]) {
            varint(UInt64(number << 3 | 2), &out)
            varint(UInt64(bytes.count), &out)
            out += bytes
        }
        var stream: [UInt8] = []
        field(1, Array(labels.utf8), &stream)
        for e in entries {
            var ts: [UInt8] = [], entry: [UInt8] = []
            varint(1 << 3, &ts); varint(UInt64(e.seconds), &ts)
            varint(2 << 3, &ts); varint(UInt64(e.nanos), &ts)
            field(1, ts, &entry)
            field(2, Array(e.line.utf8), &entry)
            field(2, entry, &stream)
        }
        var request: [UInt8] = []
        field(1, stream, &request)
        return request
    }

    func lineCount(_ store: Store) throws -> Int { try store.logStorage().lines }

    @Test func everyIngestPathLandsSearchableAndCounted() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                // Augur's JSON lines, one of them a structured (JSON) line with its message in "msg".
                let t0: Int64 = 1_767_225_600_000_000_000  // 2026-01-01T00:00:00Z
                let body = (0..<6).map { i in
                    #"{"ts":"\#(t0 + Int64(i) * 10_000_000_000)","labels":{"service":"cart","pod":"cart-7d9f8b6c5d-x2x4q"},"line":"user \#(i) added item \#(i * 7) to cart"}"#
                }.joined(separator: "\n") + "\n" + #"{"ts":"2026-01-01T00:00:30.5Z","labels":{"pod":"payment-5f7b9c8d4e-abcde"},"line":"{\"level\":\"error\",\"msg\":\"charge failed: timeout after 30s\",\"trace_id\":\"t-1\"}"}"#
                let r = try await client.post("/api/v1/logs", Array(body.utf8))
                #expect(r.status == 200, "\(r.text)")
                #expect(r.json["lines"] as? Int == 7 && r.json["templates"] as? Int == 2)

                // Loki JSON (the documented example), gzip'd, and protobuf + snappy as Promtail sends it.
                #expect(try await client.post("/loki/api/v1/push", Array(Self.lokiExample.utf8), headers: ["Content-Type": "application/json"]).status == 204)
                let gz = Gzip.compress(Array(#"{"streams":[{"stream":{"service":"checkout"},"values":[["1767225601000000000","order 17 placed"]]}]}"#.utf8))
                #expect(try await client.post("/loki/api/v1/push", gz, headers: ["Content-Type": "application/json", "Content-Encoding": "gzip"]).status == 204)
                let proto = Snappy.compress(Self.lokiProtobuf(labels: #"{service="checkout", pod="checkout-1"}"#,
                                                              entries: [(1_767_225_602, 250, "order 18 placed"), (1_767_225_603, 0, "order 19 placed")]))
                #expect(try await client.post("/loki/api/v1/push", proto, headers: ["Content-Type": "application/x-protobuf"]).status == 204)
                #expect(try lineCount(store) == 12)

                let window = "start=2026-01-01T00:00:00Z&end=2026-01-01T01:00:00Z"
                // Search: selector and full text.
                let cart = try await client.get("/api/v1/logs?query=\(q(#"{service="cart"}"#))&\(window)")
                #expect((cart.json["data"] as? [[String: Any]])?.count == 6)
                let failed = try await client.get("/api/v1/logs?search=\(q("charge AND timeout"))&\(window)")
                let hit = (failed.json["data"] as? [[String: Any]])?.first
                #expect(hit?["level"] as? String == "error" && hit?["trace_id"] as? String == "t-1", "\(failed.text)")
                #expect((hit?["labels"] as? [String: String])?["pod"] == "payment-5f7b9c8d4e-abcde")
                let proto1 = try await client.get("/api/v1/logs?search=placed&\(window)&limit=10")
                let placed = proto1.json["data"] as? [[String: Any]] ?? []
                #expect(placed.count == 3)
                #expect(placed.first?["ts"] as? String == "1767225603000000000", "newest first, nanoseconds kept")
                #expect(try await client.get("/api/v1/logs?search=\(q("\"unbalanced"))&\(window)").status == 400)

                // Templates: the cart template with its count, new in this window.
                let templates = try await client.get("/api/v1/logs/templates?\(window)")
                let rows = templates.json["data"] as? [[String: Any]] ?? []
                let cartRow = rows.first { $0["service"] as? String == "cart" }
                #expect(cartRow?["template"] as? String == "user <*> added item <*> to cart" && cartRow?["count"] as? Int == 6 && cartRow?["new"] as? Bool == true)
                #expect(rows.contains { $0["service"] as? String == "payment" && $0["template"] as? String == "charge failed: timeout after <*>" })

                // Per-template and per-level counts are series, readable with query_range.
                let id = cartRow?["template_id"] as? Int ?? -1
                let range = try await client.get("/api/v1/query_range?query=\(q("augur_log_template_total{template_id=\"\(id)\"}"))&start=1767225600&end=1767225900&step=60")
                let result = ((range.json["data"] as? [String: Any])?["result"] as? [[String: Any]])?.first
                #expect((result?["metric"] as? [String: String])?["service"] == "cart")
                let values = (result?["values"] as? [[Any]] ?? []).compactMap { Int($0[1] as? String ?? "") }
                #expect(values.first == 6, "six lines in the first minute: \(range.text)")
                let levels = try await client.get("/api/v1/query?query=\(q("augur_log_lines_total{level=\"error\"}"))&time=1767225660")
                #expect(((levels.json["data"] as? [String: Any])?["result"] as? [Any])?.count == 1)
            }
        }
    }

    @Test func badBodiesWriteNoLine() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                let good = #"{"ts":"1767225600000000000","labels":{"service":"a"},"line":"fine"}"#
                let r = try await client.post("/api/v1/logs", Array((good + "\n" + good + "\n{\"ts\":1}\n").utf8))
                #expect(r.status == 400 && r.json["line"] as? Int == 3, "\(r.text)")
                #expect(try lineCount(store) == 0, "nothing half-written")
            }
        }
    }

    @Test func operatorsPinAndMergeTemplates() async throws {
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                let pin = try await client.post("/api/v1/logs/templates", Array(#"{"pattern":"GET <*> took <*>"}"#.utf8))
                #expect(pin.status == 200)
                let pinnedId = pin.json["template_id"] as? Int
                let lines = ["GET /cart took 12ms", "disk sda1 is full", "disk sdb2 is nearly full"].enumerated().map { i, line in
                    #"{"ts":"\#(1_767_225_600_000_000_000 + Int64(i))","labels":{"service":"web"},"line":"\#(line)"}"#
                }.joined(separator: "\n")
                #expect(try await client.post("/api/v1/logs", Array(lines.utf8)).status == 200)
                let rows = try await client.get("/api/v1/logs/templates?start=2026-01-01T00:00:00Z&end=2026-01-01T00:10:00Z").json["data"] as? [[String: Any]] ?? []
                #expect(rows.contains { $0["template_id"] as? Int == pinnedId && $0["count"] as? Int == 1 })
                let disks = rows.filter { ($0["template"] as? String)?.hasPrefix("disk") == true }.compactMap { $0["template_id"] as? Int }.sorted()
                #expect(disks.count == 2)
                let merge = try await client.post("/api/v1/logs/templates/merge", Array(#"{"from":\#(disks[1]),"into":\#(disks[0])}"#.utf8))
                #expect(merge.status == 200, "\(merge.text)")
                let after = try await client.get("/api/v1/logs/templates?start=2026-01-01T00:00:00Z&end=2026-01-01T00:10:00Z").json["data"] as? [[String: Any]] ?? []
                #expect(after.contains { $0["template_id"] as? Int == disks[0] && $0["count"] as? Int == 2 })
                #expect(try await client.post("/api/v1/logs/templates/merge", Array(#"{"from":\#(disks[1]),"into":\#(disks[0])}"#.utf8)).status == 404)
                #expect(try await client.post("/api/v1/logs/templates", Array(#"{"pattern":"(unclosed","regex":true}"#.utf8)).status == 400)
            }
        }
    }

    /// Two processes mining into one file would hand out the same ids: the second is refused, not merged silently.
    @Test func aSecondMinerOnTheSameFileIsRefused() async throws {
        try await withTestStore { store, path in
            let a = try LogPipeline(store: store)
            let line = { (text: String) in [LogRecord(timestampNs: 1_767_225_600_000_000_000, labels: Labels([("service", "s")]), line: text)] }
            _ = try a.ingest(line("disk full on sda"))
            // The store's writer lock refuses the second one before it can mine anything.
            let refusal = #expect(throws: StoreError.self) { try LogPipeline(store: try Store(path: path)) }
            #expect(refusal?.code == .locked)
            _ = try a.ingest(line("cache warmed in 12ms"))
            #expect(try LogPipeline(store: store).templates.count == 2)
        }
    }

    /// Template ids survive a restart: the same lines after reopening the store get the same ids.
    @Test func templateIdsSurviveARestart() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/augur.sqlite"
            let lines = (0..<40).map { i in
                LogRecord(timestampNs: 1_767_225_600_000_000_000 + Int64(i) * 1_000_000_000, labels: Labels([("service", "svc")]),
                          line: i % 2 == 0 ? "request \(i) served in \(i)ms" : "cache \(i % 3 == 0 ? "hit" : "miss") for key k\(i)")
            }
            var first: [String: Int64] = [:]
            do {
                let pipeline = try LogPipeline(store: try Store(path: path))
                _ = try pipeline.ingest(Array(lines.prefix(20)))
                for t in pipeline.templates { first[t.text] = t.id }
            }
            let pipeline = try LogPipeline(store: try Store(path: path))
            #expect(Dictionary(uniqueKeysWithValues: pipeline.templates.map { ($0.text, $0.id) }) == first)
            let report = try pipeline.ingest(Array(lines.suffix(20)))
            #expect(report.newTemplates == 0, "the second batch found the stored templates")
            #expect(Set(pipeline.templates.map(\.id)) == Set(first.values))
        }
    }
}
