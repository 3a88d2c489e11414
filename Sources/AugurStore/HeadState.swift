import AugurCore

/// The in-memory index of every series and the head: samples not yet cut into chunks.
/// Series ids are dense from 1, so `slots` is indexed by id.
struct HeadState {
    var slots: [SeriesEntry?] = [nil]
    var byLabels: [Labels: Int64] = [:]
    /// The metric name → ids, so a selector with a name looks at few series.
    var byName: [String: [Int64]] = [:]
    var headSamples = 0
    var chunkSamples = 0
    var newestTs = Int64.min

    func has(_ id: Int64) -> Bool { id > 0 && Int(id) < slots.count && slots[Int(id)] != nil }

    mutating func add(id: Int64, labels: Labels) {
        while slots.count <= Int(id) { slots.append(nil) }
        slots[Int(id)] = SeriesEntry(labels: labels)
        byLabels[labels] = id
        byName[labels.name ?? "", default: []].append(id)
    }

    mutating func addPersisted(id: Int64, min: Int64, max: Int64, count: Int) {
        guard has(id) else { return }
        slots[Int(id)]!.minTs = Swift.min(slots[Int(id)]!.minTs, min)
        slots[Int(id)]!.maxTs = Swift.max(slots[Int(id)]!.maxTs, max)
        slots[Int(id)]!.persistedMaxTs = max
        chunkSamples += count
        newestTs = Swift.max(newestTs, max)
    }

    @inline(__always) mutating func appendHead(_ id: Int64, _ t: Int64, _ v: Double) {
        slots[Int(id)]!.append(t, v)
        headSamples += 1
        if t > newestTs { newestTs = t }
    }

    func allIDs() -> [Int64] { byLabels.values.map { $0 } }

    func idsWithHead() -> Set<Int64> {
        Set(byLabels.values.filter { !slots[Int($0)]!.head.ts.isEmpty })
    }

    /// The series a selector may match (all of one metric name, or all), overlapping `[start, end]`,
    /// copied out (copy-on-write: references) so that matching runs outside the lock ingest needs.
    func candidates(_ selectors: [Selector], _ start: Int64, _ end: Int64) -> [(id: Int64, entry: SeriesEntry)] {
        var seen = Set<Int64>()
        var out: [(Int64, SeriesEntry)] = []
        for sel in selectors {
            for id in sel.metricName.map({ byName[$0] ?? [] }) ?? allIDs() where seen.insert(id).inserted {
                let e = slots[Int(id)]!
                if e.overlaps(start, end) { out.append((id, e)) }
            }
        }
        return out
    }

    /// What a compaction flushes: per series its head sorted and de-duplicated (last write wins),
    /// all of it when forced or idle for an hour of store time, else whole chunks only.
    func compactionPlan(force: Bool) -> [FlushItem] {
        var plan: [FlushItem] = []
        let idleBefore = newestTs < TimeParsing.earliestMs ? Int64.min : newestTs - 3_600_000
        for (index, slot) in slots.enumerated() {
            guard let e = slot, !e.head.ts.isEmpty else { continue }
            let (ts, vs) = e.head.sortedDeduplicated()
            var n = ts.count
            if !force && ts.last! >= idleBefore { n = (n / Store.chunkSamples) * Store.chunkSamples }
            guard n > 0 else { continue }
            plan.append(FlushItem(id: Int64(index), persistedMaxTs: e.persistedMaxTs, flushTs: Array(ts[..<n]), flushVs: Array(vs[..<n]),
                                  keepTs: Array(ts[n...]), keepVs: Array(vs[n...])))
        }
        return plan
    }

    /// The samples that stay in the head after `plan`: the kept part of planned series and the whole head of the others.
    func remainderAfter(_ plan: [FlushItem]) -> (ids: [Int64], ts: [Int64], vs: [Double]) {
        var planned = Set<Int64>()
        var ids: [Int64] = [], ts: [Int64] = [], vs: [Double] = []
        for item in plan {
            planned.insert(item.id)
            ids += Array(repeating: item.id, count: item.keepTs.count)
            ts += item.keepTs
            vs += item.keepVs
        }
        for (index, slot) in slots.enumerated() where !planned.contains(Int64(index)) {
            guard let e = slot, !e.head.ts.isEmpty else { continue }
            ids += Array(repeating: Int64(index), count: e.head.ts.count)
            ts += e.head.ts
            vs += e.head.vs
        }
        return (ids, ts, vs)
    }

