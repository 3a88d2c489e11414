package import AugurCore
package import AugurStore

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

    /// Activity in [startNs, endNs) of `streams`, most surging first.
    package static func compare(store: Store, streams: [Int64: Labels], startNs: Int64, endNs: Int64) throws(StoreError) -> [TemplateActivity] {
        let (span, overflow) = endNs.subtractingReportingOverflow(startNs)
        let length = overflow ? Int64.max : max(span, 1)
        let now = try store.logTemplateCounts(streams: streams, startNs: startNs, endNs: endNs)
        let (beforeStart, under) = startNs.subtractingReportingOverflow(length)
        let before = try store.logTemplateCounts(streams: streams, startNs: under ? .min : beforeStart, endNs: startNs)
        let templates = Dictionary(try store.logTemplates().map { ($0.id, $0) }) { a, _ in a }
        /// Merged templates count for the template that absorbed them.
        func live(_ id: Int64) -> Int64 {
            var i = id, hops = 0
            while let next = templates[i]?.mergedInto, hops < 100 { i = next; hops += 1 }
            return i
        }
        struct Key: Hashable { let template: Int64; let service: String }
        var counts: [Key: (now: Int, before: Int)] = [:]
        for (t, stream, n) in now {
            let key = Key(template: live(t), service: LogPipeline.service(of: streams[stream] ?? Labels([])))
            counts[key, default: (0, 0)].now += n
        }
        for (t, stream, n) in before {
            let key = Key(template: live(t), service: LogPipeline.service(of: streams[stream] ?? Labels([])))
            counts[key, default: (0, 0)].before += n
        }
        let examples = try store.logExamples(templates: Array(Set(counts.keys.map(\.template))), startNs: startNs, endNs: endNs)
        return counts.map { key, c in
            let firstSeen = templates[key.template]?.firstSeenNs ?? .min
            return TemplateActivity(templateId: key.template, text: templates[key.template]?.text ?? "", service: key.service, count: c.now, previous: c.before,
                                    isNew: c.before == 0 && firstSeen >= startNs, surge: Double(c.now + 1) / Double(c.before + 1),
                                    example: examples[key.template])
        }.sorted { ($0.surge, $0.count, -$0.templateId) > ($1.surge, $1.count, -$1.templateId) }
    }
}
