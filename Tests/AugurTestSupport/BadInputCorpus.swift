import AugurCore
package import AugurIngest

/// Inputs every ingest path must refuse with a precise 4xx, leaving the store unchanged.
package struct BadInput: Sendable, CustomStringConvertible {
    package let name: String
    package let path: String
    package let headers: [String: String]
    package let body: [UInt8]
    package let status: Int
    /// Problem members the answer must carry (e.g. `line`: "3").
    package let members: [String: String]

    package var description: String { name }
}

package enum BadInputCorpus {
    static let rw = ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"]

    static func snappy(_ bytes: [UInt8]) -> [UInt8] { Snappy.compress(bytes) }

    static func goodWrite() -> [UInt8] {
        RemoteWriteEncoder.encode([Series(labels: Labels(name: "up", ["job": "x"]), samples: [Sample(1_700_000_000_000, 1)])])
    }

    package static let cases: [BadInput] = {
        let good = goodWrite()
        var noName = [UInt8]()
        RemoteWriteEncoderForTests.series(&noName, labels: [("job", "x")], value: 1, ts: 1)
        var emptyLabelName = [UInt8]()
        RemoteWriteEncoderForTests.series(&emptyLabelName, labels: [("__name__", "up"), ("", "x")], value: 1, ts: 1)
        var badUTF8 = [UInt8]()
        RemoteWriteEncoderForTests.series(&badUTF8, labels: [("__name__", "up")], value: 1, ts: 1, rawValue: [0xff, 0xfe])
        return [
            BadInput(name: "remote-write: not snappy", path: "/api/v1/write", headers: rw, body: Array("hello, not snappy".utf8), status: 400, members: ["format": "snappy"]),
            BadInput(name: "remote-write: snappy of garbage protobuf", path: "/api/v1/write", headers: rw, body: snappy([0x0a, 0xff, 0xff, 0xff, 0x0f, 1]), status: 400, members: ["format": "remote-write"]),
            BadInput(name: "remote-write: truncated message", path: "/api/v1/write", headers: rw, body: snappy(Array(good.dropLast(3))), status: 400, members: ["format": "remote-write"]),
            BadInput(name: "remote-write: unknown wire type", path: "/api/v1/write", headers: rw, body: snappy([0x0f, 1]), status: 400, members: ["format": "remote-write"]),
            BadInput(name: "remote-write: series without __name__", path: "/api/v1/write", headers: rw, body: snappy(noName), status: 400, members: ["field": "timeseries[0].labels"]),
            BadInput(name: "remote-write: empty label name", path: "/api/v1/write", headers: rw, body: snappy(emptyLabelName), status: 400, members: ["field": "timeseries[0].labels"]),
            BadInput(name: "remote-write: label not UTF-8", path: "/api/v1/write", headers: rw, body: snappy(badUTF8), status: 400, members: ["field": "timeseries[0].labels"]),
            BadInput(name: "remote-write: gzip instead of snappy", path: "/api/v1/write", headers: ["Content-Encoding": "gzip", "Content-Type": "application/x-protobuf"], body: good, status: 415, members: ["field": "Content-Encoding"]),
            BadInput(name: "remote-write: JSON content type", path: "/api/v1/write", headers: ["Content-Encoding": "snappy", "Content-Type": "application/json"], body: snappy(good), status: 415, members: ["field": "Content-Type"]),
            BadInput(name: "text: bad value on line 3", path: "/api/v1/import/prometheus", headers: [:], body: Array("# TYPE up gauge\nup 1\nup{job=\"a\"} one\n".utf8), status: 400, members: ["line": "3", "field": "value"]),
            BadInput(name: "text: unterminated label value", path: "/api/v1/import/prometheus", headers: [:], body: Array("up{job=\"a} 1\n".utf8), status: 400, members: ["line": "1", "field": "job"]),
            BadInput(name: "text: bad timestamp", path: "/api/v1/import/prometheus", headers: [:], body: Array("up 1 noon\n".utf8), status: 400, members: ["line": "1", "field": "timestamp"]),
            BadInput(name: "text: missing name", path: "/api/v1/import/prometheus", headers: [:], body: Array("up 1\n{job=\"a\"} 1\n".utf8), status: 400, members: ["line": "2", "field": "metric"]),
            BadInput(name: "json: not JSON on line 2", path: "/api/v1/import/json", headers: [:], body: Array("{\"metric\":{\"__name__\":\"a\"},\"values\":[1],\"timestamps\":[1]}\n{oops\n".utf8), status: 400, members: ["line": "2"]),
            BadInput(name: "json: length mismatch", path: "/api/v1/import/json", headers: [:], body: Array("{\"metric\":{\"__name__\":\"a\"},\"values\":[1,2],\"timestamps\":[1]}\n".utf8), status: 400, members: ["line": "1", "field": "values"]),
            BadInput(name: "json: string value", path: "/api/v1/import/json", headers: [:], body: Array("{\"metric\":{\"__name__\":\"a\"},\"values\":[\"x\"],\"timestamps\":[1]}\n".utf8), status: 400, members: ["field": "values[0]"]),
            BadInput(name: "json: label not a string", path: "/api/v1/import/json", headers: [:], body: Array("{\"metric\":{\"__name__\":\"a\",\"n\":1},\"values\":[1],\"timestamps\":[1]}\n".utf8), status: 400, members: ["field": "metric.n"]),
            BadInput(name: "json: fractional timestamp", path: "/api/v1/import/json", headers: [:], body: Array("{\"metric\":{\"__name__\":\"a\"},\"values\":[1],\"timestamps\":[1.5]}\n".utf8), status: 400, members: ["field": "timestamps[0]"]),
            BadInput(name: "json: no name", path: "/api/v1/import/json", headers: [:], body: Array("{\"metric\":{\"job\":\"a\"},\"values\":[1],\"timestamps\":[1]}\n".utf8), status: 400, members: ["field": "metric.__name__"]),
            BadInput(name: "logs: not JSON on line 2", path: "/api/v1/logs", headers: [:], body: Array("{\"ts\":\"1700000000000000000\",\"labels\":{},\"line\":\"ok\"}\nnope\n".utf8), status: 400, members: ["line": "2", "format": "json-lines"]),
            BadInput(name: "logs: no line", path: "/api/v1/logs", headers: [:], body: Array("{\"ts\":\"1700000000000000000\",\"labels\":{}}\n".utf8), status: 400, members: ["line": "1", "field": "line"]),
            BadInput(name: "logs: bad time", path: "/api/v1/logs", headers: [:], body: Array("{\"ts\":\"yesterday\",\"line\":\"x\"}\n".utf8), status: 400, members: ["field": "ts"]),
            BadInput(name: "logs: label not a string", path: "/api/v1/logs", headers: [:], body: Array("{\"ts\":1700000000000000000,\"labels\":{\"n\":1},\"line\":\"x\"}\n".utf8), status: 400, members: ["field": "labels"]),
            BadInput(name: "loki: not JSON", path: "/loki/api/v1/push", headers: ["Content-Type": "application/json"], body: Array("{\"streams\":[".utf8), status: 400, members: ["format": "loki-push"]),
            BadInput(name: "loki: value not a pair", path: "/loki/api/v1/push", headers: ["Content-Type": "application/json"], body: Array("{\"streams\":[{\"stream\":{\"a\":\"b\"},\"values\":[[\"1\",\"ok\"],[\"only\"]]}]}".utf8), status: 400, members: ["field": "streams[0].values[1]"]),
            BadInput(name: "loki: numeric timestamp", path: "/loki/api/v1/push", headers: ["Content-Type": "application/json"], body: Array("{\"streams\":[{\"stream\":{},\"values\":[[1570818238000000000,\"x\"]]}]}".utf8), status: 400, members: ["field": "streams[0].values[0]"]),
            BadInput(name: "loki: gzip that is not", path: "/loki/api/v1/push", headers: ["Content-Type": "application/json", "Content-Encoding": "gzip"], body: Array("plain".utf8), status: 400, members: ["format": "loki-push"]),
            BadInput(name: "loki: protobuf not snappy", path: "/loki/api/v1/push", headers: ["Content-Type": "application/x-protobuf"], body: Array("plain".utf8), status: 400, members: ["format": "snappy"]),
            BadInput(name: "loki: text/plain", path: "/loki/api/v1/push", headers: ["Content-Type": "text/plain"], body: Array("x".utf8), status: 415, members: ["field": "Content-Type"]),
        ]
    }()

    /// CSV files `augur import` must refuse (format, content, expected line and field).
    package static let files: [(name: String, format: ImportFormat, content: String, line: Int?, field: String?)] = [
        ("long: bad value", .long, "timestamp,series,value\n2024-01-01T00:00:00Z,up,1\n2024-01-01T00:01:00Z,up,x\n", 3, "value"),
        ("long: bad series", .long, "2024-01-01T00:00:00Z,up{job=,1\n", 1, "series"),
        ("long: bad time", .long, "noon,up,1\n", 1, "timestamp"),
        ("long: wrong field count", .long, "1,up\n", 1, nil),
        ("wide: ragged row", .wide, "time,a,b\n1,2,3\n2,3\n", 3, nil),
        ("wide: not a number", .wide, "time,a,b\n1,2,3\n2,3,abc\n", 3, "b"),
        ("nab: bad time", .nab, "timestamp,value\n2014-02-14 14:30:00,1\nlater,2\n", 3, "timestamp"),
        ("m4: not a number", .m4, "\"V1\",\"V2\",\"V3\"\n\"H1\",\"1\",\"x\"\n", 2, "V2"),
        ("csv: unterminated quote", .wide, "time,a\n1,\"2\n", 2, nil),
    ]
}

/// Builds raw WriteRequest bytes, including ones the normal encoder would never produce.
package enum RemoteWriteEncoderForTests {
    package static func series(_ out: inout [UInt8], labels: [(String, String)], value: Double, ts: Int64, rawValue: [UInt8]? = nil) {
        var t: [UInt8] = []
        for (i, (n, v)) in labels.enumerated() {
            var l: [UInt8] = []
            put(&l, 1, Array(n.utf8))
            put(&l, 2, i == labels.count - 1 && rawValue != nil ? rawValue! : Array(v.utf8))
            put(&t, 1, l)
        }
        var s: [UInt8] = [0x09]
        withUnsafeBytes(of: value.bitPattern.littleEndian) { s.append(contentsOf: $0) }
        s.append(0x10)
        varint(&s, UInt64(bitPattern: ts))
        put(&t, 2, s)
        put(&out, 1, t)
    }

    static func put(_ out: inout [UInt8], _ field: Int, _ bytes: [UInt8]) {
        varint(&out, UInt64(field << 3 | 2))
        varint(&out, UInt64(bytes.count))
        out += bytes
    }

    static func varint(_ out: inout [UInt8], _ v: UInt64) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }
}
