import AugurCore
@testable import AugurStore
import Testing

@Suite struct ChunkCodecTests {
    func roundTrip(_ ts: [Int64], _ vs: [Double]) throws -> ([Int64], [Double]) {
        let blob = ChunkCodec.encode(ts, vs)
        var t: [Int64] = [], v: [Double] = []
        try ChunkCodec.decode(blob, count: ts.count, into: &t, &v)
        return (t, v)
    }

    @Test func regularScrapesCostLittle() throws {
        let ts = (0..<240).map { Int64(1_700_000_000_000) + Int64($0) * 15_000 }
        let vs = (0..<240).map { Double($0 / 10) }
        let blob = ChunkCodec.encode(ts, vs)
        // One bit per regular timestamp; the value changes every tenth sample.
        #expect(blob.count < 120)
        let (t, v) = try roundTrip(ts, vs)
        #expect(t == ts && v == vs)
    }

    @Test(arguments: [UInt64(1), 7, 42, 1234])
    func randomRoundTripKeepsEveryBit(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var t = Int64.random(in: -1_000_000_000_000...2_000_000_000_000, using: &rng)
        var ts: [Int64] = [], vs: [Double] = []
        let specials: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, StaleMarker.value, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        for k in 0..<500 {
            t += Int64.random(in: 1...(k % 50 == 0 ? 1 << 40 : 30_000), using: &rng)
            ts.append(t)
            vs.append(k % 17 == 0 ? specials[k % specials.count] : Double(bitPattern: rng.next()))
        }
        let (t2, v2) = try roundTrip(ts, vs)
        #expect(t2 == ts)
        #expect(v2.map(\.bitPattern) == vs.map(\.bitPattern))
    }

    @Test func decimalValuesUseTheIntegerEncodingAndRoundTrip() throws {
        let ts = (0..<240).map { Int64($0) * 15_000 }
        // A CPU-seconds counter at 0.01 s resolution, and a gauge with two decimals that moves both ways.
        let counter: [Double] = (0..<240).map { (k: Int) -> Double in Double(12_345_678 + k * 1_437 + (k * 7) % 5) / 100 }
        let gauge: [Double] = (0..<240).map { (k: Int) -> Double in Double(150 + (k * 37) % 80 - 40) / 100 }
        for vs in [counter, gauge] {
            let blob = ChunkCodec.encode(ts, vs)
            #expect(blob[0] != 0, "expected a decimal encoding")
            #expect(blob.count < ChunkCodec.encode(ts, vs.map { $0 + 1e-9 }).count)
            let (t, v) = try roundTrip(ts, vs)
            #expect(t == ts)
            #expect(v.map(\.bitPattern) == vs.map(\.bitPattern))
        }
        // The counter costs about a byte per sample where XOR needs several.
        #expect(ChunkCodec.encode(ts, counter).count < 240 * 2)
    }

    @Test func anyNaNFallsBackToXOR() throws {
        var vs = (0..<50).map { Double($0) }
        vs[20] = StaleMarker.value
        let ts = (0..<50).map { Int64($0) * 1000 }
        #expect(ChunkCodec.encode(ts, vs)[0] == 0)
        let (_, v) = try roundTrip(ts, vs)
        #expect(v.map(\.bitPattern) == vs.map(\.bitPattern))
    }

    @Test func truncatedBlobIsCorrupt() {
        let blob = ChunkCodec.encode([1, 2, 3], [1.5, 2.5, 3.5])
        var t: [Int64] = [], v: [Double] = []
        #expect(throws: StoreError.self) { try ChunkCodec.decode(Array(blob.prefix(10)), count: 3, into: &t, &v) }
    }
}
