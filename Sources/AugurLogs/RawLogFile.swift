package import AugurCore

/// Raw log files read through a LogPAI header format.
package enum RawLogFile {
    /// One record per line: the header fields as attributes (`Level` as the level), the time from
    /// `Timestamp` or `Date` + `Time` when they parse (else `fallbackNs`, the file's time), `<Content>`
    /// as the message. A line that does not fit the format is kept whole, its message the line.
    package static func records(_ bytes: [UInt8], header: HeaderFormat, fallbackNs: Int64) -> (records: [LogRecord], unparsed: Int) {
        let scratch = ByteRegex.Scratch()
        var records: [LogRecord] = []
        var unparsed = 0
        for raw in bytes.split(separator: 10) {
            let line = raw.last == 13 ? raw.dropLast() : raw
            let text = String(decoding: line, as: UTF8.self)
            var record = LogRecord(timestampNs: fallbackNs, labels: Labels([]), line: text)
            if let (fields, content) = header.parse(line, scratch: scratch) {
                record.message = String(decoding: content, as: UTF8.self)
                for (name, value) in fields { record.attributes[name == "Level" ? "level" : name] = value }
                let stamp = fields["Timestamp"] ?? [fields["Date"], fields["Time"]].compactMap { $0 }.joined(separator: " ")
                if let ns = TimeParsing.timestampNs(stamp) { record.timestampNs = ns }
            } else {
                unparsed += 1
            }
            records.append(record)
        }
        return (records, unparsed)
    }
}
