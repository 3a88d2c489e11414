import Foundation

/// Parsing of the time forms operators type: Prometheus durations, RFC 3339 and Unix times.
package enum TimeParsing {
    /// Prometheus duration (`15s`, `5m`, `1h30m`, `30d`, `2w`, `250ms`) or plain seconds (`15`, `0.5`) → milliseconds.
    package static func durationMs(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(t), seconds.isFinite, seconds >= 0 { return Int64((seconds * 1000).rounded()) }
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000), ("y", 31_536_000_000)]
        var total: Int64 = 0
        var rest = Substring(t)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let n = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(rest.hasPrefix("ms") && $0.0 == "m") }) else { return nil }
            rest = rest.dropFirst(unit.0.count)
            total += n * unit.1
        }
        return total
    }

    /// RFC 3339 / ISO-8601 (`2024-01-01T00:00:00Z`, fractional seconds, offsets, or a space instead of `T`,
    /// without zone meaning UTC) or a Unix time in seconds, milliseconds or nanoseconds (told apart by magnitude).
    package static func timestampMs(_ text: some StringProtocol) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return nil }
        if let n = Double(t), n.isFinite { return unixToMs(n) }
        // Nanoseconds to the nearest millisecond.
        return parseISO(t).map { ($0 >= 0 ? $0 + 500_000 : $0 - 499_999) / 1_000_000 }
    }

    /// Unix time of unknown unit → ms: below 1e11 it is seconds, below 1e14 ms, below 1e17 µs, else ns.
    package static func unixToMs(_ n: Double) -> Int64 {
        let a = abs(n)
        if a < 1e11 { return Int64((n * 1000).rounded()) }
        if a < 1e14 { return Int64(n.rounded()) }
        if a < 1e17 { return Int64((n / 1000).rounded()) }
        return Int64((n / 1_000_000).rounded())
    }

    /// An ISO time in Unix nanoseconds.
    static func parseISO(_ text: String) -> Int64? {
        var t = Substring(text)
        // Go's time.String(): `2022-08-22 03:51:19.640328427 +0000 UTC m=+0.146282408`.
        if let r = t.range(of: " m=") { t = t[..<r.lowerBound] }
        if t.hasSuffix(" UTC") { t = t.dropLast(4) }
        let u0 = Array(t.utf8)
        var u: [UInt8] = []
        u.reserveCapacity(u0.count)
        for (k, c) in u0.enumerated() where !(c == 32 && k + 1 < u0.count && (u0[k + 1] == 43 || u0[k + 1] == 45) && k > 10) { u.append(c) }
        // Hand parser: Foundation's ISO8601DateFormatter is slow and strict about fractions.
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= u.count else { return nil }
            var v = 0
            for k in from..<(from + len) {
                let c = u[k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let year = num(0, 4), u.count >= 10, u[4] == 45, let month = num(5, 2), u[7] == 45, let day = num(8, 2) else { return nil }
        var hour = 0, minute = 0, second = 0, fracNs: Int64 = 0, offsetSec = 0
        var i = 10
        if i < u.count, u[i] == 84 || u[i] == 32 || u[i] == 116 {  // 'T', ' ', 't'
            guard let h = num(i + 1, 2), u.count > i + 3, u[i + 3] == 58, let m = num(i + 4, 2) else { return nil }
            hour = h; minute = m; i += 6
            if i < u.count, u[i] == 58 {
                guard let s = num(i + 1, 2) else { return nil }
                second = s; i += 3
            }
            if i < u.count, u[i] == 46 || u[i] == 44 {
                var j = i + 1, scale: Int64 = 100_000_000
                while j < u.count, u[j] >= 48 && u[j] <= 57 { fracNs += Int64(u[j] - 48) * scale; scale /= 10; j += 1 }
                i = j
            }
            if i < u.count {
                if u[i] == 90 || u[i] == 122 { i += 1 }  // Z
                else if u[i] == 43 || u[i] == 45 {
                    let sign = u[i] == 45 ? -1 : 1
                    guard let oh = num(i + 1, 2) else { return nil }
                    var om = 0
                    if let m = num(i + 4, 2), u[i + 3] == 58 { om = m; i += 6 } else if let m = num(i + 3, 2) { om = m; i += 5 } else { i += 3 }
                    offsetSec = sign * (oh * 3600 + om * 60)
                }
            }
        }
        guard i == u.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        let days = daysFromCivil(year, month, day)
        let secs = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second - offsetSec)
        return secs * 1_000_000_000 + fracNs
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
    package static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// RFC 3339 text of a Unix-ms time, UTC.
    package static func rfc3339(_ ms: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        return date.formatted(.iso8601)
    }
}