    mutating func applyCompaction(_ plan: [FlushItem]) {
        for item in plan {
            let i = Int(item.id)
            headSamples -= slots[i]!.head.ts.count
            slots[i]!.head = HeadSamples(ts: item.keepTs, vs: item.keepVs)
            headSamples += item.keepTs.count
            chunkSamples += item.flushTs.count
            slots[i]!.persistedMaxTs = max(slots[i]!.persistedMaxTs, item.flushTs.last!)
        }
    }

    /// After retention: `survivors` maps the ids that still have chunks to (oldest ts, sample count).
    mutating func applyRetention(_ survivors: [Int64: (Int64, Int64)]) {
        chunkSamples = 0
        for (index, slot) in slots.enumerated() {
            guard var e = slot else { continue }
            if let (minTs, count) = survivors[Int64(index)] {
                e.minTs = min(minTs, e.head.ts.min() ?? .max)
                chunkSamples += Int(count)
                slots[index] = e
            } else if e.head.ts.isEmpty {
                slots[index] = nil
                byLabels[e.labels] = nil
                byName[e.labels.name ?? ""]?.removeAll { $0 == Int64(index) }
            } else {
                e.minTs = e.head.ts.min()!
                e.persistedMaxTs = .min
                slots[index] = e
            }
        }
    }
}

struct SeriesEntry {
    let labels: Labels
    var minTs = Int64.max
    var maxTs = Int64.min
    /// Newest timestamp in this series' chunks; head samples at or before it must be merged.
    var persistedMaxTs = Int64.min
    var head = HeadSamples(ts: [], vs: [])

    init(labels: Labels) { self.labels = labels }

    @inline(__always) mutating func append(_ t: Int64, _ v: Double) {
        head.ts.append(t)
        head.vs.append(v)
        if t < minTs { minTs = t }
        if t > maxTs { maxTs = t }
    }

    func overlaps(_ start: Int64, _ end: Int64) -> Bool { minTs <= end && maxTs >= start }
}

/// Head samples of one series in arrival order (possibly unsorted, possibly with repeated timestamps).
struct HeadSamples: Sendable {
    var ts: [Int64]
    var vs: [Double]

    /// Sorted by time; for a repeated timestamp the last write wins.
    func sortedDeduplicated() -> ([Int64], [Double]) {
        var sorted = true
        for i in ts.indices.dropFirst() where ts[i] <= ts[i - 1] { sorted = false; break }
        if sorted { return (ts, vs) }
        // A stable sort keeps arrival order among equal timestamps, so the last one is the latest write.
        let order = ts.indices.sorted { ts[$0] != ts[$1] ? ts[$0] < ts[$1] : $0 < $1 }
        var outT: [Int64] = [], outV: [Double] = []
        outT.reserveCapacity(order.count)
        outV.reserveCapacity(order.count)
        for i in order {
            if let last = outT.last, last == ts[i] { outV[outV.count - 1] = vs[i] } else { outT.append(ts[i]); outV.append(vs[i]) }
        }
        return (outT, outV)
    }
}

struct FlushItem {
    let id: Int64
    let persistedMaxTs: Int64
    let flushTs: [Int64]
    let flushVs: [Double]
    let keepTs: [Int64]
    let keepVs: [Double]
}

enum SampleMerge {
    /// Merges two sorted, de-duplicated runs; on equal timestamps `new` wins.
    static func merge(old: ([Int64], [Double]), new: ([Int64], [Double])) -> ([Int64], [Double]) {
        let (ot, ov) = old, (nt, nv) = new
        if ot.isEmpty { return new }
        if nt.isEmpty { return old }
        if ot.last! < nt.first! { return (ot + nt, ov + nv) }
        var t: [Int64] = [], v: [Double] = []
        t.reserveCapacity(ot.count + nt.count)
        v.reserveCapacity(ot.count + nt.count)
        var i = 0, j = 0
        while i < ot.count || j < nt.count {
            if j == nt.count || (i < ot.count && ot[i] < nt[j]) {
                t.append(ot[i]); v.append(ov[i]); i += 1
            } else {
                if i < ot.count && ot[i] == nt[j] { i += 1 }
                t.append(nt[j]); v.append(nv[j]); j += 1
            }
        }
        return (t, v)
    }
}
