package import AugurCore

/// Prometheus remote-write 1.0 `WriteRequest` (protobuf), decoded by hand.
///
/// Why not swift-protobuf: we need four fields of three messages, and decoding straight from the
/// buffer lets the hot path hash a series' raw label bytes instead of building strings for every
/// sample (Prometheus sends every sample with its full label set). Unknown fields are skipped by
/// wire type, as protobuf requires; exemplars and native histograms are skipped.
///
/// ```
/// message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
/// message MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
/// message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; ... }
/// message Label        { string name = 1; string value = 2; }
/// message Sample       { double value = 1; int64 timestamp = 2; }
/// ```
package struct DecodedWriteRequest {
    /// One entry per TimeSeries: its label bytes' range in the body and its samples' range in `timestamps`/`values`.
    package struct Entry {
        package var labelStart: Int
        package var labelEnd: Int
        /// Whether the label fields are one contiguous run (true for every real sender).
        package var labelsContiguous: Bool
        package var sampleStart: Int
        package var sampleCount: Int
        package var hash: UInt64
    }

    package var entries: [Entry] = []
    package var timestamps: [Int64] = []
    package var values: [Double] = []
    package var histogramsSkipped = 0
    /// Metric families' declared types (Prometheus sends them in requests of their own, every minute).
    package var metadata: [MetricMetadata] = []

    package init(_ body: UnsafeRawBufferPointer) throws(IngestError) {
        var r = ProtoReader(body, 0, body.count)
        entries.reserveCapacity(body.count / 64)
        timestamps.reserveCapacity(body.count / 48)
        values.reserveCapacity(body.count / 48)
        while !r.atEnd {
            let (field, wire) = try r.key(Wires.writeRequest)
            if field == 1 && wire == 2 {
                let (start, end) = try r.lengthDelimited()
                try decodeTimeSeries(body, start, end)
            } else if field == 3 && wire == 2 {
                let (start, end) = try r.lengthDelimited()
                if let m = try Self.metadata(body, start, end) { metadata.append(m) }
            } else {
                try r.skip(wire)
            }
        }
    }

    private mutating func decodeTimeSeries(_ body: UnsafeRawBufferPointer, _ start: Int, _ end: Int) throws(IngestError) {
        var r = ProtoReader(body, start, end)
        var entry = Entry(labelStart: -1, labelEnd: -1, labelsContiguous: true, sampleStart: timestamps.count, sampleCount: 0, hash: 0)
        var sawOther = false
        while !r.atEnd {
            let fieldStart = r.pos
            let (field, wire) = try r.key(Wires.timeSeries)
            switch (field, wire) {
            case (1, 2):
                let (_, e) = try r.lengthDelimited()
                if entry.labelStart < 0 { entry.labelStart = fieldStart } else if sawOther { entry.labelsContiguous = false }
                entry.labelEnd = e
            case (2, 2):
                let (s, e) = try r.lengthDelimited()
                var sr = ProtoReader(body, s, e)
                var value = 0.0, ts: Int64 = 0
                while !sr.atEnd {
                    let (f, w) = try sr.key(Wires.sample)
                    if f == 1 && w == 1 { value = Double(bitPattern: try sr.fixed64()) }
                    else if f == 2 && w == 0 { ts = Int64(bitPattern: try sr.varint()) }
                    else { try sr.skip(w) }
                }
                timestamps.append(ts)
                values.append(value)
                entry.sampleCount += 1
                if entry.labelStart >= 0 { sawOther = true }
            case (4, 2):
                histogramsSkipped += 1
                try r.skip(wire)
                if entry.labelStart >= 0 { sawOther = true }
            default:
                try r.skip(wire)
                if entry.labelStart >= 0 { sawOther = true }
            }
        }
        guard entry.labelStart >= 0 else {
            throw IngestError(.malformed, format: "remote-write", "a TimeSeries has no labels", line: nil, field: "timeseries[\(entries.count)].labels")
        }
        entry.hash = fastHash(body, entry.labelStart, entry.labelEnd)
        entries.append(entry)
    }

    /// One `MetricMetadata`; nil when it names no family or its text is not UTF-8 (it is advice, not data).
    private static func metadata(_ body: UnsafeRawBufferPointer, _ start: Int, _ end: Int) throws(IngestError) -> MetricMetadata? {
        var r = ProtoReader(body, start, end)
        var kind = MetricMetadata.Kind.unknown
        var text: [Int: String] = [:]
        while !r.atEnd {
            let (field, wire) = try r.key(Wires.metadata)
            switch (field, wire) {
            case (1, 0):
                let v = try r.varint()
                kind = v < MetricMetadata.Kind.allCases.count ? MetricMetadata.Kind.allCases[Int(v)] : .unknown
            case (2, 2), (4, 2), (5, 2):
                let (a, b) = try r.lengthDelimited()
                guard let s = String(validating: UnsafeRawBufferPointer(rebasing: body[a..<b]), as: UTF8.self) else { return nil }
                text[field] = s
            default:
                try r.skip(wire)
            }
        }
        guard let name = text[2], Labels.isMetricName(name) else { return nil }
        return MetricMetadata(name: name, type: kind, help: text[4] ?? "", unit: text[5] ?? "")
    }

    /// Parses one entry's labels into a label set, checking them as the remote-write spec requires.
    package func labels(of entry: Entry, in body: UnsafeRawBufferPointer, index: Int) throws(IngestError) -> Labels {
        var pairs: [(String, String)] = []
        var r = ProtoReader(body, entry.labelStart, entry.labelEnd)
        // With non-contiguous labels the range also covers other fields: skip them.
        while !r.atEnd {
            let (field, wire) = try r.key(Wires.timeSeries)
            guard field == 1 && wire == 2 else { try r.skip(wire); continue }
            let (s, e) = try r.lengthDelimited()
            var lr = ProtoReader(body, s, e)
            var name = "", value = ""
            while !lr.atEnd {
                let (f, w) = try lr.key(Wires.label)
                if (f == 1 || f == 2) && w == 2 {
                    let (a, b) = try lr.lengthDelimited()
                    guard let text = String(validating: UnsafeRawBufferPointer(rebasing: body[a..<b]), as: UTF8.self) else {
                        throw IngestError(.malformed, format: "remote-write", "label \(f == 1 ? "name" : "value") is not valid UTF-8", field: "timeseries[\(index)].labels")
                    }
                    if f == 1 { name = text } else { value = text }
                } else {
                    try lr.skip(w)
                }
            }
            guard !name.isEmpty else { throw IngestError(.malformed, format: "remote-write", "a label has an empty name", field: "timeseries[\(index)].labels") }
            pairs.append((name, value))
        }
        let labels: Labels
        do { labels = try Labels(checking: pairs) } catch {
            throw IngestError(.malformed, format: "remote-write", error.detail, field: "timeseries[\(index)].labels")
        }
        guard labels.name != nil else {
            throw IngestError(.malformed, format: "remote-write", "series \(labels) has no __name__ label", field: "timeseries[\(index)].labels")
        }
        return labels
    }
}

