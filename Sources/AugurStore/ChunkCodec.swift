/// Gorilla-style chunk encoding (Pelkonen et al., "Gorilla: A Fast, Scalable, In-Memory Time Series
/// Database", VLDB 2015): timestamps as delta-of-delta in variable bit buckets, values as the XOR
/// with the previous value. Regular scrapes cost one bit per timestamp; values keep every bit (NaN
/// payloads and stale markers included).
///
/// Layout: 64-bit first timestamp, 64-bit first value, then per sample a timestamp code and a value code.
/// The sample count is stored beside the blob (the `chunks.count` column).
package enum ChunkCodec {
    /// Encodes samples in strictly increasing timestamp order.
    package static func encode(_ ts: UnsafeBufferPointer<Int64>, _ vs: UnsafeBufferPointer<Double>) -> [UInt8] {
        precondition(ts.count == vs.count && !ts.isEmpty)
        var w = BitWriter(capacity: 16 + ts.count * 2)
        w.write(UInt64(bitPattern: ts[0]), 64)
        w.write(vs[0].bitPattern, 64)
        var prevTs = ts[0], prevDelta: Int64 = 0
        var prevBits = vs[0].bitPattern
        var prevLeading = 65, prevTrailing = 0  // 65: no window yet
        for i in 1..<ts.count {
            let delta = ts[i] &- prevTs
            let dod = delta &- prevDelta
            if dod == 0 {
                w.write(0, 1)
            } else if fits(dod, 14) {
                w.write(0b10, 2); w.write(UInt64(bitPattern: dod) & mask(14), 14)
            } else if fits(dod, 17) {
                w.write(0b110, 3); w.write(UInt64(bitPattern: dod) & mask(17), 17)
            } else if fits(dod, 20) {
                w.write(0b1110, 4); w.write(UInt64(bitPattern: dod) & mask(20), 20)
            } else {
                w.write(0b1111, 4); w.write(UInt64(bitPattern: dod), 64)
            }
            prevTs = ts[i]
            prevDelta = delta

            let bits = vs[i].bitPattern
            let x = bits ^ prevBits
            if x == 0 {
                w.write(0, 1)
            } else {
                let leading = min(x.leadingZeroBitCount, 31)
                let trailing = x.trailingZeroBitCount
                if prevLeading != 65 && leading >= prevLeading && trailing >= prevTrailing {
                    w.write(0b10, 2)
                    w.write(x >> UInt64(prevTrailing), 64 - prevLeading - prevTrailing)
                } else {
                    let significant = 64 - leading - trailing
                    w.write(0b11, 2)
                    w.write(UInt64(leading), 5)
                    w.write(UInt64(significant & 63), 6)  // 64 is written as 0
                    w.write(x >> UInt64(trailing), significant)
                    prevLeading = leading
                    prevTrailing = trailing
                }
            }
            prevBits = bits
        }
        return w.finish()
    }

    package static func encode(_ ts: [Int64], _ vs: [Double]) -> [UInt8] {
        ts.withUnsafeBufferPointer { t in vs.withUnsafeBufferPointer { v in encode(t, v) } }
    }

    /// Decodes `count` samples, appending to the arrays.
    package static func decode(_ data: [UInt8], count: Int, into ts: inout [Int64], _ vs: inout [Double]) throws(StoreError) {
        guard count > 0 else { return }
        var r = BitReader(data)
        guard var t = r.read(64).map({ Int64(bitPattern: $0) }), var bits = r.read(64) else { throw corrupt }
        ts.append(t); vs.append(Double(bitPattern: bits))
        var delta: Int64 = 0
        var leading = 0, trailing = 0
        for _ in 1..<count {
            guard let b0 = r.read(1) else { throw corrupt }
            var dod: Int64 = 0
            if b0 == 1 {
                var width = 0
                if r.read(1) == 0 { width = 14 }
                else if r.read(1) == 0 { width = 17 }
                else if r.read(1) == 0 { width = 20 }
                else { width = 64 }
                guard let raw = r.read(width) else { throw corrupt }
                dod = width == 64 ? Int64(bitPattern: raw) : signExtend(raw, width)
            }
            delta &+= dod
            t &+= delta
            guard let v0 = r.read(1) else { throw corrupt }
            if v0 == 1 {
                guard let v1 = r.read(1) else { throw corrupt }
                if v1 == 1 {
                    guard let l = r.read(5), let s = r.read(6) else { throw corrupt }
                    leading = Int(l)
                    let significant = s == 0 ? 64 : Int(s)
                    trailing = 64 - leading - significant
                    guard trailing >= 0 else { throw corrupt }
                }
                guard let m = r.read(64 - leading - trailing) else { throw corrupt }
                bits ^= m << UInt64(trailing)
            }
            ts.append(t); vs.append(Double(bitPattern: bits))
        }
    }

    private static var corrupt: StoreError { StoreError(.corrupt, "a stored chunk does not decode") }

    @inline(__always) private static func mask(_ n: Int) -> UInt64 { n == 64 ? ~0 : (1 << UInt64(n)) - 1 }

    @inline(__always) private static func fits(_ v: Int64, _ bits: Int) -> Bool {
        let limit = Int64(1) << Int64(bits - 1)
        return v >= -limit && v < limit
    }

    @inline(__always) private static func signExtend(_ raw: UInt64, _ bits: Int) -> Int64 {
        let shift = UInt64(64 - bits)
        return Int64(bitPattern: raw << shift) >> Int64(shift)
    }
}

struct BitWriter {
    private var bytes: [UInt8]
    private var acc: UInt64 = 0  // pending bits, left-aligned count in `used`
    private var used = 0

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends the low `n` bits of `value`, most significant first.
    @inline(__always) mutating func write(_ value: UInt64, _ n: Int) {
        guard n > 0 else { return }
        let v = n == 64 ? value : value & ((1 << UInt64(n)) - 1)
        let free = 64 - used
        if n <= free {
            acc |= n == 64 ? v : v << UInt64(free - n)
            used += n
        } else {
            acc |= v >> UInt64(n - free)
            flushWord()
            let rest = n - free
            acc = v << UInt64(64 - rest)
            used = rest
        }
        if used == 64 { flushWord() }
    }

    private mutating func flushWord() {
        var a = acc
        for _ in 0..<8 {
            bytes.append(UInt8(a >> 56))
            a <<= 8
        }
        acc = 0
        used = 0
    }

    mutating func finish() -> [UInt8] {
        var a = acc
        var n = used
        while n > 0 {
            bytes.append(UInt8(a >> 56))
            a <<= 8
            n -= 8
        }
        acc = 0
        used = 0
        return bytes
    }
}

struct BitReader {
    private let bytes: [UInt8]
    private var bit = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    @inline(__always) mutating func read(_ n: Int) -> UInt64? {
        guard n > 0 else { return 0 }
        guard bit + n <= bytes.count * 8 else { return nil }
        var out: UInt64 = 0
        var need = n
        while need > 0 {
            let byte = bytes[bit >> 3]
            let offset = bit & 7
            let avail = 8 - offset
            let take = min(avail, need)
            let chunk = (UInt64(byte) >> UInt64(avail - take)) & ((1 << UInt64(take)) - 1)
            out = (out << UInt64(take)) | chunk
            need -= take
            bit += take
        }
        return out
    }
}
