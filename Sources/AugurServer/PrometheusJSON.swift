import AugurCore
import AugurPromQL

/// Writers for Prometheus' HTTP API response shapes (`{"status":"success","data":…}`).
enum PrometheusJSON {
    static func success(_ data: String) -> String { "{\"status\":\"success\",\"data\":\(data)}" }

    static func labels(_ l: Labels) -> String { JSONText.object(l) }

    static func string(_ s: String) -> String { JSONText.string(s) }

    /// Prometheus formats values with Go's strconv 'f', -1 and timestamps as float seconds.
    static func value(_ v: Double) -> String {
        var bytes: [UInt8] = []
        appendValue(&bytes, v)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Series as a matrix result's elements: `{"metric":{…},"values":[[t,"v"],…]},…`.
    static func appendMatrix(_ out: inout [UInt8], _ series: [Series]) {
        for (k, s) in series.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: "{\"metric\":\(labels(s.labels)),\"values\":[".utf8)
            for (i, p) in s.samples.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendPoint(&out, p.timestampMs, p.value)
            }
            out.append(contentsOf: "]}".utf8)
        }
    }

    static func time(_ ms: Int64) -> String {
        let s = ms / 1000, r = abs(ms % 1000)
        if r == 0 { return String(s) }
        var frac = String(r)
        while frac.count < 3 { frac = "0" + frac }
        while frac.hasSuffix("0") { frac.removeLast() }
        return (ms < 0 && s == 0 ? "-" : "") + "\(s).\(frac)"
    }

    static func point(_ ms: Int64, _ v: Double) -> String { "[\(time(ms)),\"\(value(v))\"]" }

    /// Appends `[t,"v"]` to a byte buffer: a range query writes hundreds of thousands of these.
    static func appendPoint(_ out: inout [UInt8], _ ms: Int64, _ v: Double) {
        out.append(UInt8(ascii: "["))
        if ms >= 0 {
            appendInt(&out, ms / 1000)
            var r = Int(ms % 1000), divisor = 100
            if r != 0 { out.append(UInt8(ascii: ".")) }
            while r > 0 {
                out.append(UInt8(48 + r / divisor))
                r %= divisor
                divisor /= 10
            }
        } else {
            out.append(contentsOf: time(ms).utf8)
        }
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        appendValue(&out, v)
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: "]"))
    }

    /// `value(v)` appended, in the common case (Swift's shortest digits have no exponent) straight
    /// from those digits rather than through a string built for it.
    static func appendValue(_ out: inout [UInt8], _ v: Double) {
        if v == v.rounded(), abs(v) < 1e15 { return appendInt(&out, Int64(v)) }
        var text = v.description
        let plain = v.isFinite && text.withUTF8 { b in
            guard !b.contains(UInt8(ascii: "e")) else { return false }
            // Integral beyond 1e15 (`1000000000000001.0`): Go writes no fraction.
            let integral = b.count > 2 && b[b.count - 1] == UInt8(ascii: "0") && b[b.count - 2] == UInt8(ascii: ".")
            out.append(contentsOf: integral ? UnsafeBufferPointer(rebasing: b.dropLast(2)) : b)
            return true
        }
        if !plain { out.append(contentsOf: formatValue(v).utf8) }
    }

    static func appendInt(_ out: inout [UInt8], _ n: Int64) {
        if n < 0 { out.append(UInt8(ascii: "-")) }
        var m = n.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat {
                buf[count] = UInt8(48 + m % 10)
                m /= 10
                count += 1
            } while m > 0
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buf[i]) }
        }
    }
}
