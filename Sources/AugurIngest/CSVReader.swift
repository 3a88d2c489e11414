/// RFC 4180 CSV: comma-separated, `"` quoting with `""` escapes, CRLF or LF line ends.
package struct CSVReader: Sequence {
    package let bytes: [UInt8]
    package let source: String

    package init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    /// A record with the 1-based line it starts on.
    package struct Row {
        package let line: Int
        package let fields: [String]
    }

    package func makeIterator() -> Iterator { Iterator(bytes: bytes) }

    package struct Iterator: IteratorProtocol {
        let bytes: [UInt8]
        var i = 0
        var line = 1
        /// Set when a quoted field never closes; the rows before it are still returned.
        var unterminatedAt: Int?

        package mutating func next() -> Row? {
            guard i < bytes.count else { return nil }
            let startLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            var quoted = false
            while i < bytes.count {
                let c = bytes[i]
                if quoted {
                    if c == 34 {
                        if i + 1 < bytes.count && bytes[i + 1] == 34 { field.append(34); i += 2; continue }
                        quoted = false
                    } else {
                        if c == 10 { line += 1 }
                        field.append(c)
                    }
                    i += 1
                    continue
                }
                switch c {
                case 34 where field.isEmpty: quoted = true
                case 44:
                    fields.append(String(decoding: field, as: UTF8.self))
                    field.removeAll(keepingCapacity: true)
                case 10:
                    i += 1
                    line += 1
                    if field.last == 13 { field.removeLast() }
                    fields.append(String(decoding: field, as: UTF8.self))
                    return Row(line: startLine, fields: fields)
                default: field.append(c)
                }
                i += 1
            }
            if quoted { unterminatedAt = startLine }
            if field.last == 13 { field.removeLast() }
            fields.append(String(decoding: field, as: UTF8.self))
            return Row(line: startLine, fields: fields)
        }
    }

    /// All rows, failing on an unterminated quote; blank lines are dropped.
    package func rows() throws(IngestError) -> [Row] {
        var it = makeIterator()
        var out: [Row] = []
        while let row = it.next() {
            if let at = it.unterminatedAt {
                throw IngestError(.malformed, format: source, "a quoted field is never closed", line: at)
            }
            if row.fields.count == 1 && row.fields[0].isEmpty { continue }
            out.append(row)
        }
        return out
    }
}
