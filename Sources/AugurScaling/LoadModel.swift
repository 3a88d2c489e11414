import AugurCore
import AugurForecast
import Foundation

/// Short-term forecaster of one load series, built for sizing ahead of pod start-up.
///
/// A model chosen by backtest (`ForecastEngine`, refitted once a day of new samples) gives the
/// path; between refits an error-correcting offset keeps the path on the observed level. The bound
/// over a window is the predicted peak plus the `quantile` of past peak errors (split-conformal on
/// a rolling window of resolved decisions), so it widens on noisy series and narrows on smooth ones.
/// A level-only predictor is calibrated alongside: where it has been the better one recently (no
/// model yet, or a model that forecasts worse than the level), it is used and the bound says so.
package struct LoadModel: Sendable {
    /// What the bound over one window rests on.
    package struct Bound: Sendable, Equatable {
        /// The predicted peak load in the window.
        package var point: Double
        /// The peak load that is exceeded with probability 1 − quantile (calibrated), or the
        /// current load when nothing is calibrated yet.
        package var upper: Double
        /// The model behind `point` ("level" for the level-only predictor).
        package var model: String
        /// False when the bound is not a calibrated forecast (too little history).
        package var calibrated: Bool
        /// Why the level-only predictor or no forecast was used, when it was.
        package var fallback: String?
        /// Whose errors calibrate `upper`.
        var basis = Basis.none
    }

    enum Basis: Sendable { case model, level, none }

    struct Pending: Sendable {
        let decision: Double, start: Double, end: Double
        let modelPoint: Double?, levelPoint: Double
    }

    struct Resolved: Sendable {
        let decision: Double, model: Double?, level: Double
    }

    package let sampleSeconds: Double
    /// Samples per day: the seasonal period the models are offered.
    package let period: Int
    /// Refit after this many new samples (a day by default: the nightly retraining).
    package var refitSamples: Int
    /// History the model is fitted on.
    package var fitSamples: Int
    /// Resolved decisions needed before a bound counts as calibrated.
    package var minimumResolved = 24
    /// Weight of the newest error in the offset and of the newest sample in the level.
    package var smoothing = 0.5

    /// The samples so far (start times on the sample step, values clamped at 0).
    package private(set) var samples: LoadTrace
    private var times: [Double] { samples.times }
    private var values: [Double] { samples.values }
    private var path: [Double] = []
    private var pathStart = 0
    private var pathModel: String?
    private var fittedAt = -1
    private var offset = 0.0
    private var level = 0.0
    private var folded = 0
    private var pending: [Pending] = []
    private var resolved: [Resolved] = []
    /// `resolved`'s level errors, and its model errors where there was a model, in order.
    private var levelErrors = SortedValues(), modelErrors = SortedValues()
    /// The last `period` samples.
    private var day = SortedValues()
    /// Wall seconds spent fitting so far (benchmark output).
    package private(set) var fitSeconds = 0.0
    package private(set) var fits = 0

    package init(sampleSeconds: Double) {
        self.sampleSeconds = sampleSeconds
        samples = LoadTrace(step: sampleSeconds)
        period = max(1, Int(saturating: (86_400 / sampleSeconds).rounded()))
        refitSamples = period
        fitSamples = 14 * period
    }

    package var lastValue: Double? { values.last }

    /// The median of the last day's samples (`period` of them), once half a day has been seen.
    package var dayMedian: Double? { day.count * 2 >= period ? day.quantile(0.5) : nil }

    /// Adds a sample that started at `time` (seconds) and has ended. Out-of-order samples are ignored.
    package mutating func append(time: Double, value: Double) {
        guard value.isFinite, samples.append(time: time, value: max(0, value)) else { return }
        day.insert(values[values.count - 1])
        if values.count > period { day.remove(values[values.count - 1 - period]) }
    }

    /// The bound on the peak load over `[start, end)` (seconds), from the samples so far.
    package mutating func bound(decision: Double, start: Double, end: Double, quantile: Double, calibrationSeconds: Double) -> Bound? {
        guard let last = values.last else { return nil }
        resolve(forgetBefore: decision - calibrationSeconds)
        fold()
        refitIfDue()
        let n = values.count
        let modelPoint = pathModel == nil ? nil : peak(start, end) { i in
            if i < n { return values[i] }
            let k = i - pathStart
            return k >= 0 && k < path.count ? path[k] + offset : nil
        }
        let levelPoint = peak(start, end) { i in i < n ? values[i] : level } ?? level
        pending.append(Pending(decision: decision, start: start, end: end, modelPoint: modelPoint.map { max(0, $0) }, levelPoint: levelPoint))

        guard resolved.count >= minimumResolved else {
            return Bound(point: levelPoint, upper: max(last, levelPoint), model: "level", calibrated: false,
                         fallback: "\(resolved.count) of \(minimumResolved) resolved forecasts needed to calibrate")
        }
        if let modelPoint, let name = pathModel, modelErrors.count >= minimumResolved {
            var modelMAE = 0.0, levelMAE = 0.0
            for r in resolved { if let m = r.model { modelMAE += abs(m); levelMAE += abs(r.level) } }
            if modelMAE <= levelMAE {
                return Bound(point: modelPoint, upper: max(0, modelPoint + modelErrors.quantile(quantile)),
                             model: name, calibrated: true, fallback: nil, basis: .model)
            }
            return Bound(point: levelPoint, upper: max(0, levelPoint + levelErrors.quantile(quantile)), model: "level", calibrated: true,
                         fallback: "\(name) forecast worse than the level over the calibration window", basis: .level)
        }
        return Bound(point: levelPoint, upper: max(0, levelPoint + levelErrors.quantile(quantile)), model: "level", calibrated: true,
                     fallback: pathModel == nil ? "no model yet (\(values.count) samples)" : "model not yet calibrated", basis: .level)
    }

    /// `bound`'s upper end had it been sized for `quantile` (same point, same calibration errors).
    package func upper(of bound: Bound, at quantile: Double) -> Double {
        switch bound.basis {
        case .model: max(0, bound.point + modelErrors.quantile(quantile))
        case .level: max(0, bound.point + levelErrors.quantile(quantile))
        case .none: bound.upper
        }
    }

    /// The peak load over `[a, b]` (seconds) with sample `i`'s value from `value(i)` (indices past the
    /// last sample are future samples on the regular grid), nil where `value` has none. A sample is
    /// an interval's average: it is taken as the load at the interval's midpoint, and the load as
    /// moving linearly between midpoints — all an average says, and no wider than the window.
    func peak(_ a: Double, _ b: Double, _ value: (Int) -> Double?) -> Double? {
        let ja = index(midpointAtOrBefore: a), jb = index(midpointAtOrBefore: b)
        /// The load at `t`, between the midpoints of samples `j` and `j + 1`.
        func at(_ t: Double, after j: Int) -> Double? {
            guard j >= 0 else { return value(0) }
            guard let x = value(j), let y = value(j + 1) else { return nil }
            return x + (y - x) * min(1, (t - midpoint(j)) / (midpoint(j + 1) - midpoint(j)))
        }
        guard var best = at(a, after: ja), let last = at(b, after: jb) else { return nil }
        best = max(best, last)
        // The midpoints inside the window.
        for i in stride(from: ja + 1, through: jb, by: 1) {
            guard let v = value(i) else { return nil }
            best = max(best, v)
        }
        return best
    }

    private func midpoint(_ i: Int) -> Double {
        let n = times.count
        return (i < n ? times[i] : times[n - 1] + Double(i - n + 1) * sampleSeconds) + sampleSeconds / 2
    }

    /// The last sample whose midpoint is at or before `t`: -1 when none; past the last sample, on the regular grid.
    func index(midpointAtOrBefore t: Double) -> Int {
        let n = times.count, start = t - sampleSeconds / 2
        if start >= times[n - 1] { return n - 1 + Int(((start - times[n - 1]) / sampleSeconds).rounded(.down)) }
        var lo = 0, hi = n
        while lo < hi { let mid = (lo + hi) / 2; if times[mid] <= start { lo = mid + 1 } else { hi = mid } }
        return lo - 1
    }

    private mutating func resolve(forgetBefore cutoff: Double) {
        let n = values.count
        var keep: [Pending] = []
        for p in pending {
            guard let actual = peak(p.start, p.end, { i in i < n ? values[i] : nil }) else { keep.append(p); continue }
            let r = Resolved(decision: p.decision, model: p.modelPoint.map { actual - $0 }, level: actual - p.levelPoint)
            resolved.append(r)
            levelErrors.insert(r.level)
            if let m = r.model { modelErrors.insert(m) }
        }
        pending = keep
        if let drop = resolved.firstIndex(where: { $0.decision >= cutoff }), drop > 0 {
            for r in resolved[..<drop] {
                levelErrors.remove(r.level)
                if let m = r.model { modelErrors.remove(m) }
            }
            resolved.removeFirst(drop)
        }
    }

    private mutating func refitIfDue() {
        let n = values.count
        guard n >= max(period, 48), fittedAt < 0 || n - fittedAt >= refitSamples else { return }
        let started = Date()
        let history = Array(values.suffix(fitSamples))
        let horizon = refitSamples + Int(saturating: (3 * 3600 / sampleSeconds).rounded(.up)) + 2
        if let result = try? ForecastEngine().forecast(history, horizon: horizon, period: period, model: nil, levels: []) {
            path = result.point
            pathStart = n
            pathModel = result.model.rawValue
            offset = 0
        }
        fittedAt = n
        fits += 1
        fitSeconds += Date().timeIntervalSince(started)
    }

    /// Folds samples since the last call into the offset (model errors) and the level.
    private mutating func fold() {
        let n = values.count
        if folded == 0, n > 0 { level = values[0] }
        for i in folded..<n {
            level += smoothing * (values[i] - level)
            let k = i - pathStart
            if pathModel != nil, k >= 0, k < path.count { offset += smoothing * (values[i] - path[k] - offset) }
        }
        folded = n
    }

}

/// A window's values kept in order (the calibration window's errors, the last day's load), so that a
/// decision's quantile is a lookup rather than a sort of the whole window (thousands, at every decision).
struct SortedValues: Sendable {
    private(set) var values: [Double] = []

    var count: Int { values.count }

    mutating func insert(_ x: Double) { values.insert(x, at: firstIndex { $0 > x }) }

    mutating func remove(_ x: Double) {
        let i = firstIndex { $0 >= x }
        if i < values.count, values[i] == x { values.remove(at: i) }
    }

    /// The empirical `q`-quantile (linear between order statistics).
    func quantile(_ q: Double) -> Double {
        let pos = q * Double(values.count - 1)
        let i = Int(pos), frac = pos - Double(i)
        return i + 1 < values.count ? values[i] + frac * (values[i + 1] - values[i]) : values[i]
    }

    /// The first index whose value satisfies `past` (values are sorted, so `past` holds from there on).
    private func firstIndex(where past: (Double) -> Bool) -> Int {
        var lo = 0, hi = values.count
        while lo < hi { let mid = (lo + hi) / 2; if past(values[mid]) { hi = mid } else { lo = mid + 1 } }
        return lo
    }
}
