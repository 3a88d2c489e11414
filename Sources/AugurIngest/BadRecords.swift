/// The malformed records of a file import. Real files have flaws (two lines spliced into one record,
/// a cell cut short), so by default a bad record is skipped and counted, and the import goes on;
/// `strict` keeps all-or-nothing: the first one is thrown. HTTP ingest is always strict (one request,
/// one transaction: that is the protocol's contract).
package struct BadRecords: Sendable {
    package let strict: Bool
    /// How many records were skipped.
    package private(set) var count = 0
    /// The first `kept` of them: file, and the error with line and reason.
    package private(set) var examples: [(file: String?, error: IngestError)] = []
    static let kept = 20
    /// The file being read, named in the examples.
    package var file: String?

    package init(strict: Bool) { self.strict = strict }

    /// All-or-nothing, for the HTTP paths and callers that want it.
    package static var strict: BadRecords { BadRecords(strict: true) }

    /// Skips `error`'s record, or throws it when strict.
    package mutating func skip(_ error: IngestError) throws(IngestError) {
        guard !strict, error.code == .malformed else { throw error }
        count += 1
        if examples.count < Self.kept { examples.append((file, error)) }
    }

    /// Runs one record's parse; a malformed record is skipped (or thrown when strict).
    package mutating func record(_ body: () throws(IngestError) -> Void) throws(IngestError) {
        do { try body() } catch { try skip(error) }
    }

    /// Adds another import's skipped records (their files named).
    package mutating func merge(_ other: BadRecords) {
        count += other.count
        examples += other.examples.prefix(max(0, Self.kept - examples.count))
    }

    /// `N malformed records skipped`, then one line per example: `file line N (field F): reason`.
    package var report: [String] {
        guard count > 0 else { return [] }
        return ["\(count) malformed record\(count == 1 ? "" : "s") skipped" + (count > examples.count ? " (the first \(examples.count) below)" : "")]
            + examples.map { "  " + ($0.file.map { "\($0): " } ?? "") + $0.error.description }
    }
}
