import AugurCore
package import AugurNumerics

/// Seasonal-trend decomposition by LOESS (Cleveland, Cleveland, McRae & Terpenning, "STL: A
/// Seasonal-Trend Decomposition Procedure Based on Loess", J. Official Statistics 1990), with robustness
/// weights against outliers, and MSTL for several periods (Bandara, Hyndman & Bergmeir 2021).
package enum STL {
    package struct Decomposition {
        package var trend: [Double]
        package var seasonal: [Double]
        package var remainder: [Double]
    }

    /// One period. `seasonalWindow` is the LOESS span over cycle-subseries (odd, ≥ 7).
    package static func decompose(_ y: [Double], period np: Int, seasonalWindow: Int = 11, robust: Bool = true) -> Decomposition {
        let n = y.count
        let ns = max(7, seasonalWindow | 1)
        let nl = odd(atLeast: np)
        let nt = odd(atLeast: Int((1.5 * Double(np) / (1 - 1.5 / Double(ns))).rounded(.up)))
        var trend = [Double](repeating: 0, count: n)
        var seasonal = [Double](repeating: 0, count: n)
        var weights = [Double](repeating: 1, count: n)
        for outer in 0..<(robust ? 2 : 1) {
            for _ in 0..<2 {
                // Cycle-subseries smoothing of the detrended series, extended one cycle each side.
                var c = [Double](repeating: 0, count: n + 2 * np)
                for k in 0..<np {
                    let idx = Array(stride(from: k, to: n, by: np))
                    guard !idx.isEmpty else { continue }
                    let sub = idx.map { y[$0] - trend[$0] }, w = idx.map { weights[$0] }
                    for j in -1...idx.count {
                        c[k + (j + 1) * np] = loess(sub, weights: w, at: Double(j), span: ns)
                    }
                }
                // Low-pass: moving averages of np, np and 3, then LOESS.
                let low = loess(movingAverage(movingAverage(movingAverage(c, np), np), 3), weights: nil, span: nl)
                for t in 0..<n { seasonal[t] = c[np + t] - low[t] }
                trend = loess(zip(y, seasonal).map { $0 - $1 }, weights: weights, span: nt)
            }
            if robust && outer == 0 {
                // Bisquare weights from the remainder: outliers stop pulling the components.
                let r = (0..<n).map { abs(y[$0] - trend[$0] - seasonal[$0]) }
                // With an exact fit almost everywhere the median is 0: then any residual at all is an outlier.
                let scale = y.reduce(0) { $0 + abs($1) } / Double(n)
                let h = max(6 * median(r), 1e-9 * (1 + scale))
                weights = r.map { bisquare($0 / h) }
            }
        }
        return Decomposition(trend: trend, seasonal: seasonal, remainder: (0..<n).map { y[$0] - trend[$0] - seasonal[$0] })
    }

    /// Several periods, ascending, refined twice (MSTL).
    package static func decompose(_ y: [Double], periods: [Int]) -> (trend: [Double], seasonals: [Int: [Double]], remainder: [Double]) {
        let ps = periods.filter { $0 > 1 && y.count >= 2 * $0 }.sorted()
        var seasonals = [Int: [Double]]()
        var deseasoned = y
        var trend = y
        guard !ps.isEmpty else { return (y, [:], [Double](repeating: 0, count: y.count)) }
        for _ in 0..<2 {
            for p in ps {
                if let s = seasonals[p] { for t in 0..<y.count { deseasoned[t] += s[t] } }
                let d = decompose(deseasoned, period: p, seasonalWindow: 7 + 4 * ps.firstIndex(of: p)!)
                seasonals[p] = d.seasonal
                for t in 0..<y.count { deseasoned[t] -= d.seasonal[t] }
                trend = d.trend
            }
        }
        return (trend, seasonals, (0..<y.count).map { deseasoned[$0] - trend[$0] })
    }

    static func odd(atLeast v: Int) -> Int { v % 2 == 0 ? v + 1 : v }

    static func bisquare(_ u: Double) -> Double { u < 1 ? (1 - u * u) * (1 - u * u) : 0 }

    static func movingAverage(_ x: [Double], _ k: Int) -> [Double] {
        guard x.count >= k else { return x }
        var out = [Double](repeating: 0, count: x.count - k + 1)
        var s = x.prefix(k).reduce(0, +)
        out[0] = s / Double(k)
        for i in 1..<out.count {
            s += x[i + k - 1] - x[i - 1]
            out[i] = s / Double(k)
        }
        return out
    }

    /// LOESS (degree 1, tricube) of x (at positions 0…n−1) at every position. As in Cleveland et al.'s
    /// reference code, the fit is computed every ⌈span/10⌉ positions (and at the last) and linearly
    /// interpolated between: exact enough for a smooth component, and a day of minutes costs O(n·10).
    static func loess(_ x: [Double], weights: [Double]?, span: Int) -> [Double] {
        let n = x.count
        let jump = max(1, (span + 9) / 10)
        guard jump > 1, n > 2 else { return (0..<n).map { loess(x, weights: weights ?? [], at: Double($0), span: span) } }
        var out = [Double](repeating: 0, count: n)
        var previous = 0
        out[0] = loess(x, weights: weights ?? [], at: 0, span: span)
        while previous < n - 1 {
            let next = min(previous + jump, n - 1)
            out[next] = loess(x, weights: weights ?? [], at: Double(next), span: span)
            for i in (previous + 1)..<next {
                out[i] = out[previous] + (out[next] - out[previous]) * Double(i - previous) / Double(next - previous)
            }
            previous = next
        }
        return out
    }

    /// LOESS fit of degree 1 at position `at` (may lie outside 0…n−1) using the `span` nearest points.
    static func loess(_ x: [Double], weights: [Double], at: Double, span: Int) -> Double {
        let n = x.count
        guard n > 1 else { return x.first ?? 0 }
        let q = min(span, n)
        var lo = Int((at - Double(q - 1) / 2).rounded(.down))
        lo = max(0, min(lo, n - q))
        let hi = lo + q - 1
        var maxDist = max(at - Double(lo), Double(hi) - at)
        if span > n { maxDist += Double(span - n) / 2 }
        maxDist = max(maxDist, 1e-9) * 1.000001
        var sw = 0.0, swx = 0.0, swy = 0.0, swxx = 0.0, swxy = 0.0
        func accumulate(robust: Bool) {
            for i in lo...hi {
                let d = abs(Double(i) - at) / maxDist
                var w = d < 1 ? pow3(1 - d * d * d) : 0
                if robust && !weights.isEmpty { w *= weights[i] }
                let xi = Double(i)
                sw += w; swx += w * xi; swy += w * x[i]; swxx += w * xi * xi; swxy += w * xi * x[i]
            }
        }
        accumulate(robust: true)
        // Every point in the window judged an outlier: fit without the robustness weights rather than echo one.
        if sw <= 0 { accumulate(robust: false) }
        guard sw > 0 else { return x[max(0, min(n - 1, Int(saturating: at.rounded())))] }
        let meanX = swx / sw, meanY = swy / sw
        let varX = swxx / sw - meanX * meanX
        guard varX > 1e-12 * max(1, meanX * meanX) else { return meanY }
        let slope = (swxy / sw - meanX * meanY) / varX
        return meanY + slope * (at - meanX)
    }

    @inline(__always) static func pow3(_ v: Double) -> Double { v * v * v }
}

/// MSTL forecasting as statsforecast does it: each seasonal component repeats its last cycle; the
/// seasonally adjusted series (trend + remainder) is forecast by ETS without seasonality.
package struct MSTLForecaster: Forecaster {
    package var kind: ModelKind { .mstl }
    /// Periods beyond the primary one (e.g. 168 beside 24 for hourly data).
    package var extraPeriods: [Int] = []

    package init(extraPeriods: [Int] = []) { self.extraPeriods = extraPeriods }

    package func fit(_ y: [Double], period: Int) throws(ForecastError) -> FittedModel {
        let periods = ([period] + extraPeriods).filter { $0 > 1 && y.count >= 2 * $0 }
        guard !periods.isEmpty else { return try ETS().fit(y, period: 1) }
        let d = STL.decompose(y, periods: periods)
        guard case .ets(let adjusted) = try ETS().fit(zip(d.trend, d.remainder).map { $0 + $1 }, period: 1) else {
            throw ForecastError(.numerical, "ETS on the adjusted series gave no state")
        }
        return .mstl(adjusted: adjusted, cycles: d.seasonals.keys.sorted().map { Array(d.seasonals[$0]!.suffix($0)) })
    }
}
