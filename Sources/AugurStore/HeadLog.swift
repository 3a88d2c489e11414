/// Encoding of one `head_log` row: the samples of one ingest request (or of a compaction checkpoint).
///
/// Layout: version byte 1, uvarint count, then per sample uvarint series id, zigzag-varint timestamp
/// delta against the previous sample (ms), and the value's 8 bytes little-endian.
enum HeadLog {
    static func encode(ids: [Int64], timestamps: [Int64], values: [Double]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8 + ids.count * 12)
        out.append(1)
        putUVarint(&out, UInt64(ids.count))
        var prev: Int64 = 0
        for i in 0..<ids.count {
            putUVarint(&out, UInt64(ids[i]))
            let d = timestamps[i] &- prev
            putUVarint(&out, UInt64(bitPattern: (d << 1) ^ (d >> 63)))
            prev = timestamps[i]
            var bits = values[i].bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { out.append(contentsOf: $0) }
        }
        return out
    }

    static func decode(_ data: [UInt8], _ body: (Int64, Int64, Double) -> Void) throws(StoreError) {
        let bad = StoreError(.corrupt, "a head_log row does not decode")
        var i = 0
        guard data.first == 1 else { throw bad }
        i = 1
        guard let count = uvarint(data, &i) else { throw bad }
        var prev: Int64 = 0
        for _ in 0..<count {
            guard let id = uvarint(data, &i), let z = uvarint(data, &i), i + 8 <= data.count else { throw bad }
            let d = Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1)
            prev &+= d
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(data[i + k]) << UInt64(8 * k) }
            i += 8
            body(Int64(id), prev, Double(bitPattern: bits))
        }
    }

    @inline(__always) static func putUVarint(_ out: inout [UInt8], _ v: UInt64) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    @inline(__always) static func uvarint(_ data: [UInt8], _ i: inout Int) -> UInt64? {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while i < data.count, shift < 64 {
            let b = data[i]
            i += 1
            v |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return v }
            shift += 7
        }
        return nil
    }
}
