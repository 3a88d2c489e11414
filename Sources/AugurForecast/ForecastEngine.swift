import AugurCore
package import AugurNumerics

/// What a forecast of one series returns: the points, their intervals, the model used and why.
package struct ForecastResult: Sendable {
    package let model: ModelKind
    package let period: Int
    package let point: [Double]
    /// Level (e.g. 0.95) → lower and upper bounds per step.
    package let intervals: [Double: (lower: [Double], upper: [Double])]
    /// Mean MASE of each candidate over the backtest origins (empty when the history was too short to backtest).
    package let backtestMASE: [ModelKind: Double]
    /// The chosen model's state: saved, it forecasts `point` again without the history.
    package let fitted: FittedModel
    /// Interval half-widths per level and step (the intervals are `point ∓ widths`).
    package let halfWidths: [Double: [Double]]
    /// The history never went below zero (a count, a rate, a latency): points and bounds stay at or above it.
    package let nonNegative: Bool
}

/// `point ∓ widths`, floored at zero for a quantity that cannot be negative.
package func band(_ point: [Double], _ widths: [Double], nonNegative: Bool) -> (lower: [Double], upper: [Double]) {
    let floor = nonNegative ? 0.0 : -.infinity
    return (zip(point, widths).map { max(floor, $0 - $1) }, zip(point, widths).map { max(floor, $0 + $1) })
}

