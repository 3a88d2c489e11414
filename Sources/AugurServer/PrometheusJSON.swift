import AugurCore

/// Writers for Prometheus' HTTP API response shapes (`{"status":"success","data":…}`).
enum PrometheusJSON {
    static func success(_ data: String) -> String { "{\"status\":\"success\",\"data\":\(data)}" }

    static func labels(_ l: Labels) -> String {
        "{" + l.pairs.map { "\(string($0.name)):\(string($0.value))" }.joined(separator: ",") + "}"
    }

    /// Prometheus formats values with Go's strconv 'f', -1 and timestamps as float seconds.
    static func value(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v == .infinity { return "+Inf" }
        if v == -.infinity { return "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
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

    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
