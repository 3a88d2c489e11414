package import AugurCore
import AugurNumerics

extension GraphLearner {
    /// The last resort, when neither configuration, metric labels nor traces give an edge: services
    /// whose metrics move together. Services that call each other share their traffic, so the same
    /// metric (request rate, CPU, network bytes, latency) of the two rises and falls together, within
    /// a step or two. For each metric name that several services report, each service's series is put
    /// on one time grid, differenced (trends and levels say nothing about calls) and standardised; the
    /// lagged cross-correlations of every pair come from one GEMM per lag. A pair scores the mean over
    /// their shared metrics of the largest |correlation| within `maxLag` steps, and each service keeps
    /// its `partners` highest-scoring pairs above chance (3/√n for n steps).
    ///
    /// Which end calls which cannot be told this way: at a minute's resolution a call and its answer
    /// fall in the same step (Online Boutique: every best lag is 0), and a lead would mean the opposite
    /// for traffic (the caller's first) and for a slowdown (the callee's first). So each pair is stored
    /// in both directions, origin `correlation`, weighted by its score. On Online Boutique's two days
    /// (10 services, 14 of the 45 pairs call each other) this keeps 14 pairs each, 9 and 8 of them calls.
    package static func fromCorrelation(_ series: [Series], maxLag: Int = 2, partners: Int = 2, maxSteps: Int = 2_000) -> [GraphEdge] {
        let grid = Grid(series, maxSteps: maxSteps)
        guard let grid, grid.steps >= 30 else { return [] }
        // Per metric name, per service: the sum of its series (pods) on the grid.
        var byMetric: [String: [String: [Double]]] = [:]
        for s in series {
            guard let name = s.labels.name, !name.hasPrefix("augur_"), let service = RootCauseAnalyzer.service(of: s.labels),
                  let values = grid.resample(s.samples) else { continue }
            let sum = byMetric[name]?[service] ?? [Double](repeating: 0, count: grid.steps)
            byMetric[name, default: [:]][service] = zip(sum, values).map { $0 + $1 }
        }
        var total: [Pair: Double] = [:], shared: [Pair: Int] = [:]
        for services in byMetric.values where services.count >= 2 {
            let names = services.keys.sorted()
            let rows = names.compactMap { Self.standardisedDifferences(services[$0]!) }
            guard rows.count == names.count else { continue }  // a flat series correlates with nothing
            let best = Self.bestLaggedCorrelation(rows, maxLag: maxLag)
            for i in names.indices {
                for j in names.indices where j > i {
                    total[Pair(names[i], names[j]), default: 0] += best[i * names.count + j]
                    shared[Pair(names[i], names[j]), default: 0] += 1
                }
            }
        }
        let chance = 3 / Double(grid.steps - 1).squareRoot()
        var partnersOf: [String: [(String, Double)]] = [:]
        for (pair, sum) in total {
            let score = sum / Double(shared[pair]!)
            guard score >= chance else { continue }
            partnersOf[pair.a, default: []].append((pair.b, score))
            partnersOf[pair.b, default: []].append((pair.a, score))
        }
        var kept: [Pair: Double] = [:]
        for (service, list) in partnersOf {
            for (other, score) in list.sorted(by: { ($0.1, $1.0) > ($1.1, $0.0) }).prefix(partners) { kept[Pair(service, other)] = score }
        }
        return kept.flatMap { pair, score in
            [GraphEdge(source: pair.a, target: pair.b, weight: score, origin: "correlation"),
             GraphEdge(source: pair.b, target: pair.a, weight: score, origin: "correlation")]
        }.sorted { ($0.source, $0.target) < ($1.source, $1.target) }
    }

    /// An unordered pair of services.
    struct Pair: Hashable {
        let a: String, b: String
        init(_ x: String, _ y: String) { (a, b) = x < y ? (x, y) : (y, x) }
    }

    /// First differences scaled to mean 0 and variance 1; nil for a series that never changes.
    static func standardisedDifferences(_ values: [Double]) -> [Double]? {
        let d = zip(values.dropFirst(), values).map { $0 - $1 }
        let mean = d.reduce(0, +) / Double(d.count)
        let sd = (d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d.count)).squareRoot()
        guard sd > 1e-12 * max(1, abs(mean)) else { return nil }
        return d.map { ($0 - mean) / sd }
    }

    /// For k standardised rows of n steps, the k×k matrix (row-major) of the largest |correlation| of
    /// row i against row j shifted by −maxLag…maxLag steps: Xᵢ[ℓ…]·Xⱼ[…n−ℓ]ᵀ/(n−ℓ) as one GEMM per lag.
    static func bestLaggedCorrelation(_ rows: [[Double]], maxLag: Int) -> [Double] {
        let k = rows.count, n = rows[0].count
        var best = [Double](repeating: 0, count: k * k)
        for lag in 0...min(maxLag, n / 4) {
            let m = n - lag
            // Column-major m×k: column i is row i's steps lag…n (a) or 0…m (b).
            let a = rows.flatMap { $0[lag...] }, b = rows.flatMap { $0[..<m] }
            var c = [Double](repeating: 0, count: k * k)
            BLAS.gemm(a, b, &c, m: k, n: k, k: m, transA: true, alpha: 1 / Double(m))
            // c[i + j·k] = corr(row i later by `lag`, row j): both orders of the pair are covered as (i, j) and (j, i).
            for i in 0..<k {
                for j in 0..<k where i != j {
                    let (p, q) = (min(i, j), max(i, j))
                    best[p * k + q] = max(best[p * k + q], abs(c[i + j * k]))
                }
            }
        }
        return best
    }

    /// A common time grid for a set of series: their typical step (the median gap), over the span
    /// they cover, coarsened so that it has at most `maxSteps` steps.
    struct Grid {
        let startMs: Int64, stepMs: Int64, steps: Int

        init?(_ series: [Series], maxSteps: Int) {
            var gaps: [Int64] = []
            var start = Int64.max, end = Int64.min
            for s in series where s.samples.count >= 2 {
                gaps.append(s.samples[s.samples.count / 2].timestampMs - s.samples[s.samples.count / 2 - 1].timestampMs)
                start = min(start, s.samples.first!.timestampMs)
                end = max(end, s.samples.last!.timestampMs)
            }
            guard !gaps.isEmpty, end > start else { return nil }
            var step = max(1_000, gaps.sorted()[gaps.count / 2])
            step = max(step, (end - start) / Int64(maxSteps) + 1)
            (startMs, stepMs, steps) = (start, step, Int((end - start) / step) + 1)
        }

        /// The series' mean per step, a step without samples holding the last value before it (the
        /// first value before any); nil when fewer than half the steps have samples.
        func resample(_ samples: [Sample]) -> [Double]? {
            var sum = [Double](repeating: 0, count: steps), n = [Int](repeating: 0, count: steps)
            for s in samples where s.value.isFinite && s.timestampMs >= startMs {
                let i = Int((s.timestampMs - startMs) / stepMs)
                guard i < steps else { continue }
                sum[i] += s.value
                n[i] += 1
            }
            guard n.filter({ $0 > 0 }).count * 2 >= steps, let first = n.firstIndex(where: { $0 > 0 }) else { return nil }
            var last = sum[first] / Double(n[first])
            return (0..<steps).map { i in
                if n[i] > 0 { last = sum[i] / Double(n[i]) }
                return last
            }
        }
    }
}
