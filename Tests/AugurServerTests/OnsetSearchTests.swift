import AugurApp
import AugurCore
import AugurLogs
import AugurReports
import AugurStore
import AugurTestSupport
import Testing

/// An incident's onset search analyses every minute of its look-back over one reading of the store.
@Suite(.ownThread) struct OnsetSearchTests {
    @Test func theOnsetSearchReadsTheStoreOnce() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            var rng = SplitMix64(seed: 5)
            var batch = AppendBatch()
            var cache: [Labels: Int64] = [:]
            for service in ["frontend", "checkout", "payment"] {
                let labels = Labels(name: "cpu_usage", ["service": service])
                for k in -60..<20 {
                    let jump = service == "payment" && k >= 0 ? 40.0 : 0
                    batch.add(batch.ref(for: labels, in: store, cache: &cache), t + Int64(k) * 60_000, 10 + jump + rng.nextGaussian())
                }
            }
            try store.append(batch)
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
}
