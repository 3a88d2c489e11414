/// UTC calendar fields of Unix seconds, for `hour()`, `day_of_week()` and the rest.
enum CivilTime {
    static func field(_ name: String, seconds: Double) -> Double {
        // Go's int64(v) truncates toward zero; beyond ±1e15 s (30 million years) there is no calendar to speak of.
        guard abs(seconds) < 1e15, let s = Int64(exactly: seconds.rounded(.towardZero)) else { return .nan }
        let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        let secondOfDay = s - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        switch name {
        case "minute": return Double(secondOfDay / 60 % 60)
        case "hour": return Double(secondOfDay / 3600)
        case "month": return Double(month)
        case "year": return Double(year)
        case "day_of_month": return Double(day)
        case "day_of_week": return Double(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
        case "day_of_year": return Double(days - self.days(fromCivil: year, 1, 1) + 1)
        case "days_in_month":
            let next = month == 12 ? self.days(fromCivil: year + 1, 1, 1) : self.days(fromCivil: year, month + 1, 1)
            return Double(next - self.days(fromCivil: year, month, 1))
        default: return .nan
        }
    }

    /// Howard Hinnant's days-from-civil and its inverse (proleptic Gregorian).
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
