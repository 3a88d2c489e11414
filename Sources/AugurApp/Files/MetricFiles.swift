import AugurCore
import AugurIngest
package import AugurStore

/// `augur import`: metric files into the store, one transaction per file, compacted at the end.
package enum MetricFiles {
    /// The layouts `augur import --format` takes.
    package static let formats = ImportFormat.allCases.map(\.rawValue)

    package struct Summary: Sendable {
        package let files, series, samples, edges, chunks: Int
        /// Malformed records skipped, and the lines that report them.
        package let skipped: Int
        package let skippedReport: [String]
    }

    /// Imports `path` (a file, or a directory walked for the format's files); `progress` hears each file.
    package static func importPath(_ path: String, format name: String, into store: Store, labels: [String: String], strict: Bool,
                                   progress: (String) -> Void) throws -> Summary {
        guard let format = ImportFormat(rawValue: name) else {
            throw IngestError(.unsupported, format: name, "unknown format \(name); one of \(formats.joined(separator: ", "))")
        }
        let importer = FileImporter(ingestor: Ingestor(store: store), extraLabels: labels, strict: strict)
        let summary = try importer.importPath(path, format: format) { file, s in
            progress("imported \(file): \(s.files) files, \(s.series) series, \(s.samples) samples so far")
        }
        let report = try store.compact(force: true)
        return Summary(files: summary.files, series: summary.series, samples: summary.samples, edges: summary.edges,
                       chunks: report.chunksWritten, skipped: summary.bad.count, skippedReport: summary.bad.report)
    }
}
