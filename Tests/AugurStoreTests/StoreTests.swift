import AugurCore
import AugurStore
import AugurTestSupport
import Foundation
import Testing

@Suite struct StoreTests {
    let up = Labels(name: "up", ["job": "a"])

    func write(_ store: Store, _ labels: Labels, _ samples: [(Int64, Double)]) throws {
        var batch = AppendBatch()
        var cache: [Labels: Int64] = [:]
        let ref = batch.ref(for: labels, in: store, cache: &cache)
        for (t, v) in samples { batch.add(ref, t, v) }
        try store.append(batch)
    }

    func all(_ store: Store, _ sel: String = "up") throws -> [Sample] {
        try store.select(Selector(parsing: sel), startMs: .min, endMs: .max).first?.samples ?? []
    }

    @Test func appendQueryAndSurviveReopen() async throws {
        try await withTestStore { store, path in
            let s = syntheticSeries(up, startMs: 1_700_000_000_000, count: 1000)
            try write(store, up, s.samples.map { ($0.timestampMs, $0.value) })
            #expect(try all(store) == s.samples)
            try store.compact()
            #expect(try all(store) == s.samples)
            #expect(store.stats().headSamples == 1000 % Store.chunkSamples)
            // A second writer is refused while this one runs; a reader sees every sample.
            let reopened = try Store(path: path, readOnly: true)
            #expect(try all(reopened) == s.samples)
            #expect(reopened.stats().samples == 1000)
        }
    }

    @Test func outOfOrderAndDuplicatesLastWriteWins() async throws {
        try await withTestStore { store, path in
            try write(store, up, (0..<600).map { (Int64($0) * 1000, 1) })
            try store.compact(force: true)
            // Rewrites inside compacted chunks, duplicates within one batch, and an older sample.
            try write(store, up, [(5000, 2), (5000, 3), (599_000, 4), (-1000, 5), (700_000, 6)])
            let expected = { (samples: [Sample]) in
                #expect(samples.count == 602)
                #expect(samples.first == Sample(-1000, 5))
                #expect(samples.first { $0.timestampMs == 5000 }?.value == 3)
                #expect(samples.first { $0.timestampMs == 599_000 }?.value == 4)
                #expect(samples.last == Sample(700_000, 6))
                #expect(zip(samples, samples.dropFirst()).allSatisfy { $0.timestampMs < $1.timestampMs })
            }
            expected(try all(store))
            let report = try store.compact(force: true)
            #expect(report.chunksRewritten > 0)
            expected(try all(store))
            expected(try all(Store(path: path, readOnly: true)))
        }
    }

    @Test func specialValuesKept() async throws {
        try await withTestStore { store, _ in
            try write(store, up, [(1, .nan), (2, .infinity), (3, -.infinity), (4, StaleMarker.value)])
            try store.compact(force: true)
            let got = try all(store)
            #expect(got[0].value.isNaN && !StaleMarker.isStale(got[0].value))
            #expect(got[1].value == .infinity && got[2].value == -.infinity)
            #expect(StaleMarker.isStale(got[3].value))
        }
    }

    @Test func rangeQueryUsesLookbackAndStaleness() async throws {
        try await withTestStore { store, _ in
            let m = 60_000 as Int64
            try write(store, up, [(0, 1), (m, 2), (2 * m, StaleMarker.value), (10 * m, 3)])
            let r = try store.queryRange(Selector(parsing: "up"), startMs: 0, endMs: 16 * m, stepMs: m)
            let points = r[0].samples.map { ($0.timestampMs / m, $0.value) }
            // Minute 2 is stale; 3…9 have no sample in the look-back; 10…14 see the value 3 (5 minutes back).
            #expect(points.map(\.0) == [0, 1, 10, 11, 12, 13, 14])
            #expect(points.map(\.1) == [1, 2, 3, 3, 3, 3, 3])
            #expect(throws: QueryError.self) { try store.queryRange(Selector(parsing: "up"), startMs: 0, endMs: 20_000 * m, stepMs: 1) }
        }
    }

    @Test func retentionCountsFromNewestSample() async throws {
        try await withTestStore { store, _ in
            let day: Int64 = 86_400_000
            try write(store, up, (0..<300).map { (Int64($0) * 60_000, 1) })
            try write(store, Labels(name: "fresh"), [(10 * day, 1)])
            try store.compact(force: true)
            let deleted = try store.applyRetention(retentionMs: 2 * day, nowMs: 10 * day)
            #expect(deleted > 0)
            #expect(store.series(matching: [try Selector(parsing: "up")]).isEmpty)
            #expect(store.series(matching: [try Selector(parsing: "fresh")]).count == 1)
            // A later write to the deleted series starts it again.
            try write(store, up, [(10 * day, 2)])
            #expect(try all(store).count == 1)
        }
    }

