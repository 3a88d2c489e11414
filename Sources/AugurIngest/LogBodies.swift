package import AugurCore
import CZlib
import Foundation

/// The log shapes clusters ship: Augur's JSON lines, Grafana Loki's push API (JSON and protobuf),
/// and the Online Boutique (Nezha) log CSVs. Each decoder reads the whole body before anything is
/// stored, so a bad body writes nothing; errors name the line (or byte) at fault.
package enum LogBodies {
    /// `POST /api/v1/logs`: one `{"ts": RFC 3339 | unix ns, "labels": {…}, "line": "…"}` per line
    /// (optional `trace_id`, `span_id`, `attributes`).
    package static func jsonLines(_ body: [UInt8]) throws(IngestError) -> [LogRecord] {
        var bad = BadRecords.strict
        return try jsonLines(body, bad: &bad)
    }

    /// The same, skipping malformed lines into `bad` unless it is strict (file imports).
    package static func jsonLines(_ body: [UInt8], bad: inout BadRecords) throws(IngestError) -> [LogRecord] {
        var records: [LogRecord] = []
        var lineNumber = 0
        for raw in body.split(separator: 10, omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = raw.last == 13 ? raw.dropLast() : raw
            guard text.contains(where: { $0 != 32 && $0 != 9 }) else { continue }
            func fail(_ detail: String, field: String? = nil) -> IngestError {
                IngestError(.malformed, format: "json-lines", detail, line: lineNumber, field: field)
            }
            try bad.record { () throws(IngestError) in
                guard let object = (try? JSONSerialization.jsonObject(with: Data(text))) as? [String: Any] else { throw fail("not a JSON object") }
                guard let line = object["line"] as? String else { throw fail("\"line\" must be a string", field: "line") }
                guard let ts = timestamp(object["ts"]) else { throw fail("\"ts\" must be RFC 3339 or unix nanoseconds", field: "ts") }
                let labels = try labels(object["labels"], bad: { fail($0, field: "labels") })
                var attributes: [String: String] = [:]
                if let a = object["attributes"] {
                    guard let a = a as? [String: Any] else { throw fail("\"attributes\" must be an object", field: "attributes") }
                    for (k, v) in a { attributes[k] = v as? String ?? (v as? NSNumber)?.stringValue ?? "" }
                }
                records.append(LogRecord(timestampNs: ts, labels: labels, line: line, traceId: object["trace_id"] as? String,
                                         spanId: object["span_id"] as? String, attributes: attributes))
            }
        }
        return records
    }

    /// Loki's JSON push body: `{"streams": [{"stream": {labels}, "values": [["<unix ns>", "<line>", {metadata}?], …]}]}`.
    /// Read by a pull reader: this is the hot path of log ingest, and no tree of `Any` is built.
    package static func lokiJSON(_ body: [UInt8]) throws(IngestError) -> [LogRecord] {
        func bad(_ detail: String, field: String? = nil) -> IngestError { IngestError(.malformed, format: "loki-push", detail, field: field) }
        var json = JSONReader(body)
        var records: [LogRecord] = []
        do {
            guard try json.peek() == .object else { throw bad("not a JSON object") }
            try json.beginObject()
            var sawStreams = false
            while let key = try json.nextKey() {
                guard key == "streams" else { try json.skipValue(); continue }
                guard try json.peek() == .array else { throw bad("\"streams\" must be an array", field: "streams") }
                sawStreams = true
                try json.beginArray()
                var s = 0
                while try json.nextElement() {
                    try lokiStream(&json, index: s, into: &records, bad: bad)
                    s += 1
                }
            }
            try json.end()
            guard sawStreams else { throw bad("\"streams\" must be an array", field: "streams") }
        } catch let error as IngestError {
            throw error
        } catch {
            throw bad("not valid JSON: \(error)")
        }
        return records
    }

    /// One `{"stream": {…}, "values": […]}` of a Loki JSON push, in either member order. Throws
    /// `IngestError` for a body of the wrong shape and `JSONReader.Failure` for one that is not JSON.
    private static func lokiStream(_ json: inout JSONReader, index s: Int, into records: inout [LogRecord],
                                   bad: (String, String?) -> IngestError) throws {
        guard try json.peek() == .object else { throw bad("stream \(s) is not an object", "streams[\(s)]") }
        try json.beginObject()
        var labels = Labels([])
        var entries: [(Int64, String, [String: String])] = []
        var sawValues = false
        while let key = try json.nextKey() {
            switch key {
            case "stream":
                labels = try Self.labels(&json) { bad($0, "streams[\(s)].stream") }
            case "values":
                guard try json.peek() == .array else { throw bad("\"values\" must be an array", "streams[\(s)].values") }
                sawValues = true
                try json.beginArray()
                var v = 0
                while try json.nextElement() {
                    entries.append(try lokiEntry(&json) { bad($0, "streams[\(s)].values[\(v)]") })
                    v += 1
                }
            default: try json.skipValue()
            }
        }
        guard sawValues else { throw bad("\"values\" must be an array", "streams[\(s)].values") }
        for (ts, line, metadata) in entries { records.append(record(ts, labels, line, metadata)) }
    }

    /// `["<unix ns>", "<line>"]` or `["<unix ns>", "<line>", {structured metadata}]`. (`bad` names
    /// the entry only when there is a fault: nothing is built per line for the error's sake.)
    private static func lokiEntry(_ json: inout JSONReader, bad: (String) -> IngestError) throws -> (Int64, String, [String: String]) {
        func shape() -> IngestError { bad("each value is [\"<unix ns>\", \"<line>\"] with optional metadata") }
        guard try json.peek() == .array else { throw shape() }
        try json.beginArray()
        guard try json.nextElement() else { throw shape() }
        guard try json.peek() == .string, let ts = try json.decimalString() else {
            throw bad("the timestamp must be a string of unix nanoseconds (years 1678-2262)")
        }
        guard try json.nextElement(), try json.peek() == .string else { throw shape() }
        let line = try json.string()
        var metadata: [String: String] = [:]
        if try json.nextElement() {
            guard try json.peek() == .object else { throw bad("structured metadata must be an object") }
            try json.beginObject()
            while let k = try json.nextKey() {
                if try json.peek() == .string { metadata[k] = try json.string() } else { try json.skipValue(); metadata[k] = "" }
            }
            guard try !json.nextElement() else { throw shape() }
        }
        return (ts, line, metadata)
    }

    /// Loki's protobuf push body (`logproto.PushRequest`, after snappy), what Promtail and the
    /// OpenTelemetry Collector's Loki exporter send: streams of (labels as `{a="b"}`, entries of
    /// (google.protobuf.Timestamp, line, structured metadata)).
    package static func lokiProtobuf(_ body: [UInt8]) throws(IngestError) -> [LogRecord] {
        try body.withUnsafeBytes { raw -> Result<[LogRecord], IngestError> in
            do throws(IngestError) { return .success(try lokiProtobuf(raw)) } catch { return .failure(error) }
        }.get()
    }

    private static func lokiProtobuf(_ raw: UnsafeRawBufferPointer) throws(IngestError) -> [LogRecord] {
        var records: [LogRecord] = []
        var request = ProtoReader(raw, 0, raw.count, format: "loki-push")
        func string(_ r: (Int, Int), _ what: String) throws(IngestError) -> String {
            guard let s = String(validating: UnsafeRawBufferPointer(rebasing: raw[r.0..<r.1]), as: UTF8.self) else {
                throw IngestError(.malformed, format: "loki-push", "\(what) is not valid UTF-8", field: what)
            }
            return s
        }
        while !request.atEnd {
            let (field, wire) = try request.key(Wires.lokiPush)
            guard field == 1, wire == 2 else { try request.skip(wire); continue }
            let streamRange = try request.lengthDelimited()
            var stream = ProtoReader(raw, streamRange.0, streamRange.1, format: "loki-push")
            var labelText = ""
            var entries: [(Int, Int)] = []
            while !stream.atEnd {
                let (f, w) = try stream.key(Wires.lokiStream)
                switch (f, w) {
                case (1, 2): labelText = try string(try stream.lengthDelimited(), "labels")
                case (2, 2): entries.append(try stream.lengthDelimited())
                default: try stream.skip(w)
                }
            }
            guard let selector = try? Selector(parsing: labelText), selector.matchers.allSatisfy({ $0.op == .equal }) else {
                throw IngestError(.malformed, format: "loki-push", "stream labels \(labelText) are not {name=\"value\", …}", field: "labels")
            }
            let labels = Labels(selector.matchers.map { ($0.name, $0.value) })
            for e in entries {
                var entry = ProtoReader(raw, e.0, e.1, format: "loki-push")
                var seconds: Int64 = 0, nanos: Int64 = 0
                var line = ""
                var metadata: [String: String] = [:]
                while !entry.atEnd {
                    let (f, w) = try entry.key(Wires.lokiEntry)
                    switch (f, w) {
                    case (1, 2):
                        let t = try entry.lengthDelimited()
                        var ts = ProtoReader(raw, t.0, t.1, format: "loki-push")
                        while !ts.atEnd {
                            let (tf, tw) = try ts.key(Wires.timestamp)
                            switch (tf, tw) {
                            case (1, 0): seconds = Int64(bitPattern: try ts.varint())
                            case (2, 0): nanos = Int64(Int32(truncatingIfNeeded: try ts.varint()))
                            default: try ts.skip(tw)
                            }
                        }
                    case (2, 2): line = try string(try entry.lengthDelimited(), "line")
                    case (3, 2):
                        let p = try entry.lengthDelimited()
                        var pair = ProtoReader(raw, p.0, p.1, format: "loki-push")
                        var name = "", value = ""
                        while !pair.atEnd {
                            let (pf, pw) = try pair.key(Wires.label)
                            switch (pf, pw) {
                            case (1, 2): name = try string(try pair.lengthDelimited(), "structuredMetadata")
                            case (2, 2): value = try string(try pair.lengthDelimited(), "structuredMetadata")
                            default: try pair.skip(pw)
                            }
                        }
                        metadata[name] = value
                    default: try entry.skip(w)
                    }
                }
                guard let ns = TimeParsing.ns(seconds, times: 1_000_000_000).flatMap({ ns in nanos >= 0 && nanos < 1_000_000_000 ? ns.addingReportingOverflow(nanos) : nil }), !ns.overflow else {
                    throw IngestError(.malformed, format: "loki-push", "entry timestamp \(seconds) s \(nanos) ns is outside what Unix nanoseconds hold (years 1678-2262)", field: "timestamp")
                }
                records.append(record(ns.partialValue, labels, line, metadata))
            }
        }
        return records
    }

    /// A record with trace and span ids lifted out of the metadata (OpenTelemetry's names and Loki's).
    static func record(_ ts: Int64, _ labels: Labels, _ line: String, _ metadata: [String: String]) -> LogRecord {
        if metadata.isEmpty { return LogRecord(timestampNs: ts, labels: labels, line: line) }
        var m = metadata
        let trace = m.removeValue(forKey: "trace_id") ?? m.removeValue(forKey: "traceID") ?? m.removeValue(forKey: "traceid")
        let span = m.removeValue(forKey: "span_id") ?? m.removeValue(forKey: "spanID") ?? m.removeValue(forKey: "spanid")
        return LogRecord(timestampNs: ts, labels: labels, line: line, traceId: trace, spanId: span, attributes: m)
    }

    static func timestamp(_ value: Any?) -> Int64? {
        if let s = value as? String { return TimeParsing.timestampNs(s) }
        if let n = value as? NSNumber { return TimeParsing.timestampNs(n.stringValue) }
        return nil
    }

    /// An object of string values as labels, read from `json`.
    static func labels(_ json: inout JSONReader, bad: (String) -> IngestError) throws -> Labels {
        guard try json.peek() == .object else { throw bad("labels must be an object of strings") }
        try json.beginObject()
        var pairs: [(String, String)] = []
        while let k = try json.nextKey() {
            pairs.append(try labelPair(k, try json.peek() == .string ? try json.string() : nil, bad: bad))
        }
        return Labels(pairs)
    }

    static func labels(_ value: Any?, bad: (String) -> IngestError) throws(IngestError) -> Labels {
        guard let value else { return Labels([]) }
        guard let object = value as? [String: Any] else { throw bad("labels must be an object of strings") }
        var pairs: [(String, String)] = []
        for (k, v) in object { pairs.append(try labelPair(k, v as? String, bad: bad)) }
        return Labels(pairs)
    }

    /// A label as a client sent it: a non-empty name (sanitised as Prometheus' are) and a string value.
    private static func labelPair(_ name: String, _ value: String?, bad: (String) -> IngestError) throws(IngestError) -> (String, String) {
        guard let value else { throw bad("label \(name) must be a string") }
        guard !name.isEmpty else { throw bad("a label name is empty") }
        return (Labels.sanitizedName(name), value)
    }

    /// The Online Boutique log CSVs (`Timestamp,TimeUnixNano,Node,PodName,Container,TraceID,SpanID,Log`):
    /// the `Log` field is the container runtime's JSON line, whose `log` holds the app's own JSON line.
    package static func nezhaCSV(_ body: [UInt8], file: String) throws(IngestError) -> [LogRecord] {
        var bad = BadRecords.strict
        return try nezhaCSV(body, file: file, bad: &bad)
    }

    /// The same, skipping malformed rows into `bad` unless it is strict (a row of 10 fields where the
    /// header has 8: two lines spliced together).
    package static func nezhaCSV(_ body: [UInt8], file: String, bad: inout BadRecords) throws(IngestError) -> [LogRecord] {
        var rows = CSVReader(bytes: body, source: file).makeIterator()
        guard let header = rows.next() else { return [] }
        let names = header.fields
        func column(_ name: String) throws(IngestError) -> Int {
            guard let i = names.firstIndex(of: name) else { throw IngestError(.malformed, format: "nezha-log", "no \(name) column in \(file)", line: 1) }
            return i
        }
        let (tsCol, podCol, nodeCol, containerCol, traceCol, spanCol, logCol) =
            (try column("TimeUnixNano"), try column("PodName"), try column("Node"), try column("Container"), try column("TraceID"), try column("SpanID"), try column("Log"))
        var records: [LogRecord] = []
        while let row = rows.next() {
            try bad.record { () throws(IngestError) in
                let f = row.fields
                guard f.count == names.count else {
                    throw IngestError(.malformed, format: "nezha-log", "\(f.count) fields where the header has \(names.count)", line: row.line)
                }
                guard let ts = Int64(f[tsCol]) else { throw IngestError(.malformed, format: "nezha-log", "TimeUnixNano is not an integer", line: row.line, field: "TimeUnixNano") }
                let pod = f[podCol]
                let labels = Labels([("service", ServiceNaming.service(ofPod: pod)), ("pod", pod), ("node", f[nodeCol]), ("container", f[containerCol])])
                records.append(LogRecord(timestampNs: ts, labels: labels, line: f[logCol],
                                         traceId: f[traceCol].isEmpty ? nil : f[traceCol], spanId: f[spanCol].isEmpty ? nil : f[spanCol]))
            }
        }
        return records
    }
}

