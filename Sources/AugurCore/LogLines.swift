/// A template as stored: its id is for life; `mergedInto` names the template that absorbed it.
package struct LogTemplateRow: Sendable, Equatable {
    package var id: Int64
    package var text: String
    package var route: String
    package var pinned: Bool
    package var mergedInto: Int64?
    package var count: Int
    package var firstSeenNs: Int64?
    package var lastSeenNs: Int64?

    package init(id: Int64, text: String, route: String, pinned: Bool, mergedInto: Int64?, count: Int, firstSeenNs: Int64? = nil, lastSeenNs: Int64? = nil) {
        self.id = id; self.text = text; self.route = route; self.pinned = pinned; self.mergedInto = mergedInto
        self.count = count; self.firstSeenNs = firstSeenNs; self.lastSeenNs = lastSeenNs
    }
}

/// One mined line to store.
package struct MinedLogLine: Sendable {
    package var record: LogRecord
    package var service: String
    package var templateId: Int64
    package var level: String

    package init(record: LogRecord, service: String, templateId: Int64, level: String) {
        self.record = record; self.service = service; self.templateId = templateId; self.level = level
    }
}

/// A line read back.
package struct StoredLogLine: Sendable {
    package var id: Int64
    package var timestampNs: Int64
    package var labels: Labels
    package var templateId: Int64
    package var level: String
    package var traceId: String?
    package var spanId: String?
    package var line: String

    package init(id: Int64, timestampNs: Int64, labels: Labels, templateId: Int64, level: String, traceId: String?, spanId: String?, line: String) {
        (self.id, self.timestampNs, self.labels, self.templateId, self.level, self.traceId, self.spanId, self.line) = (id, timestampNs, labels, templateId, level, traceId, spanId, line)
    }
}

/// An error or fatal line, as RCA reads it.
package struct ErrorLogLine: Sendable {
    package var timestampNs: Int64
    package var streamId: Int64
    package var traceId: String?
    package var templateId: Int64
    package var line: String

    package init(timestampNs: Int64, streamId: Int64, traceId: String?, templateId: Int64, line: String) {
        (self.timestampNs, self.streamId, self.traceId, self.templateId, self.line) = (timestampNs, streamId, traceId, templateId, line)
    }
}
