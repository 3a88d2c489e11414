package import AugurCore
import AugurIngest
import Foundation

/// One request of the hardening corpus: it must get a 4xx problem, or one of `success`, and never a
/// 5xx, a hang or a crash; a refused one must leave the store as it was.
package struct Probe: Sendable, CustomStringConvertible {
    package let name: String
    package let method: String
    /// Path and query, already escaped.
    package let path: String
    package let headers: [String: String]
    package let body: [UInt8]?
    /// Statuses that are the documented success for this request (any 4xx is taken as a refusal).
    package let success: Set<Int>

    package init(_ name: String, _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil, success: Set<Int> = [200, 201, 204]) {
        self.name = name
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.success = success
    }

    package var description: String { name }
}

/// Requests a careless client or an attacker sends, over every route and body decoder: numbers that
/// do not fit, selectors that do not parse or would backtrack, label sets Prometheus refuses, bodies
/// cut short or mutated, work without bounds. Built from the request shapes themselves, with a seed.
package enum RequestCorpus {
    static let json = ["Content-Type": "application/json"]
    static let rw = ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"]

    /// Texts a time, duration or count parameter receives.
    package static let numbers = [
        "1e25", "-1e25", "1e300", "-1e300", "NaN", "nan", "Inf", "+Inf", "-Inf", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "18446744073709551616", "1e19", "-1e19", "99999999999999999999999", "1.7976931348623157e308", "4.9e-324",
        "2263-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
        "2024-01-01T00:00:00+99:99", "abc", "", "%20", "0x1p70", "-0", "1e-400", "292277026596-12-04T15:30:07.999999999Z", "-292273086-05-16T16:47:06Z",
        "999999999999y", "1h1h", "5x", "0", "-1", "1ms",
    ]

    /// Selectors a query parameter receives.
    package static let selectors = [
        "", "{", "}", "up{", "up{a=}", "up{a=\"b\"", "{a=~\"(a+)+\"}", "{a=~\"\\\\p{L}\"}", "{a=~\"[\"}", "{a=~\"(?=x)\"}", "{a=~\"(a{1000}){1000}\"}", "{a=~\"a{99999999999999999999}\"}", "{a=~\"a{2,99999999999999999999}\"}",
        "{__name__=~\".*\"}", "{a=\"\"}", "sum(up)", "rate(up[5m])", "up offset 5m", "1+1", "up{a=\"\u{0}\"}", "up{a=\"\\xff\"}",
        String(repeating: "a", count: 60_000), "up{" + (0..<400).map { "l\($0)=\"v\"" }.joined(separator: ",") + "}",
    ]

    static func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }

    /// Every route that takes a time, a duration or a count, with `X` where the value goes.
    static let numberSites: [(String, String, String?)] = [
        ("GET", "/api/v1/query?query=up&time=X", nil),
        ("GET", "/api/v1/query_range?query=up&start=X&end=1700000000&step=60", nil),
        ("GET", "/api/v1/query_range?query=up&start=1700000000&end=X&step=60", nil),
        ("GET", "/api/v1/query_range?query=up&start=1700000000&end=1700003600&step=X", nil),
        ("GET", "/api/v1/series?match%5B%5D=up&start=X", nil),
        ("GET", "/api/v1/series?match%5B%5D=up&end=X", nil),
        ("GET", "/api/v1/labels?start=X", nil),
        ("GET", "/api/v1/forecast?query=up&horizon=X", nil),
        ("GET", "/api/v1/forecast?query=up&horizon=12&time=X", nil),
        ("GET", "/api/v1/forecast?query=up&horizon=12&step=X", nil),
        ("GET", "/api/v1/forecast?query=up&horizon=12&history=X", nil),
        ("GET", "/api/v1/logs?start=X", nil),
        ("GET", "/api/v1/logs?limit=X", nil),
        ("GET", "/api/v1/logs/templates?start=X", nil),
        ("GET", "/api/v1/events?start=X", nil),
        ("GET", "/api/v1/scale/shop/frontend/history?start=X", nil),
        ("POST", "/api/v1/rca", "{\"time\":\"X\"}"),
        ("POST", "/api/v1/rca", "{\"window\":\"X\"}"),
        ("POST", "/api/v1/rca", "{\"baseline\":\"X\"}"),
        ("POST", "/api/v1/incidents", "{\"service\":\"cart\",\"time\":\"X\"}"),
        ("POST", "/api/v1/events", "{\"service\":\"cart\",\"kind\":\"deploy\",\"time\":\"X\"}"),
        ("POST", "/api/v1/calendar", "{\"name\":\"sale\",\"kind\":\"event\",\"start\":\"X\",\"end\":\"2030-01-01T00:00:00Z\"}"),
        ("POST", "/api/v1/alerts/alertmanager", "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\",\"service\":\"cart\"},\"startsAt\":\"X\",\"fingerprint\":\"f\"}]}"),
        ("POST", "/api/v1/logs", "{\"ts\":\"X\",\"line\":\"x\"}"),
        ("POST", "/loki/api/v1/push", "{\"streams\":[{\"stream\":{\"a\":\"b\"},\"values\":[[\"X\",\"x\"]]}]}"),
        ("POST", "/api/v1/import/prometheus", "up 1 X"),
        ("POST", "/api/v1/forecast", "{\"values\":[1,2,3,4,5,6],\"timestamps\":[X,2,3,4,5,6],\"horizon\":2}"),
        ("POST", "/api/v1/forecast", "{\"values\":[1,2,3,4,5,6],\"horizon\":X}"),
    ]

    /// Routes that take a selector, with `X` where it goes.
    static let selectorSites = [
        "/api/v1/query?query=X", "/api/v1/query_range?query=X&start=1700000000&end=1700003600&step=60", "/api/v1/series?match%5B%5D=X",
        "/api/v1/labels?match%5B%5D=X", "/api/v1/label/job/values?match%5B%5D=X", "/api/v1/forecast?query=X&horizon=12", "/api/v1/logs?query=X",
    ]

    /// A valid body for every decoder, to cut short and mutate.
    package static func validBodies(nowMs: Int64) -> [(name: String, path: String, headers: [String: String], body: [UInt8])] {
        let ns = String(nowMs * 1_000_000)
        let write = RemoteWriteEncoder.encode([Series(labels: Labels(name: "fuzz_up", ["job": "x", "instance": "a:1"]), samples: [Sample(nowMs, 1), Sample(nowMs + 1, 2)])])
        return [
            ("remote-write", "/api/v1/write", rw, Snappy.compress(write)),
            ("remote-write raw protobuf", "/api/v1/write", rw, write),
            ("text", "/api/v1/import/prometheus", [:], Array("# TYPE fuzz_t gauge\nfuzz_t{a=\"b\",c=\"d\"} 1.5 \(nowMs)\nfuzz_t{a=\"c\"} 2\n".utf8)),
            ("json lines", "/api/v1/import/json", [:], Array("{\"metric\":{\"__name__\":\"fuzz_j\",\"a\":\"b\"},\"values\":[1,2],\"timestamps\":[\(nowMs),\(nowMs + 1000)]}\n".utf8)),
            ("log json lines", "/api/v1/logs", [:], Array("{\"ts\":\"\(ns)\",\"labels\":{\"service\":\"f\"},\"line\":\"user 7 logged in\",\"trace_id\":\"abc\"}\n".utf8)),
            ("loki json", "/loki/api/v1/push", json, Array("{\"streams\":[{\"stream\":{\"service\":\"f\"},\"values\":[[\"\(ns)\",\"cache warmed in 12ms\",{\"trace_id\":\"t1\"}]]}]}".utf8)),
            ("loki protobuf", "/loki/api/v1/push", ["Content-Type": "application/x-protobuf"], Snappy.compress(lokiProtobuf(seconds: nowMs / 1000))),
            ("loki gzip json", "/loki/api/v1/push", ["Content-Type": "application/json", "Content-Encoding": "gzip"],
             Gzip.compress(Array("{\"streams\":[{\"stream\":{\"service\":\"g\"},\"values\":[[\"\(ns)\",\"gzip line\"]]}]}".utf8))),
            ("alertmanager", "/api/v1/alerts/alertmanager", json, Array("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"Fuzz\",\"service\":\"cart\"},\"annotations\":{},\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"0001-01-01T00:00:00Z\",\"fingerprint\":\"ff\"}]}".utf8)),
            ("incident", "/api/v1/incidents", json, Array("{\"service\":\"cart\",\"description\":\"slow\",\"time\":\"2026-01-01T00:00:00Z\"}".utf8)),
            ("change event", "/api/v1/events", json, Array("{\"service\":\"cart\",\"kind\":\"deploy\",\"version\":\"v2\",\"time\":\"2026-01-01T00:00:00Z\"}".utf8)),
            ("argocd", "/api/v1/events/argocd", json, Array("{\"app\":{\"metadata\":{\"name\":\"cart\"},\"status\":{\"sync\":{\"revision\":\"abc\"},\"operationState\":{\"phase\":\"Succeeded\",\"finishedAt\":\"2026-01-01T00:00:00Z\"}}}}".utf8)),
            ("calendar", "/api/v1/calendar", json, Array("{\"name\":\"fuzz\",\"kind\":\"exclude\",\"start\":\"2026-01-01T00:00:00Z\",\"end\":\"2026-01-02T00:00:00Z\"}".utf8)),
            ("forecast", "/api/v1/forecast", json, Array("{\"values\":[1,2,3,4,5,6,7,8],\"horizon\":2,\"season\":[2],\"level\":[80]}".utf8)),
            ("rca", "/api/v1/rca", json, Array("{\"time\":\"2026-01-01T00:00:00Z\",\"window\":\"5m\",\"symptom\":{\"service\":\"cart\"}}".utf8)),
            ("pin", "/api/v1/logs/templates", json, Array("{\"pattern\":\"user <*> logged in\"}".utf8)),
            ("merge", "/api/v1/logs/templates/merge", json, Array("{\"from\":1,\"into\":2}".utf8)),
            ("feedback", "/api/v1/incidents/1/feedback", json, Array("{\"cause\":\"cart\"}".utf8)),
            ("query form", "/api/v1/query_range", ["Content-Type": "application/x-www-form-urlencoded"], Array("query=up&start=1700000000&end=1700003600&step=60".utf8)),
        ]
    }

    /// A Loki `PushRequest` with one stream and one entry (protobuf, before snappy).
    static func lokiProtobuf(seconds: Int64, line: String = "proto line 42", labels: String = "{service=\"p\"}") -> [UInt8] {
        var timestamp: [UInt8] = [0x08]
        RemoteWriteEncoderForTests.varint(&timestamp, UInt64(bitPattern: seconds))
        var entry: [UInt8] = []
        RemoteWriteEncoderForTests.put(&entry, 1, timestamp)
        RemoteWriteEncoderForTests.put(&entry, 2, Array(line.utf8))
        var stream: [UInt8] = []
        RemoteWriteEncoderForTests.put(&stream, 1, Array(labels.utf8))
        RemoteWriteEncoderForTests.put(&stream, 2, entry)
        var push: [UInt8] = []
        RemoteWriteEncoderForTests.put(&push, 1, stream)
        return push
    }

    /// Label sets Prometheus refuses, through each metrics decoder.
    static func labelProbes(nowMs: Int64) -> [Probe] {
        func remote(_ name: String, _ labels: [(String, String)], raw: [UInt8]? = nil) -> Probe {
            var body: [UInt8] = []
            RemoteWriteEncoderForTests.series(&body, labels: labels, value: 1, ts: nowMs, rawValue: raw)
            return Probe("labels: remote-write \(name)", "POST", "/api/v1/write", headers: rw, body: Snappy.compress(body), success: [])
        }
        func text(_ name: String, _ body: String) -> Probe {
            Probe("labels: text \(name)", "POST", "/api/v1/import/prometheus", body: Array(body.utf8), success: [])
        }
        let long = String(repeating: "v", count: 10 << 20)
        return [
            remote("duplicate name", [("__name__", "up"), ("job", "a"), ("job", "b")]),
            remote("name with a space", [("__name__", "up"), ("bad name", "a")]),
            remote("name with a brace", [("__name__", "up"), ("a{", "a")]),
            remote("name with a newline", [("__name__", "up"), ("a\nb", "a")]),
            remote("name with NUL", [("__name__", "up"), ("a\u{0}", "a")]),
            remote("name starting with a digit", [("__name__", "up"), ("1a", "a")]),
            remote("metric name with a dash", [("__name__", "up-time")]),
            remote("invalid UTF-8 value", [("__name__", "up"), ("job", "")], raw: [0xc3, 0x28]),
            remote("10 MiB value", [("__name__", "up"), ("job", long)]),
            remote("40 labels", [("__name__", "up")] + (0..<40).map { ("l\($0)", "v") }),
            remote("2 KiB name", [("__name__", "up"), (String(repeating: "n", count: 2048), "v")]),
            remote("timestamp Int64.min", [("__name__", "up")]).withTimestamp(.min),
            remote("timestamp Int64.max", [("__name__", "up")]).withTimestamp(.max),
            remote("timestamp in 2100", [("__name__", "up")]).withTimestamp(4_102_444_800_000),
            text("duplicate label", "up{a=\"1\",a=\"2\"} 1\n"),
            text("invalid UTF-8", "up{a=\"\u{FFFD}\"} 1\n").withBody(Array("up{a=\"".utf8) + [0xff, 0xfe] + Array("\"} 1\n".utf8)),
            text("timestamp past Int64", "up 1 9223372036854775808\n"),
            text("timestamp Int64.min", "up 1 -9223372036854775808\n"),
            text("far future", "up 1 4102444800000\n"),
            Probe("labels: json invalid name", "POST", "/api/v1/import/json", body: Array("{\"metric\":{\"__name__\":\"a\",\"b c\":\"d\"},\"values\":[1],\"timestamps\":[\(nowMs)]}\n".utf8), success: []),
            Probe("labels: json timestamp 1e19", "POST", "/api/v1/import/json", body: Array("{\"metric\":{\"__name__\":\"a\"},\"values\":[1],\"timestamps\":[1e19]}\n".utf8), success: []),
            Probe("loki protobuf: seconds past Int64 ns", "POST", "/loki/api/v1/push", headers: ["Content-Type": "application/x-protobuf"], body: Snappy.compress(lokiProtobuf(seconds: 9_300_000_000)), success: []),
            Probe("loki protobuf: negative seconds", "POST", "/loki/api/v1/push", headers: ["Content-Type": "application/x-protobuf"], body: Snappy.compress(lokiProtobuf(seconds: -9_300_000_000)), success: []),
            Probe("remote-write: sample value as varint (wrong wire type)", "POST", "/api/v1/write", headers: rw, body: Snappy.compress(wrongWireSample()), success: []),
        ]
    }

    /// A TimeSeries whose Sample carries its value as a varint (field 1, wire type 0 instead of 1).
    static func wrongWireSample() -> [UInt8] {
        var label: [UInt8] = []
        RemoteWriteEncoderForTests.put(&label, 1, Array("__name__".utf8))
        RemoteWriteEncoderForTests.put(&label, 2, Array("up".utf8))
        var ts: [UInt8] = []
        RemoteWriteEncoderForTests.put(&ts, 1, label)
        RemoteWriteEncoderForTests.put(&ts, 2, [0x08, 0x01, 0x10, 0x01])
        var out: [UInt8] = []
        RemoteWriteEncoderForTests.put(&out, 1, ts)
        return out
    }

    /// Work without bounds in round 1: each must now be refused by a named limit.
    static func limitProbes() -> [Probe] {
        let whitespace = [UInt8](repeating: 32, count: 160 << 20)
        return [
            Probe("limit: forecast timestamps [1,2,3,1e9]", "POST", "/api/v1/forecast", headers: json, body: Array("{\"values\":[1,2,3,4],\"timestamps\":[1,2,3,1e9],\"horizon\":2}".utf8), success: []),
            Probe("limit: forecast step 1ms", "GET", "/api/v1/forecast?query=fuzz_up&horizon=12&history=30d&step=1ms", success: [200]),
            Probe("limit: query_range 1ms step over a year", "GET", "/api/v1/query_range?query=up&start=1600000000&end=1700000000&step=0.001", success: []),
            Probe("limit: gzip bomb of whitespace JSON", "POST", "/loki/api/v1/push", headers: ["Content-Type": "application/json", "Content-Encoding": "gzip"], body: Gzip.compress(whitespace), success: []),
            Probe("limit: snappy claiming 4 GiB", "POST", "/api/v1/write", headers: rw, body: [0xff, 0xff, 0xff, 0xff, 0x0f, 0x00], success: []),
            Probe("limit: 100 KB URL", "GET", "/api/v1/query?query=" + String(repeating: "a", count: 100_000), success: [200]),
            Probe("limit: rca window of 1000 years", "POST", "/api/v1/rca", headers: json, body: Array("{\"window\":\"52000w\"}".utf8), success: []),
        ]
    }

    /// The whole corpus: numbers at every site, selectors at every query route, labels, limits,
    /// the older ingest corpus, and every valid body cut short and mutated (seeded).
    package static func probes(nowMs: Int64, seed: UInt64 = 16) -> [Probe] {
        var out: [Probe] = []
        for (method, site, body) in numberSites {
            for n in numbers {
                if let body {
                    let text = body.replacingOccurrences(of: "X", with: n)
                    let headers = site.contains("import/prometheus") ? [:] : json
                    out.append(Probe("\(site) body \(n)", method, site, headers: headers, body: Array(text.utf8)))
                } else {
                    out.append(Probe("\(site.replacingOccurrences(of: "X", with: n))", method, site.replacingOccurrences(of: "X", with: enc(n))))
                }
            }
        }
        for site in selectorSites {
            for s in selectors { out.append(Probe("selector \(s.prefix(40)) at \(site.prefix(30))", "GET", site.replacingOccurrences(of: "X", with: enc(s)))) }
        }
        out += labelProbes(nowMs: nowMs)
        out += limitProbes()
        for bad in BadInputCorpus.cases { out.append(Probe("ingest corpus: \(bad.name)", "POST", bad.path, headers: bad.headers, body: bad.body, success: [])) }
        var rng = SplitMix64(seed: seed)
        for v in validBodies(nowMs: nowMs) {
            for k in 1...8 {
                let cut = v.body.count * k / 9
                out.append(Probe("\(v.name): cut to \(cut) of \(v.body.count) bytes", "POST", v.path, headers: v.headers, body: Array(v.body.prefix(cut))))
            }
            for k in 0..<8 {
                out.append(Probe("\(v.name): mutation \(k)", "POST", v.path, headers: v.headers, body: Mutation.apply(v.body, &rng)))
            }
        }
        return out
    }
}

