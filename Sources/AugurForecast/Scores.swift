/// Forecast accuracy as the M4 competition measured it (M4 Competitor's Guide, 2018;
/// Makridakis, Spiliotis & Assimakopoulos, IJF 2020).
package struct Scores: Sendable {
    package var sMAPE = 0.0
    package var mase = 0.0
    package var msis = 0.0
    package var covered = 0
    package var points = 0
    package var series = 0

    package init() {}

    /// Adds one series: its training data (for the MASE/MSIS scale), the held-out truth,
    /// the forecast and, optionally, the bounds of a `level` interval.
    package mutating func add(train: [Double], test: [Double], forecast: [Double], lower: [Double]? = nil, upper: [Double]? = nil,
                              period m: Int, level: Double = 0.95) {
        let h = Double(test.count)
        let scale = ForecastEngine.naiveScale(train, m)
        var s = 0.0, a = 0.0
        for (y, f) in zip(test, forecast) {
            let d = abs(y) + abs(f)
            s += d > 0 ? 2 * abs(y - f) / d : 0
            a += abs(y - f)
        }
        sMAPE += 100 * s / h
        mase += a / h / scale
        if let lower, let upper {
            let alpha = 1 - level
            var is_ = 0.0
            for k in test.indices {
                let (l, u, y) = (lower[k], upper[k], test[k])
                is_ += (u - l) + (y < l ? 2 / alpha * (l - y) : 0) + (y > u ? 2 / alpha * (y - u) : 0)
                if y >= l && y <= u { covered += 1 }
            }
            msis += is_ / h / scale
            points += test.count
        }
        series += 1
    }

    package var meanSMAPE: Double { sMAPE / Double(max(series, 1)) }
    package var meanMASE: Double { mase / Double(max(series, 1)) }
    package var meanMSIS: Double { msis / Double(max(series, 1)) }
    package var coverage: Double { Double(covered) / Double(max(points, 1)) }

    /// Overall weighted average relative to the Naive2 scores of the same series.
    package func owa(against naive2: Scores) -> Double {
        (meanSMAPE / naive2.meanSMAPE + meanMASE / naive2.meanMASE) / 2
    }
}
