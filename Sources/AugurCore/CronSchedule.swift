/// A five-field cron schedule (`minute hour day-of-month month day-of-week`, UTC), with `*`, lists,
/// ranges and steps: `0 2 * * *` is every night at 02:00.
package struct CronSchedule: Sendable, Equatable {
    let minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>
    let anyDay: Bool, anyWeekday: Bool

    package init?(_ text: String) {
        let f = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard f.count == 5,
              let mi = Self.field(f[0], 0...59), let h = Self.field(f[1], 0...23), let d = Self.field(f[2], 1...31),
              let mo = Self.field(f[3], 1...12), let w = Self.field(f[4], 0...7) else { return nil }
        minutes = mi; hours = h; days = d; months = mo
        weekdays = Set(w.map { $0 % 7 })
        anyDay = f[2] == "*"
        anyWeekday = f[4] == "*"
    }

    static func field(_ text: String, _ range: ClosedRange<Int>) -> Set<Int>? {
        var out = Set<Int>()
        for part in text.split(separator: ",") {
            let stepParts = part.split(separator: "/")
            guard stepParts.count <= 2 else { return nil }
            let step = stepParts.count == 2 ? Int(stepParts[1]) : 1
            guard let step, step > 0 else { return nil }
            var lo = range.lowerBound, hi = range.upperBound
            if stepParts[0] != "*" {
                let bounds = stepParts[0].split(separator: "-").map { Int($0) }
                guard (1...2).contains(bounds.count), let a = bounds[0], let b = bounds.last!, range.contains(a), range.contains(b), a <= b else { return nil }
                lo = a
                hi = bounds.count == 2 ? b : (stepParts.count == 2 ? range.upperBound : a)
            }
            out.formUnion(stride(from: lo, through: hi, by: step))
        }
        return out.isEmpty ? nil : out
    }

    /// Whether the schedule fires at this UTC minute (Unix ms, any second within it).
    package func matches(_ ms: Int64) -> Bool {
        let minutesSinceEpoch = ms / 60_000
        let minute = Int(minutesSinceEpoch % 60), hour = Int(minutesSinceEpoch / 60 % 24)
        let days = Int(minutesSinceEpoch / 1440)
        let weekday = (days + 4) % 7  // 1970-01-01 was a Thursday
        let (_, month, day) = TimeParsing.civilFromDays(days)
        // As in cron: when both day fields are restricted, either may match.
        let dayOK = anyDay || anyWeekday ? (self.days.contains(day) && weekdays.contains(weekday)) : (self.days.contains(day) || weekdays.contains(weekday))
        return minutes.contains(minute) && hours.contains(hour) && months.contains(month) && dayOK
    }

    /// The first matching minute after `ms`.
    package func next(after ms: Int64) -> Int64? {
        var t = (ms / 60_000 + 1) * 60_000
        for _ in 0..<(366 * 1440 * 4) {
            if matches(t) { return t }
            t += 60_000
        }
        return nil
    }
}
