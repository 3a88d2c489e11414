package import AugurCore
package import AugurLogs
package import AugurStore

extension TemplateActivity {
    /// Activity in [startNs, endNs) of `streams` against the window before it, read from the store.
    package static func compare(store: Store, streams: [Int64: Labels], startNs: Int64, endNs: Int64) throws(StoreError) -> [TemplateActivity] {
        let previous = previousWindow(startNs: startNs, endNs: endNs)
        let now = try store.logTemplateCounts(streams: streams, startNs: startNs, endNs: endNs)
        let before = try store.logTemplateCounts(streams: streams, startNs: previous.startNs, endNs: previous.endNs)
        let templates = Dictionary(try store.logTemplates().map { ($0.id, $0) }) { a, _ in a }
        let ids = Set((now + before).map { live($0.templateId, in: templates) })
        let examples = try store.logExamples(templates: Array(ids), startNs: startNs, endNs: endNs)
        return compare(now: now, before: before, templates: templates, streams: streams, startNs: startNs, examples: examples)
    }
}
