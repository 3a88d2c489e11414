import AugurCore
@testable import AugurServer
import Foundation
import Testing

/// A range query's points are written as bytes straight from the digits; they must read exactly as
/// the string formatter (Go's strconv 'f', -1) writes the same point.
@Suite struct PrometheusJSONTests {
    @Test func pointBytesEqualThePointText() {
        var rng = SplitMix64(seed: 21)
        var values: [Double] = [0, -0.0, 1, -1, 0.5, 1e-05, 1.5e21, -0.000123, 1e15, 1e15 + 1, 4_503_599_627_370_497, 123_456.789,
                                .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1 + 0.2]
        for _ in 0..<20_000 {
            let magnitude = Double(Int(rng.next() % 60) - 30)
            values.append(rng.nextGaussian() * pow(10, magnitude))
            values.append(Double(Int64(bitPattern: rng.next())))
        }
        let times: [Int64] = [0, 1_767_225_600_000, 1_767_225_600_005, 1_767_225_600_050, 1_767_225_600_120, 1_767_225_600_999, -1_500]
        for (k, v) in values.enumerated() {
            let ms = times[k % times.count]
            var bytes: [UInt8] = []
            PrometheusJSON.appendPoint(&bytes, ms, v)
            #expect(String(decoding: bytes, as: UTF8.self) == PrometheusJSON.point(ms, v), "value \(v) at \(ms) ms")
        }
    }
}