    @Test func selectorUnionAndTimeFilter() async throws {
        try await withTestStore { store, _ in
            try write(store, Labels(name: "a", ["x": "1"]), [(1000, 1)])
            try write(store, Labels(name: "b", ["x": "2"]), [(5000, 1)])
            let sels = [try Selector(parsing: "a"), try Selector(parsing: #"{x="2"}"#)]
            #expect(store.series(matching: sels).count == 2)
            #expect(store.series(matching: sels, startMs: 2000, endMs: 9000).map { $0.name } == ["b"])
        }
    }

    @Test func migratingTwiceIsANoOp() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/augur.sqlite"
            do { try write(try Store(path: path), up, [(1, 1)]) }
            do { _ = try Store(path: path) }
            let again = try Store(path: path)
            #expect(try all(again) == [Sample(1, 1)])
        }
    }

    /// Two servers on one file lost acknowledged writes (the first one's compaction rewrote the head
    /// log): the second writer is refused, naming the holder; the lock goes with the first store.
    @Test func aSecondWriterIsRefusedWithTheHoldersPID() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/augur.sqlite"
            do {
                let first = try Store(path: path)
                let refusal = #expect(throws: StoreError.self) { try Store(path: path) }
                #expect(refusal?.code == .locked)
                #expect(refusal?.detail.contains("PID \(getpid())") == true)
                try write(first, up, [(1, 1)])
            }
            #expect(try all(try Store(path: path)) == [Sample(1, 1)])
        }
    }

    /// A store whose series never fill a chunk (log counts only) kept one head-log row per request:
    /// compaction now folds the log once it passes `headLogFoldRows`, and every sample survives a reopen.
    @Test func compactionFoldsTheHeadLogEvenWhenNoChunkIsDue() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/augur.sqlite"
            do {
                let store = try Store(path: path)
                for k in 0..<(Store.headLogFoldRows + 36) { try write(store, up, [(Int64(k) * 60_000, Double(k))]) }
                #expect(store.headLogRowCount == Store.headLogFoldRows + 36)
                try store.compact()
                #expect(store.headLogRowCount == 1)
                #expect(store.stats().chunkSamples == 0)
            }
            #expect(try all(try Store(path: path)).count == Store.headLogFoldRows + 36)
        }
    }

    /// Pointed at another application's SQLite file, Augur refuses it and leaves every byte as it was.
    @Test func anotherApplicationsDatabaseIsLeftUnchanged() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/other.db"
            let sqlite = Process()
            sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            sqlite.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table notes(t text)'); c.execute(\"insert into notes values ('mine')\"); c.commit()", path]
            try sqlite.run()
            sqlite.waitUntilExit()
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let refusal = #expect(throws: StoreError.self) { try Store(path: path) }
            #expect(refusal?.detail.contains("another application") == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        }
    }

    @Test func readOnlyRefusesWritesAndMissingFiles() async throws {
        try await withTestStore { store, path in
            try write(store, up, [(1, 1)])
            let ro = try Store(path: path, readOnly: true)
            #expect(throws: StoreError.self) { try write(ro, up, [(2, 2)]) }
            #expect(throws: StoreError.self) { try Store(path: path + ".missing", readOnly: true) }
        }
    }

    @Test func graphEdgesReplacePerOrigin() async throws {
        try await withTestStore { store, _ in
            try store.replaceEdges([GraphEdge(source: "a", target: "b", origin: "x"), GraphEdge(source: "b", target: "c", origin: "x")], origin: "x")
            try store.replaceEdges([GraphEdge(source: "a", target: "c", origin: "x")], origin: "x")
            try store.replaceEdges([GraphEdge(source: "a", target: "b", origin: "y")], origin: "y")
            #expect(try store.edges().map { "\($0.source)>\($0.target)@\($0.origin)" } == ["a>b@y", "a>c@x"])
        }
    }

    @Test func compressedSizeOfRegularScrapes() async throws {
        try await withTestStore { store, _ in
            var batch = AppendBatch()
            var cache: [Labels: Int64] = [:]
            for i in 0..<50 {
                let ref = batch.ref(for: Labels(name: "node_cpu_seconds_total", ["cpu": String(i)]), in: store, cache: &cache)
                // A request counter: whole increments of varying size.
                for k in 0..<2400 { batch.add(ref, Int64(k) * 15_000, Double(k * 37 + (k * k) % 11)) }
            }
            try store.append(batch)
            let r = try store.compact(force: true)
            #expect(r.samplesFlushed == 120_000)
            // Chunk payloads alone: far below the 16 bytes of a raw (timestamp, value) pair.
            #expect(Double(r.bytesWritten) / 120_000 < 3)
        }
    }
}
