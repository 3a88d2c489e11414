package import AugurCore
import Foundation

/// JSON lines, one series per line, as VictoriaMetrics' export writes them:
/// `{"metric":{"__name__":"up","job":"a"},"values":[1,0.5],"timestamps":[1700000000000,1700000015000]}`.
/// Values may be numbers or the strings "NaN", "+Inf", "-Inf"; timestamps are Unix milliseconds.
package enum JSONLinesParser {
    package static func parse(_ data: [UInt8]) throws(IngestError) -> [Series] {
        var bad = BadRecords.strict
        return try parse(data, bad: &bad)
    }

    /// The same, skipping malformed lines into `bad` unless it is strict (file imports).
    package static func parse(_ data: [UInt8], bad: inout BadRecords) throws(IngestError) -> [Series] {
        var out: [Series] = []
        var lineNo = 0
        var start = 0
        let decoder = JSONDecoder()
        while start < data.count {
            lineNo += 1
            let end = data[start...].firstIndex(of: 10) ?? data.count
            defer { start = end + 1 }
            let line = data[start..<end]
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            try bad.record { () throws(IngestError) in
                let record: Record
                do {
                    record = try decoder.decode(Record.self, from: Data(line))
                } catch let e as DecodingError {
                    throw Self.describe(e, line: lineNo)
                } catch {
                    throw IngestError(.malformed, format: "json lines", "line is not valid JSON", line: lineNo)
                }
                let labels: Labels
                do throws(LabelError) { labels = try Labels(checking: record.metric.map { ($0.key, $0.value) }) } catch {
                    throw IngestError(.malformed, format: "json lines", error.detail, line: lineNo, field: "metric")
                }
                guard labels.name != nil else {
                    throw IngestError(.malformed, format: "json lines", "metric has no __name__", line: lineNo, field: "metric.__name__")
                }
                guard record.values.count == record.timestamps.count else {
                    throw IngestError(.malformed, format: "json lines", "\(record.values.count) values but \(record.timestamps.count) timestamps", line: lineNo, field: "values")
                }
                out.append(Series(labels: labels, samples: zip(record.timestamps, record.values).map { Sample($0.ms, $1.value) }))
            }
        }
        return out
    }

    struct Record: Decodable {
        let metric: [String: String]
        let values: [Value]
        let timestamps: [Stamp]
    }

    /// Unix milliseconds. Decoded through Double: Foundation on Linux reports a fraction given for an
    /// Int64 as "not valid JSON" without saying where; this says which element.
    struct Stamp: Decodable {
        let ms: Int64

        init(from decoder: any Decoder) throws {
            let d = try decoder.singleValueContainer().decode(Double.self)
            guard d == d.rounded(), abs(d) < 9e15 else {
                throw DecodingError.typeMismatch(Int64.self, .init(codingPath: decoder.codingPath, debugDescription: "not an integer"))
            }
            ms = Int64(d)
        }
    }

    struct Value: Decodable {
        let value: Double

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) {
                value = d
            } else if let s = try? c.decode(String.self), let v = parseValue(s) {
                value = v
            } else {
                throw DecodingError.typeMismatch(Double.self, .init(codingPath: decoder.codingPath, debugDescription: "not a number"))
            }
        }
    }

    /// A decoding error as the line and field a person can find: `values[3]`, `metric.job`.
    static func describe(_ error: DecodingError, line: Int) -> IngestError {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for k in keys {
                if let i = k.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + k.stringValue }
            }
            return out
        }
        switch error {
        case .keyNotFound(let key, let c):
            return IngestError(.malformed, format: "json lines", "missing \"\(key.stringValue)\"", line: line, field: path(c.codingPath + [key]))
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            let field = path(c.codingPath)
            let what = field.hasPrefix("timestamps") ? "is not an integer of milliseconds" : field.hasPrefix("metric") ? "is not a string" : "has the wrong type"
            return IngestError(.malformed, format: "json lines", "\(field) \(what)", line: line, field: field)
        case .dataCorrupted(let c) where !c.codingPath.isEmpty:
            let field = path(c.codingPath)
            return IngestError(.malformed, format: "json lines", "\(field) is out of range or not an integer", line: line, field: field)
        default:
            return IngestError(.malformed, format: "json lines", "line is not valid JSON", line: line)
        }
    }
}