/// A 64-bit hash of a byte range, eight bytes at a time; equality is always checked after a hit.
@inline(__always)
func fastHash(_ body: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(end - start)
    var i = start
    while i + 8 <= end {
        let w = body.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        i += 8
    }
    var tail: UInt64 = 0
    while i < end {
        tail = (tail << 8) | UInt64(body[i])
        i += 1
    }
    h = (h ^ tail) &* 0xBF58_476D_1CE4_E5B9
    return h ^ (h >> 31)
}

/// The wire type of each field a message defines, indexed by field number (−1: not defined).
enum Wires {
    static let writeRequest: [Int8] = [-1, 2, -1, 2]
    static let timeSeries: [Int8] = [-1, 2, 2, 2, 2]
    static let label: [Int8] = [-1, 2, 2]
    static let sample: [Int8] = [-1, 1, 0]
    static let metadata: [Int8] = [-1, 0, 2, -1, 2, 2]
    static let lokiPush: [Int8] = [-1, 2]
    static let lokiStream: [Int8] = [-1, 2, 2, 0]
    static let lokiEntry: [Int8] = [-1, 2, 2, 2]
    static let timestamp: [Int8] = [-1, 0, 0]
}

/// Reads protobuf wire format within `[pos, end)`.
struct ProtoReader {
    let body: UnsafeRawBufferPointer
    var pos: Int
    let end: Int
    let format: String

