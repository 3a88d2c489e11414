/// Small derivative-free optimisers for model parameters.
enum Optimize {
    /// Minimum of a unimodal f on [lower, upper] by golden-section search.
    static func goldenSection(lower: Double, upper: Double, tolerance: Double = 1e-4, _ f: (Double) -> Double) -> Double {
        let g = (5.0.squareRoot() - 1) / 2
        var a = lower, b = upper
        var c = b - g * (b - a), d = a + g * (b - a)
        var fc = f(c), fd = f(d)
        while b - a > tolerance {
            if fc < fd { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c) } else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d) }
        }
        return (a + b) / 2
    }

    /// Nelder–Mead simplex minimisation (Nelder & Mead 1965; standard coefficients).
    static func nelderMead(start: [Double], step: Double = 0.5, maxEvaluations: Int = 400, tolerance: Double = 1e-7, _ f: ([Double]) -> Double) -> (x: [Double], value: Double) {
        let n = start.count
        var simplex = [start]
        for i in 0..<n {
            var p = start
            p[i] += step
            simplex.append(p)
        }
        var values = simplex.map(f)
        var evaluations = n + 1
        while evaluations < maxEvaluations {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            if abs(values[n] - values[0]) <= tolerance * (abs(values[0]) + tolerance) { break }
            var centroid = [Double](repeating: 0, count: n)
            for p in simplex.prefix(n) { for i in 0..<n { centroid[i] += p[i] / Double(n) } }
            func along(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
            let reflected = along(-1)
            let fr = f(reflected); evaluations += 1
            if fr < values[0] {
                let expanded = along(-2)
                let fe = f(expanded); evaluations += 1
                if fe < fr { simplex[n] = expanded; values[n] = fe } else { simplex[n] = reflected; values[n] = fr }
            } else if fr < values[n - 1] {
                simplex[n] = reflected; values[n] = fr
            } else {
                let contracted = fr < values[n] ? along(-0.5) : along(0.5)
                let fc = f(contracted); evaluations += 1
                if fc < min(fr, values[n]) {
                    simplex[n] = contracted; values[n] = fc
                } else {
                    for k in 1...n {
                        simplex[k] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[k][$0] - simplex[0][$0]) }
                        values[k] = f(simplex[k]); evaluations += 1
                    }
                }
            }
        }
        let best = values.indices.min { values[$0] < values[$1] }!
        return (simplex[best], values[best])
    }
}
