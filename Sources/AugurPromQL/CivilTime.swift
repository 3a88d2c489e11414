import AugurCore

/// UTC calendar fields of Unix seconds, for `hour()`, `day_of_week()` and the rest.
enum CivilTime {
    static func field(_ name: String, seconds: Double) -> Double {
        // Go's int64(v) truncates toward zero; beyond ±1e15 s (30 million years) there is no calendar to speak of.
        guard abs(seconds) < 1e15, let s = Int(exactly: seconds.rounded(.towardZero)) else { return .nan }
        let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        let secondOfDay = s - days * 86_400
        let (year, month, day) = TimeParsing.civilFromDays(days)
        switch name {
        case "minute": return Double(secondOfDay / 60 % 60)
        case "hour": return Double(secondOfDay / 3600)
        case "month": return Double(month)
        case "year": return Double(year)
        case "day_of_month": return Double(day)
        case "day_of_week": return Double(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
        case "day_of_year": return Double(days - TimeParsing.daysFromCivil(year, 1, 1) + 1)
        case "days_in_month":
            let next = month == 12 ? TimeParsing.daysFromCivil(year + 1, 1, 1) : TimeParsing.daysFromCivil(year, month + 1, 1)
            return Double(next - TimeParsing.daysFromCivil(year, month, 1))
        default: return .nan
        }
    }
}
