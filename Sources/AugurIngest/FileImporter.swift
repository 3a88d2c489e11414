package import AugurCore
import AugurStore
import Foundation

/// The file layouts `augur import` reads.
package enum ImportFormat: String, Sendable, CaseIterable {
    /// `timestamp,series,value`, series in Prometheus text form (`cpu{pod="a"}`).
    case long
    /// `time,<series>,<series>,…`: one column per series.
    case wide
    /// NAB: `timestamp,value`; the series is named after the file.
    case nab
    /// M4 competition wide rows: `"id",v1,v2,…` padded with empty cells; placed hourly from 2000-01-01.
    case m4
    /// Sock Shop fault injection: `<service>-<fault>/<run>/{normal,anomalous}.csv`, columns `<service>_<metric>`.
    case sockshop
    /// Nezha (Online Boutique, TrainTicket): `<day>/metric/<pod>_metric.csv`, `front_service.csv`, `dependency.csv`, ….
    case nezha
    /// Prometheus text exposition.
    case prometheus
    /// JSON lines (`{"metric":…,"values":…,"timestamps":…}`).
    case json
}

package struct ImportSummary: Sendable {
    package var files = 0
    package var series = 0
    package var samples = 0
    package var edges = 0
    /// Malformed records (and unreadable files) skipped, with their file, line and reason.
    package var bad = BadRecords(strict: false)

    package init() {}
}

