import Foundation

/// Parsing of the time forms operators type: Prometheus durations, RFC 3339 and Unix times.
///
/// This is the one place where a client's number becomes a time or a duration. Every result is
/// checked to lie in `earliestMs...latestMs` (RFC 3339's years 0000–9999), or a duration to be at most
/// `longestDurationMs`, so that sums and differences of them can never overflow `Int64` downstream.
package enum TimeParsing {
    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, in Unix milliseconds.
    package static let earliestMs: Int64 = -62_167_219_200_000
    package static let latestMs: Int64 = 253_402_300_799_999
    /// The longest duration taken: the whole accepted range.
    package static let longestDurationMs: Int64 = latestMs - earliestMs
    /// What Prometheus' API takes and sends for "no bound" (`minTime`/`maxTime` formatted), mapped to ours.
    static let prometheusMinTime = "-292273086-05-16T16:47:06Z", prometheusMaxTime = "292277026596-12-04T15:30:07.999999999Z"

    /// The accepted range of times, as the error messages say it.
    package static let rangeText = "RFC 3339 (years 0000-9999) or Unix seconds"

    /// Prometheus duration (`15s`, `5m`, `1h30m`, `30d`, `2w`, `250ms`) or plain seconds (`15`, `0.5`) →
    /// milliseconds; nil when it is not one or is longer than `longestDurationMs`.
    package static func durationMs(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(t) {
            return seconds.isFinite && seconds >= 0 ? ms(seconds: seconds).flatMap { $0 <= longestDurationMs ? $0 : nil } : nil
        }
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000), ("y", 31_536_000_000)]
        var total: Int64 = 0
        var rest = Substring(t)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 18, let n = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(rest.hasPrefix("ms") && $0.0 == "m") }) else { return nil }
            rest = rest.dropFirst(unit.0.count)
            let (part, o1) = n.multipliedReportingOverflow(by: unit.1)
            let (sum, o2) = total.addingReportingOverflow(part)
            guard !o1, !o2, sum <= longestDurationMs else { return nil }
            total = sum
        }
        return total
    }

    /// A time as the command line takes it, in Unix ms: what `timestampMs` reads, or `now`, or a
    /// duration from now (`now-1h`, `now+5m`, and `-30m` for `now-30m`).
    package static func commandTimeMs(_ text: some StringProtocol, nowMs: Int64) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        var offset = Substring(t)
        if offset.hasPrefix("now") { offset = offset.dropFirst(3) } else if !offset.hasPrefix("-") || Double(t) != nil { return timestampMs(t) }
        if offset.isEmpty { return nowMs }
        guard let sign = offset.first, sign == "-" || sign == "+", let d = durationMs(String(offset.dropFirst())) else { return nil }
        let (ms, overflow) = sign == "-" ? nowMs.subtractingReportingOverflow(d) : nowMs.addingReportingOverflow(d)
        return !overflow && ms >= earliestMs && ms <= latestMs ? ms : nil
    }

    /// What `commandTimeMs` takes, for help texts and errors.
    package static let commandTimeForms = "RFC 3339, Unix time, now or now-30m; --flag=-30m for short"

    /// RFC 3339 / ISO-8601 (`2024-01-01T00:00:00Z`, fractional seconds, offsets, or a space instead of `T`,
    /// without zone meaning UTC) or a Unix time in seconds, milliseconds or nanoseconds (told apart by
    /// magnitude); nil when it is neither or lies outside `earliestMs...latestMs`.
    package static func timestampMs(_ text: some StringProtocol) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return nil }
        if let n = Double(t) { return unixToMs(n) }
        if t == prometheusMinTime { return earliestMs }
        if t == prometheusMaxTime { return latestMs }
        return parseISOms(t)
    }

    /// Unix time of unknown unit → ms: below 1e11 it is seconds, below 1e14 ms, below 1e17 µs, else ns.
    /// Nil when not finite or outside the accepted range.
    package static func unixToMs(_ n: Double) -> Int64? {
        let a = abs(n)
        let ms: Double
        if a < 1e11 { ms = n * 1000 } else if a < 1e14 { ms = n } else if a < 1e17 { ms = n / 1000 } else { ms = n / 1_000_000 }
        return checkedMs(ms.rounded())
    }

    /// Seconds → ms, nil when not finite or outside the accepted range.
    package static func ms(seconds: Double) -> Int64? { checkedMs((seconds * 1000).rounded()) }

    /// Whole milliseconds as a Double → Int64, nil unless finite and within the accepted range
    /// (the only Double → time conversion of client input; a test checks no other exists).
    @inline(__always) package static func checkedMs(_ ms: Double) -> Int64? {
        guard ms.isFinite, ms >= Double(earliestMs), ms <= Double(latestMs) else { return nil }
        return Int64(ms)
    }

    /// Whether a Unix-ms time lies in the accepted range.
    @inline(__always) package static func inRange(_ ms: Int64) -> Bool { ms >= earliestMs && ms <= latestMs }

    /// An ISO time in Unix ms, rounded to the nearest millisecond.
    static func parseISOms(_ text: String) -> Int64? {
        guard let (seconds, fracNs) = parseISOParts(text) else { return nil }
        let ms = seconds * 1000 + (fracNs + 500_000) / 1_000_000
        return inRange(ms) ? ms : nil
    }

    /// An ISO time in Unix nanoseconds; nil outside what Int64 nanoseconds hold (1677-09-21 to 2262-04-11).
    static func parseISO(_ text: String) -> Int64? {
        guard let (seconds, fracNs) = parseISOParts(text) else { return nil }
        let (ns, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, o2) = ns.addingReportingOverflow(fracNs)
        return o1 || o2 ? nil : sum
    }

    /// An ISO time as whole Unix seconds and the fraction's nanoseconds.
    static func parseISOParts(_ text: String) -> (Int64, Int64)? {
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
        return (secs, fracNs)
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

    /// The proleptic Gregorian date (year, month, day) of a count of days since 1970-01-01: the inverse of `daysFromCivil`.
    package static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// RFC 3339 text of a Unix-ms time, UTC.
    package static func rfc3339(_ ms: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        return date.formatted(.iso8601)
    }
}

extension Int64 {
    /// A Double as an Int64 without trapping: NaN is 0, values past either end are clamped. For
    /// internal numbers (positions, counts, times already checked); client input goes through `TimeParsing`.
    package init(saturating d: Double) {
        if d.isNaN { self = 0 } else if d >= 9.223372036854775e18 { self = .max } else if d <= -9.223372036854775e18 { self = .min } else { self = Int64(d) }
    }
}

extension Int {
    /// As `Int64(saturating:)`.
    package init(saturating d: Double) { self = Int(Int64(saturating: d)) }
}
