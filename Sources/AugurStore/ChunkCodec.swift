/// Chunk encodings. Every chunk starts with one byte naming its value encoding; timestamps are always
/// delta-of-delta in variable bit buckets, as in Gorilla (Pelkonen et al., "Gorilla: A Fast, Scalable,
/// In-Memory Time Series Database", VLDB 2015), so regular scrapes cost one bit per timestamp.
///
/// Values take whichever of these is smallest for the chunk:
/// - `xor`: Gorilla's XOR with the previous value; keeps every bit (NaN payloads, stale markers).
/// - `decimalDelta` / `decimalDeltaOfDelta`: when every value is exactly `m / 10^k` for a whole `m`
///   and one `k ≤ 6` (counters, byte counts, gauges with a few decimals), the integers `m` are coded
///   as deltas or deltas of deltas in bit buckets — the idea VictoriaMetrics applies to floats.
///
/// Layout: encoding byte, [k byte for decimal encodings], 64-bit first timestamp, 64-bit first value
/// (bits, or `m`), then per sample a timestamp code and a value code. The count is stored beside the blob.
package enum ChunkCodec {
    enum Encoding: UInt8 { case xor = 0, decimalDelta = 1, decimalDeltaOfDelta = 2 }

    static let powers: [Double] = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000]

    /// Encodes samples in strictly increasing timestamp order, choosing the smallest value encoding.
    package static func encode(_ ts: UnsafeBufferPointer<Int64>, _ vs: UnsafeBufferPointer<Double>) -> [UInt8] {
        precondition(ts.count == vs.count && !ts.isEmpty)
        var best = encodeXOR(ts, vs)
        if let (k, ms) = decimalMantissas(vs) {
            for mode in [Encoding.decimalDelta, .decimalDeltaOfDelta] {
                let candidate = encodeDecimal(ts, ms, k: k, mode: mode)
                if candidate.count < best.count { best = candidate }
            }
        }
        return best
    }

    /// The smallest `k` such that every value is exactly `m / 10^k` with `|m| < 2^53`, and the `m`s.
    static func decimalMantissas(_ vs: UnsafeBufferPointer<Double>) -> (Int, [Int64])? {
        var k = 0
        for v in vs {
            guard v.isFinite, v.bitPattern != (-0.0).bitPattern else { return nil }
            while k < powers.count {
                let m = (v * powers[k]).rounded()
                if abs(m) < 9.0e15 && m / powers[k] == v { break }
                k += 1
            }
            if k == powers.count { return nil }
        }
        var ms: [Int64] = []
        ms.reserveCapacity(vs.count)
        for v in vs {
            let m = (v * powers[k]).rounded()
            guard m / powers[k] == v else { return nil }
            ms.append(Int64(m))
        }
        return (k, ms)
    }

    static func encodeTimestamps(_ w: inout BitWriter, _ ts: UnsafeBufferPointer<Int64>, _ i: Int, _ prevTs: inout Int64, _ prevDelta: inout Int64) {
        let delta = ts[i] &- prevTs
        writeBucketed(&w, delta &- prevDelta)
        prevTs = ts[i]
        prevDelta = delta
    }

    /// Signed integer in buckets: `0` → 0; `10`+14 bits; `110`+17; `1110`+20; `1111`+64.
    @inline(__always) static func writeBucketed(_ w: inout BitWriter, _ v: Int64) {
        if v == 0 {
            w.write(0, 1)
        } else if fits(v, 14) {
            w.write(0b10, 2); w.write(UInt64(bitPattern: v) & mask(14), 14)
        } else if fits(v, 17) {
            w.write(0b110, 3); w.write(UInt64(bitPattern: v) & mask(17), 17)
        } else if fits(v, 20) {
            w.write(0b1110, 4); w.write(UInt64(bitPattern: v) & mask(20), 20)
        } else {
            w.write(0b1111, 4); w.write(UInt64(bitPattern: v), 64)
        }
    }

    @inline(__always) static func readBucketed(_ r: inout BitReader) throws(StoreError) -> Int64 {
        guard let b0 = r.read(1) else { throw corrupt }
        if b0 == 0 { return 0 }
        var width = 0
        if r.read(1) == 0 { width = 14 } else if r.read(1) == 0 { width = 17 } else if r.read(1) == 0 { width = 20 } else { width = 64 }
        guard let raw = r.read(width) else { throw corrupt }
        return width == 64 ? Int64(bitPattern: raw) : signExtend(raw, width)
    }

    static func encodeDecimal(_ ts: UnsafeBufferPointer<Int64>, _ ms: [Int64], k: Int, mode: Encoding) -> [UInt8] {
        var w = BitWriter(capacity: 18 + ts.count)
        w.write(UInt64(mode.rawValue), 8)
        w.write(UInt64(k), 8)
        w.write(UInt64(bitPattern: ts[0]), 64)
        w.write(UInt64(bitPattern: ms[0]), 64)
        var prevTs = ts[0], prevDelta: Int64 = 0
        var prevM = ms[0], prevMDelta: Int64 = 0
        for i in 1..<ts.count {
            encodeTimestamps(&w, ts, i, &prevTs, &prevDelta)
            let d = ms[i] &- prevM
            writeBucketed(&w, mode == .decimalDelta ? d : d &- prevMDelta)
            prevM = ms[i]
            prevMDelta = d
        }
        return w.finish()
    }

    static func encodeXOR(_ ts: UnsafeBufferPointer<Int64>, _ vs: UnsafeBufferPointer<Double>) -> [UInt8] {
        var w = BitWriter(capacity: 17 + ts.count * 2)
        w.write(UInt64(Encoding.xor.rawValue), 8)
        w.write(UInt64(bitPattern: ts[0]), 64)
        w.write(vs[0].bitPattern, 64)
        var prevTs = ts[0], prevDelta: Int64 = 0
        var prevBits = vs[0].bitPattern
        var prevLeading = 65, prevTrailing = 0  // 65: no window yet
        for i in 1..<ts.count {
            encodeTimestamps(&w, ts, i, &prevTs, &prevDelta)
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
        guard let e = r.read(8), let encoding = Encoding(rawValue: UInt8(e)) else { throw corrupt }
        var k = 0
        if encoding != .xor {
            guard let kk = r.read(8), kk < powers.count else { throw corrupt }
            k = Int(kk)
        }
        guard var t = r.read(64).map({ Int64(bitPattern: $0) }), var first = r.read(64) else { throw corrupt }
        // Grown geometrically: an exact reserve per chunk copied everything decoded so far each time
        // (a 7-day read of 15-s samples, chunk after chunk, was a third memmove).
        if ts.capacity < ts.count + count { ts.reserveCapacity(max(ts.count + count, 2 * ts.capacity)) }
        if vs.capacity < vs.count + count { vs.reserveCapacity(max(vs.count + count, 2 * vs.capacity)) }
        var delta: Int64 = 0
        ts.append(t)
        switch encoding {
        case .xor:
            vs.append(Double(bitPattern: first))
            var leading = 0, trailing = 0
            for _ in 1..<count {
                delta &+= try readBucketed(&r)
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
                    first ^= m << UInt64(trailing)
                }
                ts.append(t)
                vs.append(Double(bitPattern: first))
            }
        case .decimalDelta, .decimalDeltaOfDelta:
            let scale = powers[k]
            var m = Int64(bitPattern: first), mDelta: Int64 = 0
            vs.append(Double(m) / scale)
            for _ in 1..<count {
                delta &+= try readBucketed(&r)
                t &+= delta
                let code = try readBucketed(&r)
                mDelta = encoding == .decimalDelta ? code : mDelta &+ code
                m &+= mDelta
                ts.append(t)
                vs.append(Double(m) / scale)
            }
        }
    }

    static var corrupt: StoreError { StoreError(.corrupt, "a stored chunk does not decode") }

    @inline(__always) static func mask(_ n: Int) -> UInt64 { n == 64 ? ~0 : (1 << UInt64(n)) - 1 }

    @inline(__always) static func fits(_ v: Int64, _ bits: Int) -> Bool {
        let limit = Int64(1) << Int64(bits - 1)
        return v >= -limit && v < limit
    }

    @inline(__always) static func signExtend(_ raw: UInt64, _ bits: Int) -> Int64 {
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
