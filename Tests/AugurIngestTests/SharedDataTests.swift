import AugurCore
import AugurIngest
import AugurStore
import AugurTestSupport
import Foundation
import Testing

/// Imports the real data sets in ../shared/data. Skipped, with this message, where ../shared is absent.
@Suite(.ownThread, .enabled(if: sharedData != nil, "../shared/data is absent: real-data import tests skipped"))
struct SharedDataTests {
    let data = sharedData ?? ""

    @Test func nabFile() async throws {
        let file = data + "/nab/realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv"
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").count
        try await withTestStore { store, _ in
            let summary = try FileImporter(ingestor: Ingestor(store: store)).importPath(file, format: .nab)
            #expect(summary.series == 1)
            #expect(summary.samples == lines - 1)
            let s = try store.select(Selector(parsing: "ec2_cpu_utilization_24ae8d"), startMs: .min, endMs: .max)
            #expect(s[0].samples.count == lines - 1)
        }
    }

    @Test func m4Hourly() async throws {
        try await withTestStore { store, _ in
            let summary = try FileImporter(ingestor: Ingestor(store: store)).importPath(data + "/m4/Hourly-train.csv", format: .m4)
            #expect(summary.series == 414)
            let h1 = try store.select(Selector(parsing: #"m4{id="H1"}"#), startMs: .min, endMs: .max)
            #expect(h1[0].samples.count == 700)
            #expect(h1[0].samples[0].value == 605)
        }
    }

    @Test func sockshopDirectory() async throws {
        try await withTestStore { store, _ in
            let summary = try FileImporter(ingestor: Ingestor(store: store)).importPath(data + "/sockshop", format: .sockshop)
            #expect(summary.files == 40)
            let cases = Set(store.series(matching: [try Selector(parsing: #"cpu{service="carts"}"#)]).compactMap { $0["case"] })
            #expect(cases.count == 20)
        }
    }

    @Test func nezhaOnlineBoutiqueDayWithGraph() async throws {
        try await withTestStore { store, _ in
            let summary = try FileImporter(ingestor: Ingestor(store: store)).importPath(data + "/nezha-ob/2022-08-22", format: .nezha)
            #expect(summary.edges > 5)
            let edges = try store.edges()
            #expect(edges.contains { $0.source == "frontend" && $0.target == "checkoutservice" })
            let services = Set(store.series(matching: [try Selector(parsing: "cpu_usage_rate")]).compactMap { $0["service"] })
            #expect(services.isSuperset(of: ["cartservice", "frontend", "checkoutservice"]))
            // Time comes from the Time column: 2022-08-22 UTC.
            let newest = store.stats().newestTs ?? 0
            #expect(TimeParsing.rfc3339(newest).hasPrefix("2022-08-22"))
        }
    }
}
