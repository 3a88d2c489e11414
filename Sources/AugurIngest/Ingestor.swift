package import AugurCore
package import AugurStore
import Synchronization

/// The one ingest path: every format ends in `write(_:)`, one store transaction per request or file.
package final class Ingestor: Sendable {
    package let store: Store
    package let policy: IngestPolicy
    private let rawSeries = Mutex(RawSeriesCache())
    private let samplesTotal = Atomic<Int>(0)
    private let newSeriesRate = NewSeriesRate()

    /// `policy`: `.files` for imports of history; the server passes its configured limits with the window.
    package init(store: Store, policy: IngestPolicy = .files) {
        self.store = store
        self.policy = policy
    }

    /// Refuses a batch that breaks the policy, before anything of it is stored.
    private func check(_ batch: AppendBatch, distinctSeries: Int) throws(IngestError) {
        let limits = policy.limits
        guard distinctSeries <= limits.maxSeriesPerWrite else {
            throw IngestError(.limit, format: "series", "\(distinctSeries) series in one request; at most \(limits.maxSeriesPerWrite)", field: "max_series_per_write")
        }
        let nowMs = WallClock.nowMs()
        try policy.check(timestamps: batch.timestamps, nowMs: nowMs)
        guard !batch.newSeries.isEmpty else { return }
        for labels in batch.newSeries { try policy.check(newSeries: labels) }
        guard store.seriesCount + batch.newSeries.count <= limits.maxSeries else {
            throw IngestError(.limit, format: "series", "\(batch.newSeries.count) new series would pass the store's limit of \(limits.maxSeries)", field: "max_series")
        }
        try newSeriesRate.take(batch.newSeries.count, nowMs: nowMs, limit: limits.maxNewSeriesPerMinute)
    }

    /// Samples accepted since start.
    package var ingestedSamples: Int { samplesTotal.load(ordering: .relaxed) }

    /// Commits one batch; returns how many samples it held.
    @discardableResult
    package func write(_ batch: AppendBatch) throws -> Int {
        guard batch.count > 0 else { return 0 }
        // Distinct series are at most the samples: count them only when that could pass the limit.
        try check(batch, distinctSeries: batch.count <= policy.limits.maxSeriesPerWrite ? 0 : Set(batch.refs).count)
        try store.append(batch)
        samplesTotal.add(batch.count, ordering: .relaxed)
        return batch.count
    }

    /// Writes whole series (import formats).
    @discardableResult
    package func write(_ series: [Series]) throws -> Int {
        var batch = AppendBatch()
        var cache: [Labels: Int64] = [:]
        for s in series {
            let ref = batch.ref(for: s.labels, in: store, cache: &cache)
            for sample in s.samples { batch.add(ref, sample.timestampMs, sample.value) }
        }
        return try write(batch)
    }

    /// Decodes and writes an uncompressed remote-write `WriteRequest`. Label sets already seen are
    /// found by their raw bytes, without building strings.
    @discardableResult
    package func writeRemote(_ body: [UInt8]) throws -> Int {
        try body.withUnsafeBytes { (raw) throws -> Int in
            let request = try DecodedWriteRequest(raw)
            var batch = AppendBatch()
            batch.refs.reserveCapacity(request.timestamps.count)
            batch.timestamps = request.timestamps
            batch.values = request.values
            var pending: [(hash: UInt64, entry: Int, newIndex: Int)] = []
            var labelCache: [Labels: Int64] = [:]
            let epoch = store.seriesEpoch
            try rawSeries.withLock { (cache) throws(IngestError) in
                if cache.epoch != epoch { cache = RawSeriesCache(epoch: epoch) }
                for (index, e) in request.entries.enumerated() {
                    var ref: Int64
                    if e.labelsContiguous, let id = cache.find(e.hash, raw, e.labelStart, e.labelEnd) {
                        ref = id
                    } else {
                        let labels = try request.labels(of: e, in: raw, index: index)
                        ref = batch.ref(for: labels, in: store, cache: &labelCache)
                        if e.labelsContiguous {
                            if ref >= 0 { cache.insert(e.hash, raw, e.labelStart, e.labelEnd, ref) } else { pending.append((e.hash, index, Int(-ref - 1))) }
                        }
                    }
                    for _ in 0..<e.sampleCount { batch.refs.append(ref) }
                }
            }
            try check(batch, distinctSeries: request.entries.count)
            try store.writeMetadata(request.metadata)
            let newIDs = try store.append(batch)
            samplesTotal.add(batch.count, ordering: .relaxed)
            if !pending.isEmpty {
                rawSeries.withLock { cache in
                    guard cache.epoch == epoch else { return }
                    for p in pending {
                        let e = request.entries[p.entry]
                        cache.insert(p.hash, raw, e.labelStart, e.labelEnd, newIDs[p.newIndex])
                    }
                }
            }
            return batch.count
        }
    }
}

/// Raw protobuf label bytes → series id, verified byte for byte on every hit.
struct RawSeriesCache {
    var epoch = 0
    private var entries: [UInt64: (bytes: [UInt8], id: Int64)] = [:]

    init(epoch: Int = 0) { self.epoch = epoch }

    func find(_ hash: UInt64, _ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int64? {
        guard let e = entries[hash], e.bytes.count == end - start else { return nil }
        let same = e.bytes.withUnsafeBytes { stored in
            memcmp(stored.baseAddress!, raw.baseAddress! + start, end - start) == 0
        }
        return same ? e.id : nil
    }

    mutating func insert(_ hash: UInt64, _ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ id: Int64) {
        // On a hash collision the first label set keeps the slot; the other takes the slow path.
        if entries[hash] == nil { entries[hash] = (Array(raw[start..<end]), id) }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
