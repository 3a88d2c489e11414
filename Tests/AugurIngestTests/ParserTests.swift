import AugurCore
@testable import AugurIngest
import AugurStore
import AugurTestSupport
import Foundation
import Testing

@Suite struct RemoteWriteTests {
    @Test func decodesWhatTheEncoderWrites() throws {
        let series = [
            Series(labels: Labels(name: "up", ["job": "a", "instance": "h:1"]), samples: [Sample(1000, 1), Sample(2000, .nan)]),
            Series(labels: Labels(name: "x"), samples: [Sample(-5, StaleMarker.value)]),
        ]
        let body = RemoteWriteEncoder.encode(series)
        try body.withUnsafeBytes { raw in
            let req = try DecodedWriteRequest(raw)
            #expect(req.entries.count == 2)
            #expect(try req.labels(of: req.entries[0], in: raw, index: 0) == series[0].labels)
            #expect(req.timestamps == [1000, 2000, -5])
            #expect(req.values[1].isNaN && StaleMarker.isStale(req.values[2]))
        }
    }

    @Test func repeatedLabelSetsResolveToOneSeries() async throws {
        try await withTestStore { store, _ in
            let ingestor = Ingestor(store: store)
            let labels = Labels(name: "up", ["job": "a"])
            for k in 0..<3 {
                let body = RemoteWriteEncoder.encode([Series(labels: labels, samples: [Sample(Int64(k), 1)]), Series(labels: labels, samples: [Sample(Int64(k) + 100, 2)])])
                try ingestor.writeRemote(body)
            }
            #expect(store.stats().series == 1)
            #expect(try store.select(Selector(parsing: "up"), startMs: .min, endMs: .max)[0].samples.count == 6)
        }
    }

    @Test func snappyRoundTripAndLimit() throws {
        let data = Array(repeating: UInt8(7), count: 10_000)
        let c = Snappy.compress(data)
        #expect(try c.withUnsafeBytes { try Snappy.decompress($0, limit: 10_000) } == data)
        #expect(throws: IngestError.self) { try c.withUnsafeBytes { try Snappy.decompress($0, limit: 9_999) } }
    }
}

@Suite struct TextFormatTests {
    @Test func parsesExposition() throws {
        let text = """
        # HELP http_requests_total Requests.
        # TYPE http_requests_total counter
        http_requests_total{method="post",code="200"} 1027 1395066363000
        http_requests_total{method="post",code="400"}    3 1395066363000
        msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
        metric_without_timestamp_and_labels 12.47
        something_weird{problem="division by zero"} +Inf -3982045
        nan_value NaN
        # EOF
        """
        let series = try ExpositionParser.parse(text, defaultTimestampMs: 42, extraLabels: ["job": "j"])
        #expect(series.count == 6)
        #expect(series[0].labels == Labels(name: "http_requests_total", ["method": "post", "code": "200", "job": "j"]))
        #expect(series[0].samples == [Sample(1_395_066_363_000, 1027)])
        #expect(series[2].labels["path"] == #"C:\DIR\FILE.TXT"#)
        #expect(series[2].labels["error"] == "Cannot find file:\n\"FILE.TXT\"")
        #expect(series[3].samples == [Sample(42, 12.47)])
        #expect(series[4].samples == [Sample(-3_982_045, .infinity)])
        #expect(series[5].samples[0].value.isNaN)
    }
}

@Suite struct FileFormatTests {
    func parse(_ format: ImportFormat, _ text: String, file: String = "/x/file.csv") throws -> [Series] {
        try withTestStoreSync { store in try FileImporter(ingestor: Ingestor(store: store)).parse(Array(text.utf8), format: format, file: file) }
    }

    @Test func long() throws {
        let s = try parse(.long, "timestamp,series,value\n2024-01-01T00:00:00Z,\"cpu{pod=\"\"a\"\",ns=\"\"b\"\"}\",0.5\n1704067260,cpu{pod=\"a\"},NaN\n")
        #expect(s.count == 2)
        #expect(s[0].labels == Labels(name: "cpu", ["pod": "a", "ns": "b"]))
        #expect(s[1].samples[0].timestampMs == 1_704_067_260_000)
    }

    @Test func wideSkipsEmptyCells() throws {
        let s = try parse(.wide, "time,a,b{x=\"1\"}\n1000,1,\n1001,,2\n")
        #expect(s.map(\.labels) == [Labels(name: "a"), Labels(name: "b", ["x": "1"])])
        #expect(s[0].samples == [Sample(1_000_000, 1)])
        #expect(s[1].samples == [Sample(1_001_000, 2)])
    }

    @Test func nabNamesSeriesAfterFile() throws {
        let s = try parse(.nab, "timestamp,value\n2014-02-14 14:30:00,0.132\n2014-02-14 14:35:00,0.134\n", file: "/d/ec2_cpu_utilization_5f5533.csv")
        #expect(s[0].labels == Labels(name: "ec2_cpu_utilization_5f5533"))
        #expect(s[0].samples.map(\.timestampMs) == [1_392_388_200_000, 1_392_388_500_000])
    }

    @Test func m4IsHourlyWithPaddingDropped() throws {
        let s = try parse(.m4, "\"V1\",\"V2\",\"V3\",\"V4\"\n\"H1\",\"605\",\"586\",\"\"\n\"H2\",\"1\",\"2\",\"3\"\n")
        #expect(s.map { $0.labels["id"] } == ["H1", "H2"])
        #expect(s[0].samples.count == 2)
        #expect(s[1].samples[2].timestampMs - s[1].samples[1].timestampMs == 3_600_000)
    }

    @Test func sockshopSplitsServiceFromMetric() throws {
        let s = try parse(.sockshop, "time,carts_cpu,carts-db_lat_50\n1652565600,1.5,2\n")
        #expect(s.map(\.labels) == [Labels(name: "cpu", ["service": "carts"]), Labels(name: "lat_50", ["service": "carts-db"])])
    }

    @Test func nezhaPodFileUsesTimeColumn() throws {
        let text = "Time,TimeStamp,PodName,CpuUsageRate(%),PodSuccessRate(%)\n2022-08-22 03:51:19.640328427 +0000 UTC m=+0.146282408,1661000000,cartservice-579f59597d-wc2lz,9.4,\n"
        let s = try parse(.nezha, text, file: "/d/metric/cartservice-579f59597d-wc2lz_metric.csv")
        #expect(s.count == 1)
        #expect(s[0].labels == Labels(name: "cpu_usage_rate", ["pod": "cartservice-579f59597d-wc2lz", "service": "cartservice"]))
        #expect(s[0].samples[0].timestampMs == 1_661_140_279_640)
    }

    @Test(arguments: BadInputCorpus.files.indices)
    func badFilesAreRefusedPrecisely(_ i: Int) throws {
        let c = BadInputCorpus.files[i]
        do {
            _ = try parse(c.format, c.content)
            Issue.record("\(c.name): accepted")
        } catch let e as IngestError {
            #expect(e.code == .malformed, "\(c.name)")
            #expect(e.line == c.line, "\(c.name): \(e)")
            #expect(e.field == c.field, "\(c.name): \(e)")
        }
    }
}

/// A synchronous variant for parse-only tests.
func withTestStoreSync<T>(_ body: (Store) throws -> T) throws -> T {
    let dir = NSTemporaryDirectory() + "augur-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try body(try Store(path: dir + "/a.sqlite"))
}