/// gzip (`Content-Encoding: gzip`) through zlib.
package enum Gzip {
    package static func decompress(_ input: [UInt8], limit: Int, format: String) throws(IngestError) -> [UInt8] {
        var stream = z_stream()
        // 15 + 32: a zlib or gzip header, detected.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw IngestError(.malformed, format: format, "gzip: cannot start inflating")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            var rc: Int32 = Z_OK
            while rc == Z_OK {
                rc = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if output.count > limit { return -100 }
                if rc == Z_BUF_ERROR && stream.avail_in == 0 { break }
            }
            return rc
        }
        if status == -100 { throw IngestError(.tooLarge, format: format, "gzip body inflates past \(limit) bytes") }
        guard status == Z_STREAM_END else { throw IngestError(.malformed, format: format, "gzip: corrupt or truncated body (zlib \(status))") }
        return output
    }

    /// gzip compression (tests and the benchmark client).
    package static func compress(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var input = input
        input.withUnsafeMutableBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                stream.next_in = i.baseAddress
                stream.avail_in = uInt(i.count)
                stream.next_out = o.baseAddress
                stream.avail_out = uInt(o.count)
                _ = deflate(&stream, Z_FINISH)
            }
        }
        return Array(output.prefix(Int(stream.total_out)))
    }
}
