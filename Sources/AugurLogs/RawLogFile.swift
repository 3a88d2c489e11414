package import AugurCore

/// Raw log files read through a LogPAI header format.
package enum RawLogFile {
    /// One record per line: the header fields as attributes (`Level` as the level), the time from
    /// `Timestamp` or `Date` + `Time` when they parse (`stampNs`; else `fallbackNs`, the file's time),
    /// `<Content>` as the message. A line that does not fit the format is kept whole, its message the line.
    package static func records(_ bytes: [UInt8], header: HeaderFormat, fallbackNs: Int64) -> (records: [LogRecord], fit: HeaderFormat.Fit) {
        let scratch = ByteRegex.Scratch()
        var records: [LogRecord] = []
        var fit = HeaderFormat.Fit()
        for raw in bytes.split(separator: 10) {
            let line = raw.last == 13 ? raw.dropLast() : raw
            let text = String(decoding: line, as: UTF8.self)
            var record = LogRecord(timestampNs: fallbackNs, labels: Labels([]), line: text)
            let parsed = header.parse(line, scratch: scratch)
            fit.count(line, fits: parsed != nil)
            if let (fields, content) = parsed {
                record.message = String(decoding: content, as: UTF8.self)
                for (name, value) in fields { record.attributes[name == "Level" ? "level" : name] = value }
                let stamp = fields["Timestamp"] ?? [fields["Date"], fields["Time"]].compactMap { $0 }.joined(separator: " ")
                if let ns = stampNs(stamp) { record.timestampNs = ns }
            }
            records.append(record)
        }
        return (records, fit)
    }

    /// Each line of `bytes` in order, a CRLF's CR dropped and empty lines kept, at most `limit` of them.
    package static func forEachLine(_ bytes: [UInt8], limit: Int = .max, _ body: (ArraySlice<UInt8>) -> Void) {
        var start = 0, count = 0
        while start < bytes.count && count < limit {
            let end = bytes[start...].firstIndex(of: 10) ?? bytes.count
            body(bytes[start..<(end > start && bytes[end - 1] == 13 ? end - 1 : end)])
            start = end + 1
            count += 1
        }
    }

    /// A header's time in Unix nanoseconds: what `TimeParsing.timestampNs` reads (RFC 3339 and its
    /// space- and comma-separated variants, Unix times), and the compact stamps logs also carry, a
    /// two-digit year taken as 20YY: `081109 203615` (yyMMdd HHmmss, HDFS) and `17/06/09 20:10:40`
    /// (yy/MM/dd, Spark). Stamps without a zone are read as UTC.
    static func stampNs(_ stamp: String) -> Int64? {
        if let ns = TimeParsing.timestampNs(stamp) { return ns }
        let digits = stamp.split(whereSeparator: { !$0.isNumber }).map(String.init)
        let compact = stamp.count == 13 && digits.count == 2 && digits.allSatisfy { $0.count == 6 }
        let slashed = stamp.count == 17 && digits.count == 6 && stamp.dropFirst(2).first == "/"
        guard compact || slashed else { return nil }
        let parts = compact
            ? [digits[0].prefix(2), digits[0].dropFirst(2).prefix(2), digits[0].suffix(2), digits[1].prefix(2), digits[1].dropFirst(2).prefix(2), digits[1].suffix(2)].map(String.init)
            : digits
        return TimeParsing.timestampNs("20\(parts[0])-\(parts[1])-\(parts[2])T\(parts[3]):\(parts[4]):\(parts[5])Z")
    }
}
