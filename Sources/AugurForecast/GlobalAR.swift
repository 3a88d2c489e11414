import AugurCore
package import AugurNumerics
import CLAPACKE

/// A global linear autoregression: one ridge regression shared by every series of a batch, from the
/// last `inputLength` observations (scaled by their recent level) to the next `horizon` (all steps at
/// once). Pooling many series lets a linear model learn shapes no single series could (Montero-Manso &
/// Hyndman, "Principles and algorithms for forecasting groups of time series", IJF 2021).
///
/// Trained by the normal equations: XᵀX and XᵀY by GEMM, solved by Cholesky (`dposv`); the ridge
/// penalty is chosen on each series' last window, held out from training.
package struct GlobalAR: Sendable, Codable {
    package let inputLength: Int
    package let horizon: Int
    /// (inputLength + 1) × horizon, column-major; the last row is the intercept.
    let weights: [Double]
    /// Mean absolute scaled error on the held-out last windows.
    package let validationError: Double

    /// A name for saved files: the shape and a hash of the weights.
    package var id: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for w in weights { h = (h ^ w.bitPattern) &* 0x100_0000_01b3 }
        return "global-\(inputLength)x\(horizon)-" + String(h, radix: 16)
    }

    /// Trains with each input length in `inputLengths` and keeps the one with the least validation error.
    package static func train(_ series: [[Double]], horizon: Int, inputLengths: [Int], cutoff: ([Double]) -> Int) throws(ForecastError) -> GlobalAR {
        var best: GlobalAR?
        var lastError: ForecastError?
        for length in Set(inputLengths).sorted() {
            do {
                let model = try train(series, horizon: horizon, inputLength: length, cutoff: cutoff)
                if best == nil || model.validationError < best!.validationError { best = model }
            } catch {
                lastError = error
            }
        }
        guard let best else { throw lastError ?? ForecastError(.tooShort, "no input length fits the data") }
        return best
    }

    /// The level a window is divided by: the mean absolute value of its last `levelLength` points.
    static func level(_ window: ArraySlice<Double>, levelLength: Int) -> Double {
        let tail = window.suffix(levelLength)
        let v = tail.reduce(0) { $0 + abs($1) } / Double(tail.count)
        return v > 1e-12 ? v : 1
    }

    /// Trains on windows of `series` whose targets end by `cutoff(series)`, stepping `stride` points.
    package static func train(_ series: [[Double]], horizon: Int, inputLength: Int, stride: Int = 12, cutoff: ([Double]) -> Int) throws(ForecastError) -> GlobalAR {
        let p = inputLength + 1
        var train: [(x: ArraySlice<Double>, y: ArraySlice<Double>)] = []
        var validation: [(x: ArraySlice<Double>, y: ArraySlice<Double>)] = []
        for s in series {
            let end = min(cutoff(s), s.count)
            guard end >= inputLength + 2 * horizon else { continue }
            // The last window of each series validates the penalty; the others train.
            validation.append((s[(end - horizon - inputLength)..<(end - horizon)], s[(end - horizon)..<end]))
            var t = end - 2 * horizon
            while t - inputLength >= 0 {
                train.append((s[(t - inputLength)..<t], s[t..<(t + horizon)]))
                t -= stride
            }
        }
        guard train.count >= p, !validation.isEmpty else {
            throw ForecastError(.tooShort, "too few windows of \(inputLength + horizon) points to train the global model")
        }
        let levelLength = min(inputLength, 168)
        func matrices(_ windows: [(x: ArraySlice<Double>, y: ArraySlice<Double>)]) -> (x: [Double], y: [Double]) {
            let n = windows.count
            var x = [Double](repeating: 0, count: n * p), y = [Double](repeating: 0, count: n * horizon)
            for (r, w) in windows.enumerated() {
                let lv = level(w.x, levelLength: levelLength)
                for (c, v) in w.x.enumerated() { x[c * n + r] = v / lv }
                x[inputLength * n + r] = 1
                for (c, v) in w.y.enumerated() { y[c * n + r] = v / lv }
            }
            return (x, y)
        }
        let (x, y) = matrices(train)
        let n = train.count
        var xtx = [Double](repeating: 0, count: p * p), xty = [Double](repeating: 0, count: p * horizon)
        BLAS.gemm(x, x, &xtx, m: p, n: p, k: n, transA: true)
        BLAS.gemm(x, y, &xty, m: p, n: horizon, k: n, transA: true)
        let meanDiagonal = (0..<inputLength).reduce(0) { $0 + xtx[$1 * p + $1] } / Double(inputLength)
        let (vx, vy) = matrices(validation)
        var best: (error: Double, weights: [Double])?
        for c in [1e-5, 1e-4, 1e-3, 1e-2, 1e-1] {
            var a = xtx
            for i in 0..<inputLength { a[i * p + i] += c * meanDiagonal }
            let w = try BLAS.solveSymmetricPositive(a, n: p, xty, columns: horizon)
            var predicted = [Double](repeating: 0, count: validation.count * horizon)
            BLAS.gemm(vx, w, &predicted, m: validation.count, n: horizon, k: p)
            let error = zip(predicted, vy).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(predicted.count)
            if best == nil || error < best!.error { best = (error, w) }
        }
        return GlobalAR(inputLength: inputLength, horizon: horizon, weights: best!.weights, validationError: best!.error)
    }

    /// Forecast after the end of `y` (which needs at least `inputLength` points).
    package func forecast(_ y: [Double]) throws(ForecastError) -> [Double] {
        guard y.count >= inputLength else { throw ForecastError(.tooShort, "the global model needs \(inputLength) points, got \(y.count)") }
        let window = y.suffix(inputLength)
        let lv = Self.level(window, levelLength: min(inputLength, 168))
        let p = inputLength + 1
        var x = window.map { $0 / lv }
        x.append(1)
        var out = [Double](repeating: 0, count: horizon)
        BLAS.gemm(x, weights, &out, m: 1, n: horizon, k: p)
        let nonNegative = y.allSatisfy { $0 >= 0 }
        return out.map { nonNegative ? max(0, $0 * lv) : $0 * lv }
    }
}
