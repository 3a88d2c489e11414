import AugurApp
import AugurCore
import AugurLogs
import AugurRCA
import AugurReports
import AugurStore
import AugurTestSupport
import Testing

/// An incident's onset search analyses the sample times of its look-back over one reading of the store.
@Suite(.ownThread) struct OnsetSearchTests {
    /// `cpu_usage` of three services every `stepMs`, the `samples` steps from `faultAt`: 10 plus noise,
    /// and 40 more for payment from `faultAt` on.
    func appendCPU(_ store: Store, faultAt t: Int64, stepMs: Int64, samples: Range<Int>, seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var batch = AppendBatch()
        var cache: [Labels: Int64] = [:]
        for service in ["frontend", "checkout", "payment"] {
            let labels = Labels(name: "cpu_usage", ["service": service])
            for k in samples {
                let jump = service == "payment" && k >= 0 ? 40.0 : 0
                batch.add(batch.ref(for: labels, in: store, cache: &cache), t + Int64(k) * stepMs, 10 + jump + rng.nextGaussian())
            }
        }
        try store.append(batch)
    }

    @Test func theOnsetSearchReadsTheStoreOnce() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            try appendCPU(store, faultAt: t, stepMs: 60_000, samples: -60..<20, seed: 5)
            // Traced lines and an error, so that the log readings are part of what is counted.
            let logs = (-30..<10).flatMap { k in
                ["frontend", "payment"].map { s in
                    LogRecord(timestampNs: (t + Int64(k) * 60_000) * 1_000_000, labels: Labels([("service", s)]),
                              line: k >= 0 && s == "payment" ? "ERROR charge failed" : "request served", traceId: "trace-\(k)")
                }
            }
            _ = try LogPipeline(store: store).ingest(logs)
            // The alert fired 5 minutes after the fault began.
            let alertMs = t + 5 * 60_000
            var reads = store.reads
            let once = try IncidentSnapshot.analyse(store: store, atMs: alertMs, searchMs: 0, services: ["frontend"], nowMs: alertMs)
            let readsAtOneTime = store.reads - reads
            reads = store.reads
            let searched = try IncidentSnapshot.analyse(store: store, atMs: alertMs, searchMs: 15 * 60_000, services: ["frontend"], nowMs: alertMs)
            #expect(store.reads - reads == readsAtOneTime, "16 analyses, one reading")
            #expect(once.atMs == alertMs && searched.atMs < alertMs, "the search moved to an earlier onset: \(searched.atMs - t) ms from the fault")
            #expect(searched.suspects.first?.service == "payment")
        }
    }

    /// At 5-minute samples the onset is a time the data has, within a sample of the fault: the search
    /// tries the sample times, not a one-minute grid that 5-minute data mostly falls between.
    @Test func theOnsetIsASampleTimeAtFiveMinuteSamples() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000 + 17_000  // samples 17 s past the minute
            try appendCPU(store, faultAt: t, stepMs: 300_000, samples: -24..<6, seed: 9)
            let alertMs = t + 10 * 60_000 - 17_000
            let found = try IncidentSnapshot.analyse(store: store, atMs: alertMs, searchMs: 15 * 60_000, services: ["frontend"], nowMs: alertMs)
            #expect((found.atMs - t) % 300_000 == 0 && abs(found.atMs - t) <= 300_000, "onset \(found.atMs - t) ms from the fault's first sample")
            #expect(found.suspects.first?.service == "payment")
        }
    }

    /// The tries: each sample time of coarse data; at 1-second data, the first sample of each of 15
    /// equal parts, and the end.
    @Test func theTriesAreTheSampleTimesThinnedToSixteen() {
        func input(stepMs: Int64, from: Int64, count: Int) -> RCAInput {
            let samples = (0..<count).map { Sample(from + Int64($0) * stepMs, 1) }
            return RCAInput(times: 0...0, series: [Series(labels: Labels(name: "cpu_usage", ["service": "a"]), samples: samples)], normal: [:], expectations: [:],
                            edges: [], tracedLines: [], errorLines: [], logServices: [], logged: [], templateTexts: [:], changes: [])
        }
        let range: ClosedRange<Int64> = 1_000_000...1_900_000
        #expect(input(stepMs: 300_000, from: 817_000, count: 6).onsetTimes(in: range) == [1_117_000, 1_417_000, 1_717_000, 1_900_000])
        let fine = input(stepMs: 1_000, from: 0, count: 3_000).onsetTimes(in: range)
        #expect(fine.count == 16 && fine.first == 1_000_000 && fine.last == 1_900_000)
        #expect(zip(fine, fine.dropFirst()).allSatisfy { $1 - $0 == 60_000 }, "\(fine)")
    }
}