/// Fits candidates, picks one per series by rolling-origin backtest, and puts conformal intervals
/// around its forecast from the backtest errors at each horizon step.
package struct ForecastEngine: Sendable {
    /// Backtest origins: the last `origins` windows of `horizon` steps, spaced `horizon/2` apart.
    package var origins = 6
    /// The ensemble is the median of this many members, the best by backtest.
    package var ensembleSize = 2
    /// Ensemble members when a history is too short to backtest.
    package var defaultMembers: [ModelKind] = [.snaive, .theta, .ets]
    /// The batch's global model, trained without the backtest windows, and the one trained on everything.
    package var globalForBacktest: GlobalAR?
    package var globalFinal: GlobalAR?
    /// The batch's LSTM, trained before every backtest window of the batch (used for backtests and the final forecast).
    package var lstm: LSTMModel?
    /// Multiplies every interval half-width; `calibrateIntervals` sets it from a held-out window.
    package var intervalScale: [Double: Double] = [:]

    package init() {}

    /// The earliest backtest origin for a series of `count` points: a global model used in backtests
    /// must be trained on data before it.
    package func earliestOrigin(count: Int, horizon: Int) -> Int {
        count - horizon - (origins - 1) * max(1, horizon / 2)
    }

    package static func forecaster(_ kind: ModelKind, extraPeriods: [Int] = []) -> (any Forecaster)? {
        switch kind {
        case .snaive: SeasonalNaive()
        case .naive2: Naive2()
        case .theta: Theta()
        case .ets: ETS()
        case .mstl: MSTLForecaster(extraPeriods: extraPeriods)
        case .ensemble, .global, .lstm: nil
        }
    }

    /// Forecasts `horizon` steps of `y`. `model` nil means choose by backtest among every kind.
    /// `extraPeriods` are further seasonal periods (e.g. weekly beside daily) for MSTL.
    package func forecast(_ y: [Double], horizon: Int, period: Int, extraPeriods: [Int] = [], model: ModelKind?, levels: [Double]) throws(ForecastError) -> ForecastResult {
        guard horizon > 0 else { throw ForecastError(.badInput, "horizon must be positive") }
        guard y.allSatisfy(\.isFinite) else { throw ForecastError(.badInput, "history has non-finite values") }
        guard y.count >= 2 else { throw ForecastError(.tooShort, "need at least 2 observations, got \(y.count)") }
        let m = y.count >= 2 * period ? period : 1
        let singles = ModelKind.allCases.filter { $0 != .ensemble && ($0 != .lstm || lstm != nil) && ($0 != .global || globalFinal != nil) }
        // The ensemble's members are chosen by backtest, so it needs every single model backtested.
        let candidates = model == nil || model == .ensemble ? singles : [model!]
        // Backtest: every candidate at every origin.
        let spacing = max(1, horizon / 2)
        let minTrain = max(3 * m, 10)
        let originPoints = (0..<origins).map { y.count - horizon - $0 * spacing }.filter { $0 >= minTrain }
        var errors: [ModelKind: [[Double]]] = [:]  // kind → per origin → signed errors per step
        var scales: [Double] = []
        for origin in originPoints {
            let train = Array(y[..<origin]), actual = Array(y[origin..<(origin + horizon)])
            guard let fitted = try? fitAll(train, period: m, extraPeriods: extraPeriods, kinds: candidates, global: globalForBacktest) else { continue }
            // Every kind keeps one error row per origin (nil where it failed), so rows line up across kinds.
            for kind in candidates {
                let f = try? fitted[kind]?.forecast(horizon: horizon)
                errors[kind, default: []].append(f.map { zip(actual, $0).map { $0 - $1 } } ?? [])
            }
            scales.append(Self.naiveScale(train, m))
        }
        func score(_ rows: [[Double]]) -> Double? {
            let mases = zip(rows, scales).compactMap { e, s in e.isEmpty ? nil : e.reduce(0) { $0 + abs($1) } / Double(horizon) / s }
            return mases.isEmpty ? nil : mases.reduce(0, +) / Double(mases.count)
        }
        var scores = errors.compactMapValues(score)
        // The ensemble: the median of the best members, whose backtest errors are the median of theirs
        // (the median of forecasts is the actual minus the median of errors).
        let ranked = scores.sorted { $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue < $1.key.rawValue) }.map(\.key)
        let members = ranked.count >= ensembleSize ? Array(ranked.prefix(ensembleSize)) : defaultMembers
        if candidates.count > 1, ranked.count >= ensembleSize {
            errors[.ensemble] = scales.indices.map { o in
                let rows = members.map { errors[$0]![o] }
                return rows.contains(where: \.isEmpty) ? [] : (0..<horizon).map { k in median(rows.map { $0[k] }) }
            }
            scores[.ensemble] = score(errors[.ensemble]!)
        }
        let chosen = model ?? scores.min { $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue < $1.key.rawValue) }?.key ?? .snaive
        guard let fitted = try fitAll(y, period: m, extraPeriods: extraPeriods, kinds: [chosen], members: members, global: globalFinal)[chosen] else {
            throw ForecastError(.numerical, "\(chosen.rawValue) could not be fitted")
        }
        let nonNegative = y.allSatisfy { $0 >= 0 }
        let point = try fitted.forecast(horizon: horizon).map { nonNegative ? max(0, $0) : $0 }
        var intervals: [Double: (lower: [Double], upper: [Double])] = [:]
        var widths: [Double: [Double]] = [:]
        for level in levels {
            let q = Self.conformalWidths((errors[chosen] ?? []).filter { !$0.isEmpty }, horizon: horizon, level: level, fallbackScale: Self.naiveScale(y, m)).map { $0 * (intervalScale[level] ?? 1) }
            widths[level] = q
            intervals[level] = band(point, q, nonNegative: nonNegative)
        }
        return ForecastResult(model: chosen, period: m, point: point, intervals: intervals, backtestMASE: scores, fitted: fitted, halfWidths: widths, nonNegative: nonNegative)
    }

    /// A copy whose global models are trained on `series` (omit it for none).
    package func withGlobalModels(_ series: [[Double]], horizon: Int, inputLengths: [Int]) throws(ForecastError) -> ForecastEngine {
        var e = self
        e.globalForBacktest = try GlobalAR.train(series, horizon: horizon, inputLengths: inputLengths) { earliestOrigin(count: $0.count, horizon: horizon) }
        e.globalFinal = try GlobalAR.train(series, horizon: horizon, inputLengths: inputLengths) { $0.count }
        return e
    }

    /// Batch calibration of the intervals: forecast every series from before its last `horizon` points
    /// and scale the half-widths so that, across the batch, the held-out points fall inside them at each
    /// level. Backtest errors alone understate future errors (few origins, the chosen model's luck);
    /// this measures by how much on the data itself. Returns the scale per level.
    package func intervalCalibration(_ series: [[Double]], horizon: Int, periods: [(Int, [Int])], model: ModelKind?, levels: [Double]) -> [Double: Double] {
        var ratios: [Double: [Double]] = [:]
        for (y, (period, extra)) in zip(series, periods) where y.count > horizon + 10 {
            let train = Array(y.dropLast(horizon)), actual = y.suffix(horizon)
            guard let r = try? forecast(train, horizon: horizon, period: period, extraPeriods: extra, model: model, levels: levels) else { continue }
            for level in levels {
                let (lower, upper) = r.intervals[level]!
                for (k, a) in actual.enumerated() {
                    let half = (upper[k] - lower[k]) / 2
                    if half > 0 { ratios[level, default: []].append(abs(a - r.point[k]) / half) }
                }
            }
        }
        var scale: [Double: Double] = [:]
        for (level, rs) in ratios {
            let sorted = rs.sorted()
            scale[level] = sorted[max(0, min(sorted.count, Int((Double(sorted.count) * level).rounded(.up))) - 1)]
        }
        return scale
    }

    /// Fits several kinds on one history; the ensemble is the median of `members`. The global
    /// model takes the history's last window (skipped when the history is shorter than it).
    func fitAll(_ y: [Double], period: Int, extraPeriods: [Int], kinds: [ModelKind], members: [ModelKind] = [], global: GlobalAR?) throws(ForecastError) -> [ModelKind: FittedModel] {
        var needed = Set(kinds.filter { $0 != .ensemble })
        if kinds.contains(.ensemble) { needed.formUnion(members) }
        var out: [ModelKind: FittedModel] = [:]
        for kind in needed.sorted(by: { $0.rawValue < $1.rawValue }) {
            if kind == .global || kind == .lstm {
                guard let batchModel = kind == .global ? global.map(BatchModel.ar) : lstm.map(BatchModel.lstm), y.count >= batchModel.inputLength else { continue }
                out[kind] = .global(window: Array(y.suffix(batchModel.inputLength)), model: BatchModelReference(batchModel))
            } else {
                out[kind] = try Self.forecaster(kind, extraPeriods: extraPeriods)!.fit(y, period: period)
            }
        }
        if kinds.contains(.ensemble) {
            out[.ensemble] = .ensemble(members.compactMap { out[$0] })
        }
        return out.filter { kinds.contains($0.key) }
    }

    /// In-sample MAE of the seasonal naive forecast (MASE's denominator; lag 1 without seasonality).
    static func naiveScale(_ y: [Double], _ m: Int) -> Double {
        let lag = y.count > m ? m : 1
        guard y.count > lag else { return 1 }
        var s = 0.0
        for t in lag..<y.count { s += abs(y[t] - y[t - lag]) }
        let v = s / Double(y.count - lag)
        return v > 0 ? v : 1
    }

    /// Half-widths per step: the ⌈(N+1)·level⌉-th smallest absolute backtest error among the N errors
    /// of steps h−3…h+3 at every origin (split conformal prediction, pooled over neighbouring steps).
    /// Without backtest errors, a naive-scale band growing with √h.
    static func conformalWidths(_ errors: [[Double]], horizon: Int, level: Double, fallbackScale: Double) -> [Double] {
        guard !errors.isEmpty else {
            let z = level >= 0.95 ? 1.96 : (level >= 0.8 ? 1.28 : 0.67)
            return (1...horizon).map { z * 1.25 * fallbackScale * Double($0).squareRoot() }
        }
        return (0..<horizon).map { h in
            var pool: [Double] = []
            for e in errors { for k in max(0, h - 3)...min(horizon - 1, h + 3) { pool.append(abs(e[k])) } }
            pool.sort()
            let rank = min(pool.count, Int((Double(pool.count + 1) * level).rounded(.up)))
            return pool[max(0, rank - 1)]
        }
    }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
