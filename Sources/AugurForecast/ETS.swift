/// Exponential smoothing state-space models (Hyndman, Koehler, Ord & Snyder, "Forecasting with
/// Exponential Smoothing", 2008): additive or multiplicative errors; trend none, additive or damped;
/// seasonality none, additive or multiplicative. Parameters by maximum likelihood with Nelder–Mead,
/// the model by AICc. Multiplicative errors are tried with multiplicative seasonality, on positive data.
///
/// For a given model the state recursions are the same under either error type (the error enters as
/// y − μ or as μ·ε, which update the states identically); what differs is the likelihood:
/// −2 log L = n·log Σ e² for additive errors, n·log Σ (e/μ)² + 2·Σ log |μ| for multiplicative ones.
package struct ETS: Forecaster {
    package var kind: ModelKind { .ets }
    package init() {}

    enum Season: String, Codable, Sendable { case none, additive, multiplicative }
    enum Trend: String, Codable, Sendable { case none, additive, damped }
    enum Error: String, Codable, Sendable { case additive, multiplicative }

    struct Spec: Codable, Sendable {
        let trend: Trend
        let season: Season
        var error: Error = .additive
    }

    struct Fit {
        let spec: Spec
        let params: [Double]
        /// −2·log-likelihood, up to a constant.
        let objective: Double
        let aicc: Double
    }

    package func fit(_ y: [Double], period: Int) throws(ForecastError) -> FittedModel {
        let m = period
        guard y.count >= 8 else { throw ForecastError(.tooShort, "ETS needs at least 8 observations") }
        let seasonal = m > 1 && y.count >= 3 * m
        let positive = y.allSatisfy { $0 > 0 }
        var combos: [(Error, Season)] = [(.additive, .none)]
        if seasonal { combos.append((.additive, .additive)) }
        if seasonal && positive { combos += [(.additive, .multiplicative), (.multiplicative, .multiplicative)] }
        let specs = combos.flatMap { e, s in [Trend.none, .additive, .damped].map { Spec(trend: $0, season: s, error: e) } }
        // The initial seasonal indices depend on the data only: computed once, not per likelihood evaluation.
        let indices = seasonal ? Self.initialIndices(y, m: m) : []
        var best: Fit?
        for spec in specs {
            let fit = Self.fit(y, m: m, spec: spec, indices: indices)
            if fit.aicc.isFinite, best == nil || fit.aicc < best!.aicc { best = fit }
        }
        guard let best, let state = Self.run(y, m: m, spec: best.spec, params: best.params, indices: indices).state else {
            throw ForecastError(.numerical, "no ETS model could be fitted")
        }
        return .ets(state)
    }

    /// Multiplicative seasonal indices of the first four seasons, the seasonal states' starting point.
    static func initialIndices(_ y: [Double], m: Int) -> [Double] {
        Seasonality.multiplicativeIndices(Array(y.prefix(min(y.count, 4 * m))), period: m)
    }

    static func fit(_ y: [Double], m: Int, spec: Spec, indices: [Double]) -> Fit {
        let start: [Double] = [-1, -2, -1, 1.5]
        let (p, objective) = Optimize.nelderMead(start: start, maxEvaluations: 300) { run(y, m: m, spec: spec, params: $0, indices: indices).objective }
        let n = Double(y.count)
        let k = 2.0 + (spec.trend == .none ? 0 : 2) + (spec.trend == .damped ? 1 : 0) + (spec.season == .none ? 0 : Double(m))
        let aicc = objective + 2 * k + 2 * k * (k + 1) / max(n - k - 1, 1)
        return Fit(spec: spec, params: p, objective: objective, aicc: aicc)
    }

    @inline(__always) static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// Runs the recursions: −2·log-likelihood (up to a constant) and the states after the last observation.
    static func run(_ y: [Double], m: Int, spec: Spec, params p: [Double], indices: [Double]) -> (objective: Double, state: ETSState?) {
        let alpha = sigmoid(p[0])
        let beta = spec.trend == .none ? 0 : alpha * sigmoid(p[1])
        let gamma = spec.season == .none ? 0 : (1 - alpha) * sigmoid(p[2])
        let phi = spec.trend == .damped ? 0.8 + 0.18 * sigmoid(p[3]) : (spec.trend == .additive ? 1 : 0)
        // Initial states from the first seasons (Hyndman et al. 2008, §2.6.1).
        let m0 = spec.season == .none ? 1 : m
        let firstSeason = Array(y.prefix(max(m0, 2)))
        var level = firstSeason.reduce(0, +) / Double(firstSeason.count)
        var trend = 0.0
        if spec.trend != .none, y.count >= 2 * m0 {
            let second = y[m0..<(2 * m0)].reduce(0, +) / Double(m0)
            trend = (second - level) / Double(m0)
        }
        var season = [Double](repeating: spec.season == .multiplicative ? 1 : 0, count: m0)
        if spec.season != .none {
            season = spec.season == .multiplicative ? indices : indices.map { ($0 - 1) * level }
        }
        var sse = 0.0, relative = 0.0, logMu = 0.0
        for t in 0..<y.count {
            let s = season[t % m0]
            let base = level + phi * trend
            let yhat = spec.season == .multiplicative ? base * s : base + s
            let e = y[t] - yhat
            sse += e * e
            if spec.error == .multiplicative {
                guard yhat > 0 else { return (.infinity, nil) }
                relative += (e / yhat) * (e / yhat)
                logMu += log(yhat)
            }
            switch spec.season {
            case .multiplicative:
                guard base > 0, s > 0 else { return (.infinity, nil) }
                level = base + alpha * e / s
                trend = phi * trend + beta * e / s
                season[t % m0] = s + gamma * e / base
            default:
                level = base + alpha * e
                trend = phi * trend + beta * e
                season[t % m0] = s + gamma * e
            }
            if !sse.isFinite { return (.infinity, nil) }
        }
        let n = Double(y.count)
        let objective = spec.error == .additive ? n * log(max(sse, 1e-300) / n) : n * log(max(relative, 1e-300) / n) + 2 * logMu
        return (objective, ETSState(spec: spec, phi: phi, level: level, trend: trend, season: season, count: y.count))
    }
}

/// ETS states after the last observation.
package struct ETSState: Sendable, Codable {
    let spec: ETS.Spec
    let phi: Double
    let level: Double
    let trend: Double
    let season: [Double]
    let count: Int

    func forecast(horizon: Int) -> [Double] {
        var forecast: [Double] = []
        forecast.reserveCapacity(horizon)
        var damp = 0.0, phiPower = 1.0
        for h in 1...max(horizon, 1) where horizon > 0 {
            phiPower *= phi
            damp += phiPower
            let s = season[(count + h - 1) % season.count]
            let base = level + damp * trend
            forecast.append(spec.season == .multiplicative ? base * s : base + s)
        }
        return forecast
    }
}

#if canImport(Glibc)
import AugurCore
package import AugurNumerics
import Glibc
#else
import Darwin
#endif
