import AugurCore
import Foundation

/// Column-per-series CSV layouts.
enum WideCSV {
    /// Header row, then rows of a time column and one value column per series. The time column is the
    /// one named `time`/`timestamp` (else the first); columns in `skip` are ignored; empty cells are gaps.
    /// A malformed row is skipped whole (or thrown, when `bad` is strict).
    static func parse(_ rows: [CSVReader.Row], file: String, skip: Set<String>, bad: inout BadRecords, labelsFor: (String) -> Labels) throws(IngestError) -> [Series] {
        guard let header = rows.first else { throw IngestError(.malformed, format: file, "file is empty", line: 1) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        let timeColumn = names.firstIndex { ["time", "timestamp"].contains($0.lowercased()) } ?? 0
        let valueColumns = names.indices.filter { $0 != timeColumn && !skip.contains(names[$0]) && !names[$0].isEmpty }
        guard !valueColumns.isEmpty else { throw IngestError(.malformed, format: file, "header has no value columns", line: 1) }
        var samples = Array(repeating: [Sample](), count: valueColumns.count)
        var rowSamples: [(Int, Sample)] = []
        for row in rows.dropFirst() {
            try bad.record { () throws(IngestError) in
                guard row.fields.count == names.count else {
                    throw IngestError(.malformed, format: file, "row has \(row.fields.count) fields, header has \(names.count)", line: row.line)
                }
                guard let ts = TimeParsing.timestampMs(row.fields[timeColumn]) else {
                    throw IngestError(.malformed, format: file, "\"\(row.fields[timeColumn].prefix(100))\" is not a time", line: row.line, field: names[timeColumn])
                }
                rowSamples.removeAll(keepingCapacity: true)
                for (k, col) in valueColumns.enumerated() {
                    let cell = row.fields[col].trimmingCharacters(in: .whitespaces)
                    if cell.isEmpty { continue }
                    guard let v = parseValue(cell) else {
                        throw IngestError(.malformed, format: file, "\"\(cell.prefix(100))\" is not a number", line: row.line, field: names[col])
                    }
                    rowSamples.append((k, Sample(ts, v)))
                }
                for (k, s) in rowSamples { samples[k].append(s) }
            }
        }
        return valueColumns.enumerated().compactMap { k, col in
            samples[k].isEmpty ? nil : Series(labels: labelsFor(names[col]), samples: samples[k])
        }
    }

    /// `timestamp,series,value` with an optional header row.
    static func long(_ rows: [CSVReader.Row], file: String, bad: inout BadRecords) throws(IngestError) -> [Series] {
        var order: [Labels] = []
        var bySeries: [Labels: [Sample]] = [:]
        var parsedSelectors: [String: Labels] = [:]
        for (n, row) in rows.enumerated() {
            if n == 0, row.fields.count == 3, TimeParsing.timestampMs(row.fields[0]) == nil, parseValue(row.fields[2]) == nil { continue }
            try bad.record { () throws(IngestError) in
                guard row.fields.count == 3 else { throw IngestError(.malformed, format: file, "expected 3 fields (timestamp,series,value), got \(row.fields.count)", line: row.line) }
                guard let ts = TimeParsing.timestampMs(row.fields[0]) else {
                    throw IngestError(.malformed, format: file, "\"\(row.fields[0].prefix(100))\" is not a time", line: row.line, field: "timestamp")
                }
                guard let v = parseValue(row.fields[2].trimmingCharacters(in: .whitespaces)) else {
                    throw IngestError(.malformed, format: file, "\"\(row.fields[2].prefix(100))\" is not a number", line: row.line, field: "value")
                }
                let text = row.fields[1]
                let labels: Labels
                if let l = parsedSelectors[text] { labels = l } else {
                    guard let sel = try? Selector(parsing: text), let l = Self.labels(from: sel), l.name != nil else {
                        throw IngestError(.malformed, format: file, "\"\(text.prefix(100))\" is not a series (name{label=\"value\",…})", line: row.line, field: "series")
                    }
                    parsedSelectors[text] = l
                    labels = l
                }
                if bySeries[labels] == nil { order.append(labels) }
                bySeries[labels, default: []].append(Sample(ts, v))
            }
        }
        return order.map { Series(labels: $0, samples: bySeries[$0]!) }
    }

    /// A selector made only of `=` matchers names exactly one label set.
    static func labels(from selector: Selector) -> Labels? {
        guard selector.matchers.allSatisfy({ $0.op == .equal }) else { return nil }
        return Labels(selector.matchers.map { ($0.name, $0.value) })
    }

    /// M4 has no dates: observations are placed hourly from this instant.
    static let m4StartMs: Int64 = 946_684_800_000  // 2000-01-01T00:00:00Z

    static func m4(_ rows: [CSVReader.Row], file: String, bad: inout BadRecords) throws(IngestError) -> [Series] {
        var out: [Series] = []
        for (n, row) in rows.enumerated() {
            if n == 0, row.fields.count > 1, parseValue(row.fields[1]) == nil { continue }  // header "V1","V2",…
            try bad.record { () throws(IngestError) in
                guard let id = row.fields.first, !id.isEmpty else { throw IngestError(.malformed, format: file, "row has no id", line: row.line) }
                var samples: [Sample] = []
                for (k, cell) in row.fields.dropFirst().enumerated() where !cell.isEmpty {
                    guard let v = parseValue(cell) else { throw IngestError(.malformed, format: file, "\"\(cell.prefix(100))\" is not a number", line: row.line, field: "V\(k + 1)") }
                    samples.append(Sample(m4StartMs + Int64(k) * 3_600_000, v))
                }
                out.append(Series(labels: Labels(name: "m4", ["id": id]), samples: samples))
            }
        }
        return out
    }
}

/// The Nezha fault-injection metric files (Online Boutique, TrainTicket).
///
/// Real-data choices: time comes from the `Time` column (UTC wall clock, Go's time format);
/// `TimeStamp` disagrees with it in places and is not used. Empty cells are gaps.
enum NezhaMetrics {
    static func parse(_ rows: [CSVReader.Row], file: String, stem: String, bad: inout BadRecords) throws(IngestError) -> [Series] {
        guard let header = rows.first?.fields else { throw IngestError(.malformed, format: file, "file is empty", line: 1) }
        /// A column's value in the first data row that has it (a short first row must not trap).
        func first(_ column: Int) -> String? { rows.dropFirst().first { $0.fields.count > column }.map { $0.fields[column] } }
        let idColumns: Set<String> = ["Time", "TimeStamp", "timestamp", "PodName", "ServiceName"]
        if stem.hasSuffix("_metric") || header.contains("PodName") {
            let podColumn = header.firstIndex(of: "PodName")
            let pod = podColumn.flatMap(first) ?? String(stem.dropLast("_metric".count))
            let service = ServiceNaming.service(ofPod: pod)
            return try WideCSV.parse(rows, file: file, skip: idColumns, bad: &bad) { Labels(name: Labels.sanitizedName($0), ["pod": pod, "service": service]) }
        }
        if let sc = header.firstIndex(of: "ServiceName") {
            let service = first(sc)?.lowercased() ?? "frontend"
            return try WideCSV.parse(rows, file: file, skip: idColumns, bad: &bad) { Labels(name: Labels.sanitizedName($0), ["service": service]) }
        }
        // source_50.csv, destination_50.csv: one column per call edge, `<caller>_<callee>`.
        let metric = Labels.sanitizedName(stem)
        return try WideCSV.parse(rows, file: file, skip: idColumns, bad: &bad) { column in
            guard let cut = column.firstIndex(of: "_") else { return Labels(name: metric, ["edge": column]) }
            return Labels(name: metric, ["source": String(column[..<cut]), "target": String(column[column.index(after: cut)...])])
        }
    }
}