/// Reads files and directories in one of `ImportFormat`'s layouts; one transaction per file.
package struct FileImporter: Sendable {
    package let ingestor: Ingestor
    /// Labels added to every series imported.
    package var extraLabels: [String: String] = [:]
    /// All or nothing: the first malformed record stops the import (`--strict`); else it is skipped and counted.
    package var strict: Bool

    package init(ingestor: Ingestor, extraLabels: [String: String] = [:], strict: Bool = false) {
        self.ingestor = ingestor
        self.extraLabels = extraLabels
        self.strict = strict
    }

    /// Imports `path` (a file, or a directory walked for the format's files). `progress` gets each file as it is done.
    package func importPath(_ path: String, format: ImportFormat, progress: (String, ImportSummary) -> Void = { _, _ in }) throws -> ImportSummary {
        var summary = ImportSummary()
        summary.bad = BadRecords(strict: strict)
        let files = try plan(path, format)
        guard !files.isEmpty else { throw IngestError(.unreadable, format: format.rawValue, "no \(format.rawValue) files found under \(path)") }
        for (file, kind, labels) in files {
            let bytes = try read(file, format)
            summary.bad.file = file
            // A file that cannot be parsed at all (no header, a quote never closed) counts as one bad record.
            var edges: [GraphEdge]?, series: [Series]?
            do throws(IngestError) {
                switch kind {
                case .edges: edges = try Self.parseDependencies(bytes, source: file, bad: &summary.bad)
                case .series(let f): series = try parse(bytes, format: f, file: file, labels: labels, bad: &summary.bad)
                }
            } catch {
                try summary.bad.skip(error)
            }
            if let edges {
                try ingestor.store.replaceEdges(edges, origin: "dependency.csv")
                summary.edges += edges.count
            }
            if let series {
                summary.samples += try ingestor.write(series)
                summary.series += series.count
            }
            summary.files += 1
            progress(file, summary)
        }
        return summary
    }

    enum FileKind { case series(ImportFormat), edges }

    /// The files to read and the labels each adds, in a stable order.
    func plan(_ path: String, _ format: ImportFormat) throws(IngestError) -> [(String, FileKind, [String: String])] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw IngestError(.unreadable, format: format.rawValue, "\(path) does not exist")
        }
        let root = URL(fileURLWithPath: path)
        if !isDir.boolValue {
            if format == .nezha && root.lastPathComponent == "dependency.csv" { return [(path, .edges, [:])] }
            return [(path, .series(format), caseLabels(root, format, directoryImport: false))]
        }
        let all = (FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []).sorted()
        var out: [(String, FileKind, [String: String])] = []
        for rel in all where rel.hasSuffix(".csv") || rel.hasSuffix(".txt") || rel.hasSuffix(".jsonl") || rel.hasSuffix(".prom") {
            let url = root.appendingPathComponent(rel)
            switch format {
            case .nezha:
                guard url.deletingLastPathComponent().lastPathComponent == "metric" else { continue }
                if url.lastPathComponent == "dependency.csv" { out.append((url.path, .edges, [:])) } else { out.append((url.path, .series(.nezha), [:])) }
            case .sockshop:
                guard ["normal.csv", "anomalous.csv"].contains(url.lastPathComponent) else { continue }
                out.append((url.path, .series(.sockshop), caseLabels(url, format, directoryImport: true)))
            default:
                out.append((url.path, .series(format), caseLabels(url, format, directoryImport: true)))
            }
        }
        return out
    }

    /// Sock Shop runs overlap in time, so a directory import keeps them apart with a `case` label.
    private func caseLabels(_ url: URL, _ format: ImportFormat, directoryImport: Bool) -> [String: String] {
        guard format == .sockshop, directoryImport else { return [:] }
        let run = url.deletingLastPathComponent()
        return ["case": run.deletingLastPathComponent().lastPathComponent + "/" + run.lastPathComponent]
    }

    private func read(_ path: String, _ format: ImportFormat) throws(IngestError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError(.unreadable, format: format.rawValue, "cannot read \(path)")
        }
        return [UInt8](data)
    }

    /// Parses one file's bytes into series (all labels applied), all or nothing.
    package func parse(_ bytes: [UInt8], format: ImportFormat, file: String, labels: [String: String] = [:]) throws(IngestError) -> [Series] {
        var bad = BadRecords.strict
        return try parse(bytes, format: format, file: file, labels: labels, bad: &bad)
    }

    /// The same, skipping malformed records into `bad` unless it is strict.
    package func parse(_ bytes: [UInt8], format: ImportFormat, file: String, labels: [String: String] = [:], bad: inout BadRecords) throws(IngestError) -> [Series] {
        try Self.parse(bytes, format: format, file: file, labels: extraLabels.merging(labels) { a, _ in a }, bad: &bad)
    }

    /// Parses one file's bytes into series in file order, adding `labels` to each; all or nothing.
    package static func parse(_ bytes: [UInt8], format: ImportFormat, file: String, labels add: [String: String] = [:]) throws(IngestError) -> [Series] {
        var bad = BadRecords.strict
        return try parse(bytes, format: format, file: file, labels: add, bad: &bad)
    }

    /// The same, skipping malformed records into `bad` unless it is strict.
    package static func parse(_ bytes: [UInt8], format: ImportFormat, file: String, labels add: [String: String] = [:], bad: inout BadRecords) throws(IngestError) -> [Series] {
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var series: [Series]
        switch format {
        case .prometheus:
            series = try ExpositionParser.parse(bytes, defaultTimestampMs: WallClock.nowMs(), bad: &bad)
        case .json:
            series = try JSONLinesParser.parse(bytes, bad: &bad)
        case .long:
            series = try WideCSV.long(CSVReader(bytes: bytes, source: file).rows(), file: file, bad: &bad)
        case .wide:
            series = try WideCSV.parse(CSVReader(bytes: bytes, source: file).rows(), file: file, skip: [], bad: &bad) { column in
                (try? Selector(parsing: column)).flatMap(WideCSV.labels(from:)) ?? Labels(name: Labels.sanitizedName(column))
            }
        case .nab:
            series = try WideCSV.parse(CSVReader(bytes: bytes, source: file).rows(), file: file, skip: [], bad: &bad) { _ in Labels(name: Labels.sanitizedName(stem)) }
        case .m4:
            series = try WideCSV.m4(CSVReader(bytes: bytes, source: file).rows(), file: file, bad: &bad)
        case .sockshop:
            series = try WideCSV.parse(CSVReader(bytes: bytes, source: file).rows(), file: file, skip: [], bad: &bad) { column in
                guard let cut = column.firstIndex(of: "_") else { return Labels(name: Labels.sanitizedName(column)) }
                return Labels(name: Labels.sanitizedName(String(column[column.index(after: cut)...])), ["service": String(column[..<cut])])
            }
        case .nezha:
            series = try NezhaMetrics.parse(CSVReader(bytes: bytes, source: file).rows(), file: file, stem: stem, bad: &bad)
        }
        if !add.isEmpty {
            series = series.map { s in Series(labels: add.reduce(s.labels) { $1.value.isEmpty || $0[$1.key] != nil ? $0 : $0.adding($1.key, $1.value) }, samples: s.samples) }
        }
        return series
    }

    /// `Source,Target,Weight` rows of a call graph.
    package static func parseDependencies(_ bytes: [UInt8], source: String, bad: inout BadRecords) throws(IngestError) -> [GraphEdge] {
        let rows = try CSVReader(bytes: bytes, source: source).rows()
        guard let header = rows.first?.fields.map({ $0.lowercased() }), let s = header.firstIndex(of: "source"), let t = header.firstIndex(of: "target") else {
            throw IngestError(.malformed, format: "dependency.csv", "header must name Source and Target columns", line: 1)
        }
        let w = header.firstIndex(of: "weight")
        var edges: [GraphEdge] = []
        for row in rows.dropFirst() {
            try bad.record { () throws(IngestError) in
                guard row.fields.count > max(s, t), !row.fields[s].isEmpty, !row.fields[t].isEmpty else {
                    throw IngestError(.malformed, format: "dependency.csv", "row needs a source and a target", line: row.line)
                }
                var weight = 1.0
                if let w, w < row.fields.count, !row.fields[w].isEmpty {
                    guard let v = Double(row.fields[w]) else { throw IngestError(.malformed, format: "dependency.csv", "weight is not a number", line: row.line, field: "Weight") }
                    weight = v
                }
                edges.append(GraphEdge(source: row.fields[s], target: row.fields[t], weight: weight, origin: "dependency.csv"))
            }
        }
        return edges
    }
}
