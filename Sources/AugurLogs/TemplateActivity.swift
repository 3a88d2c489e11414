package import AugurCore

/// How often each template was logged per service in a window against the window of the same length
/// before it: new templates and surges are what an incident changes in the logs.
package struct TemplateActivity: Sendable, Equatable {
    package let templateId: Int64
    package let text: String
    package let service: String
    package let count: Int
    package let previous: Int
    /// Never seen before the window.
    package let isNew: Bool
    /// (count + 1) / (previous + 1): add-one smoothing keeps a template going from 0 to 1 modest.
    package let surge: Double
    package let example: String?

    /// Lines per template and stream in one window, as the store counts them.
    package typealias Counts = [(templateId: Int64, stream: Int64, count: Int)]

    /// The window of the same length before `[startNs, endNs)` (clamped to Int64's range).
    package static func previousWindow(startNs: Int64, endNs: Int64) -> (startNs: Int64, endNs: Int64) {
        let (span, overflow) = endNs.subtractingReportingOverflow(startNs)
        let length = overflow ? Int64.max : max(span, 1)
        let (beforeStart, under) = startNs.subtractingReportingOverflow(length)
        return (under ? .min : beforeStart, startNs)
    }

    /// The template that absorbed `id` through merges (itself when none did).
    package static func live(_ id: Int64, in templates: [Int64: LogTemplateRow]) -> Int64 {
        var i = id, hops = 0
        while let next = templates[i]?.mergedInto, hops < 100 { i = next; hops += 1 }
        return i
    }

    /// Activity in the window starting at `startNs` (`now`) against the window before it (`before`),
    /// most surging first; merged templates count for the template that absorbed them. `examples`:
    /// a line of each live template in the window.
    package static func compare(now: Counts, before: Counts, templates: [Int64: LogTemplateRow], streams: [Int64: Labels], startNs: Int64,
                                examples: [Int64: String]) -> [TemplateActivity] {
        struct Key: Hashable { let template: Int64; let service: String }
        var counts: [Key: (now: Int, before: Int)] = [:]
        for (window, isNow) in [(now, true), (before, false)] {
            for (t, stream, n) in window {
                let key = Key(template: live(t, in: templates), service: ServiceNaming.logService(of: streams[stream] ?? Labels([])))
                if isNow { counts[key, default: (0, 0)].now += n } else { counts[key, default: (0, 0)].before += n }
            }
        }
        return counts.map { key, c in
            let firstSeen = templates[key.template]?.firstSeenNs ?? .min
            return TemplateActivity(templateId: key.template, text: templates[key.template]?.text ?? "", service: key.service, count: c.now, previous: c.before,
                                    isNew: c.before == 0 && firstSeen >= startNs, surge: Double(c.now + 1) / Double(c.before + 1),
                                    example: examples[key.template])
        }.sorted { ($0.surge, $0.count, -$0.templateId) > ($1.surge, $1.count, -$1.templateId) }
    }
}
