import AugurCore
@testable import AugurIngest
import AugurStore
import AugurTestSupport
import Foundation
import Testing

/// Real files have flaws: every file importer skips a malformed record, counts it and names its file,
/// line and reason, and goes on; strict keeps all-or-nothing. One case per format, each a good file
/// with one bad record in it.
@Suite struct BadRecordTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let format: ImportFormat
        let file: String
        let content: String
        /// Line of the bad record, and samples the good ones hold.
        let line: Int
        let samples: Int
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "long", format: .long, file: "x.csv", content: "timestamp,series,value\n2024-01-01T00:00:00Z,up,1\n2024-01-01T00:01:00Z,up,x\n2024-01-01T00:02:00Z,up,3\n", line: 3, samples: 2),
        Case(name: "wide", format: .wide, file: "x.csv", content: "time,a,b\n1,2,3\n2,3\n3,4,5\n", line: 3, samples: 4),
        Case(name: "nab", format: .nab, file: "x.csv", content: "timestamp,value\n2014-02-14 14:30:00,1\nlater,2\n2014-02-14 14:35:00,3\n", line: 3, samples: 2),
        Case(name: "m4", format: .m4, file: "x.csv", content: "\"V1\",\"V2\",\"V3\"\n\"H1\",\"1\",\"2\"\n\"H2\",\"1\",\"x\"\n\"H3\",\"4\",\"5\"\n", line: 3, samples: 4),
        Case(name: "sockshop", format: .sockshop, file: "anomalous.csv", content: "time,carts_cpu,orders_cpu\n1700000000,0.1,0.2\n1700000060,0.1,0.2,0.3,0.4\n1700000120,0.1,0.2\n", line: 3, samples: 4),
        Case(name: "nezha metric (two lines spliced)", format: .nezha, file: "cart-1_metric.csv",
             content: "Time,TimeStamp,PodName,CpuUsageRate(%)\n2022-08-22 03:51:00 +0000 UTC,1,cart-1,0.5\n2022-08-22 03:52:00 +0000 UTC,2,cart-1,0.5,2022-08-22 03:52:30 +0000 UTC,3\n2022-08-22 03:53:00 +0000 UTC,3,cart-1,0.7\n",
             line: 3, samples: 2),
        Case(name: "prometheus text", format: .prometheus, file: "x.prom", content: "up 1 1700000000000\nup{ 2\nup 3 1700000060000\n", line: 2, samples: 2),
        Case(name: "json lines", format: .json, file: "x.jsonl",
             content: "{\"metric\":{\"__name__\":\"a\"},\"values\":[1],\"timestamps\":[1700000000000]}\n{oops\n{\"metric\":{\"__name__\":\"a\"},\"values\":[2],\"timestamps\":[1700000060000]}\n",
             line: 2, samples: 2),
    ]

    @Test(arguments: cases)
    func aBadRecordIsSkippedCountedAndNamed(_ c: Case) throws {
        var bad = BadRecords(strict: false)
        bad.file = c.file
        let series = try FileImporter.parse(Array(c.content.utf8), format: c.format, file: c.file, bad: &bad)
        #expect(series.reduce(0) { $0 + $1.samples.count } == c.samples, "\(c.name): \(series)")
        #expect(bad.count == 1, "\(c.name)")
        #expect(bad.examples.first?.error.line == c.line, "\(c.name): \(bad.report)")
        #expect(bad.report.last?.contains(c.file) == true, "\(c.name): \(bad.report)")
        var strict = BadRecords.strict
        let refusal = #expect(throws: IngestError.self) { try FileImporter.parse(Array(c.content.utf8), format: c.format, file: c.file, bad: &strict) }
        #expect(refusal?.line == c.line, "\(c.name)")
    }

    @Test func dependenciesAndLogFilesSkipTheirBadRecords() throws {
        var bad = BadRecords(strict: false)
        let edges = try FileImporter.parseDependencies(Array("Source,Target,Weight\na,b,1\nc\nd,e,2\n".utf8), source: "dependency.csv", bad: &bad)
        #expect(edges.count == 2 && bad.examples.first?.error.line == 3)

        var logs = BadRecords(strict: false)
        let lines = try LogBodies.jsonLines(Array("{\"ts\":\"1700000000000000000\",\"line\":\"a\"}\nnope\n{\"ts\":\"1700000001000000000\",\"line\":\"b\"}\n".utf8), bad: &logs)
        #expect(lines.map(\.line) == ["a", "b"] && logs.examples.first?.error.line == 2)

        // TrainTicket's day had one record of 10 fields where the header has 8: two lines spliced together.
        let header = "Timestamp,TimeUnixNano,Node,PodName,Container,TraceID,SpanID,Log\n"
        let good = { (n: Int) in "2023-01-30T00:00:0\(n)Z,167503680\(n)000000000,node-1,ts-order-1,order,t\(n),s\(n),\"{\"\"log\"\":\"\"ok \(n)\"\"}\"\n" }
        let spliced = "2023-01-30T00:00:05Z,1675036805000000000,node-1,ts-order-1,order,t5,s5,cut here,2023-01-30T00:00:06Z,1675036806000000000\n"
        var nezha = BadRecords(strict: false)
        let records = try LogBodies.nezhaCSV(Array((header + good(1) + spliced + good(2)).utf8), file: "log.csv", bad: &nezha)
        #expect(records.count == 2 && nezha.count == 1 && nezha.examples.first?.error.line == 3)
        var strict = BadRecords.strict
        #expect(throws: IngestError.self) { try LogBodies.nezhaCSV(Array((header + good(1) + spliced).utf8), file: "log.csv", bad: &strict) }
    }

    /// A file that does not parse at all (a quote never closed) is skipped whole and counted; the rest goes in.
    @Test func anUnreadableFileIsSkippedAndTheDirectoryImported() async throws {
        try await withTemporaryDirectory { dir in
            try "timestamp,series,value\n2024-01-01T00:00:00Z,up,1\n".write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
            try "timestamp,series,value\n\"2024-01-01T00:00:00Z,up,1\n".write(toFile: dir + "/b.csv", atomically: true, encoding: .utf8)
            let store = try Store(path: dir + "/augur.sqlite")
            let summary = try FileImporter(ingestor: Ingestor(store: store)).importPath(dir, format: .long)
            #expect(summary.samples == 1 && summary.bad.count == 1)
            #expect(summary.bad.report.last?.contains("b.csv") == true)
            #expect(throws: IngestError.self) { try FileImporter(ingestor: Ingestor(store: store), strict: true).importPath(dir, format: .long) }
        }
    }
}