    init(_ body: UnsafeRawBufferPointer, _ start: Int, _ end: Int, format: String = "remote-write") {
        self.body = body
        self.pos = start
        self.end = end
        self.format = format
    }

    var atEnd: Bool { pos >= end }

    func fail(_ what: String) -> IngestError {
        IngestError(.malformed, format: format, "protobuf: \(what) at byte \(pos)")
    }

    @inline(__always) mutating func varint() throws(IngestError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while pos < end {
            let b = body[pos]
            pos += 1
            v |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return v }
            shift += 7
            if shift >= 70 { throw fail("varint too long") }
        }
        throw fail("truncated varint")
    }

    @inline(__always) mutating func key() throws(IngestError) -> (Int, Int) {
        let k = try varint()
        let field = Int(k >> 3), wire = Int(k & 7)
        guard field > 0 else { throw fail("field number 0") }
        return (field, wire)
    }

    /// A key whose field, when the message defines it (`wires[field]` ≥ 0), must have that wire type:
    /// as Prometheus' decoder does, a known field of the wrong type is an error, not a skip.
    @inline(__always) mutating func key(_ wires: [Int8]) throws(IngestError) -> (Int, Int) {
        let (field, wire) = try key()
        if field < wires.count, wires[field] >= 0, Int(wires[field]) != wire {
            throw fail("wrong wire type \(wire) for field \(field)")
        }
        return (field, wire)
    }

    @inline(__always) mutating func fixed64() throws(IngestError) -> UInt64 {
        guard pos + 8 <= end else { throw fail("truncated fixed64") }
        let v = body.loadUnaligned(fromByteOffset: pos, as: UInt64.self)
        pos += 8
        return UInt64(littleEndian: v)
    }

    @inline(__always) mutating func lengthDelimited() throws(IngestError) -> (Int, Int) {
        let n = try varint()
        guard n <= UInt64(end - pos) else { throw fail("length \(n) runs past the end of its message") }
        let s = pos
        pos += Int(n)
        return (s, pos)
    }

    mutating func skip(_ wire: Int) throws(IngestError) {
        switch wire {
        case 0: _ = try varint()
        case 1: guard pos + 8 <= end else { throw fail("truncated fixed64") }; pos += 8
        case 2: _ = try lengthDelimited()
        case 5: guard pos + 4 <= end else { throw fail("truncated fixed32") }; pos += 4
        default: throw fail("unknown wire type \(wire)")
        }
    }
}

/// Encodes a `WriteRequest`, one TimeSeries per series (used by the benchmark client and tests).
package enum RemoteWriteEncoder {
    package static func encode(_ series: [Series]) -> [UInt8] {
        var out: [UInt8] = []
        var ts: [UInt8] = []
        var scratch: [UInt8] = []
        for s in series {
            ts.removeAll(keepingCapacity: true)
            for p in s.labels.pairs {
                scratch.removeAll(keepingCapacity: true)
                putBytes(&scratch, 1, Array(p.name.utf8))
                putBytes(&scratch, 2, Array(p.value.utf8))
                putBytes(&ts, 1, scratch)
            }
            for sample in s.samples {
                scratch.removeAll(keepingCapacity: true)
                scratch.append(0x09)
                withUnsafeBytes(of: sample.value.bitPattern.littleEndian) { scratch.append(contentsOf: $0) }
                scratch.append(0x10)
                putVarint(&scratch, UInt64(bitPattern: sample.timestampMs))
                putBytes(&ts, 2, scratch)
            }
            putBytes(&out, 1, ts)
        }
        return out
    }

    static func putBytes(_ out: inout [UInt8], _ field: Int, _ bytes: [UInt8]) {
        putVarint(&out, UInt64(field << 3 | 2))
        putVarint(&out, UInt64(bytes.count))
        out.append(contentsOf: bytes)
    }

    static func putVarint(_ out: inout [UInt8], _ v: UInt64) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }
}