/// Seeded byte-level mutations, as a fuzzer makes them.
package enum Mutation {
    package static func apply(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = input
        let rounds = 1 + Int(rng.next() % 4)
        for _ in 0..<rounds {
            let i = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count))
            switch rng.next() % 7 {
            case 0 where !b.isEmpty: b[i] ^= UInt8(1 << (rng.next() % 8))
            case 1 where !b.isEmpty: b[i] = UInt8(truncatingIfNeeded: rng.next())
            case 2: b.insert(contentsOf: interesting[Int(rng.next() % UInt64(interesting.count))], at: i)
            case 3 where !b.isEmpty: b.removeSubrange(i..<min(b.count, i + 1 + Int(rng.next() % 16)))
            case 4 where !b.isEmpty: b.insert(contentsOf: b[i..<min(b.count, i + 1 + Int(rng.next() % 32))], at: Int(rng.next() % UInt64(b.count)))
            case 5: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
            default: if !b.isEmpty { b[i] = [0x00, 0xff, 0x7f, 0x80, 0x22, 0x5c, 0x0a, 0x7b][Int(rng.next() % 8)] }
            }
        }
        return b
    }

    /// Values that break parsers: extremes, separators, escapes.
    static let interesting: [[UInt8]] = ["1e25", "-9223372036854775808", "18446744073709551615", "NaN", "\"", "\\", "{", "}", "[", "]", ",",
                                         "\u{0}", "\n", "\r\n", "\u{FFFD}", "%", "=~\"(a+)+\"", "9999-12-31T23:59:59Z"].map { Array($0.utf8) }
}

extension Probe {
    func withBody(_ body: [UInt8]) -> Probe { Probe(name, method, path, headers: headers, body: body, success: success) }

    /// The same remote-write probe with its one sample at `ts`.
    func withTimestamp(_ ts: Int64) -> Probe {
        var body: [UInt8] = []
        RemoteWriteEncoderForTests.series(&body, labels: [("__name__", "up"), ("job", "ts")], value: 1, ts: ts)
        return Probe(name, method, path, headers: headers, body: Snappy.compress(body), success: success)
    }
}
