import AugurCore
import CLAPACKE

/// A global LSTM forecaster (Hochreiter & Schmidhuber 1997) trained across every series of a batch on
/// level-normalised windows, predicting all horizon steps at once from the last hidden state — the
/// recurrent half of the M4 winner's hybrid (Smyl 2020), without its exponential smoothing.
///
/// Float32 throughout; every matrix product is an OpenBLAS `sgemm` (row-major). Trained with Adam on
/// mean absolute error, early stopping on each series' last window, from a fixed seed: the same data
/// gives the same weights.
package struct LSTMModel: Sendable, Codable {
    package let inputLength: Int
    /// The network learns the correction to the seasonal naive forecast of this period (1: the last value).
    package let period: Int
    package let hidden: Int
    package let horizon: Int
    /// wx: 1×4H, wh: H×4H, b: 4H (gate order i, f, g, o); wo: H×horizon, bo: horizon.
    var wx: [Float], wh: [Float], b: [Float], wo: [Float], bo: [Float]
    package let validationLoss: Double
    package let epochs: Int
    /// Training windows per second, for the benchmark.
    package let windowsPerSecond: Double

    package var id: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for w in wh + wo { h = (h ^ UInt64(w.bitPattern)) &* 0x100_0000_01b3 }
        return "lstm-\(inputLength)x\(hidden)x\(horizon)-" + String(h, radix: 16)
    }

    /// A window's level (its mean) and scale (the mean absolute seasonal difference, MASE's denominator),
    /// so that every series weighs alike in training, as every series weighs alike in MASE.
    static func normalisation(_ x: ArraySlice<Double>, period: Int) -> (level: Double, scale: Double) {
        let level = x.reduce(0, +) / Double(x.count)
        let lag = min(max(1, period), x.count - 1)
        var s = 0.0
        for i in (x.startIndex + lag)..<x.endIndex { s += abs(x[i] - x[i - lag]) }
        let scale = s / Double(max(1, x.count - lag))
        return (level, scale > 1e-9 ? scale : max(abs(level), 1))
    }

    /// The seasonal naive forecast of a window, the base the network corrects.
    static func base(_ x: ArraySlice<Double>, period: Int, horizon: Int) -> [Double] {
        let m = min(max(1, period), x.count)
        return (0..<horizon).map { x[x.endIndex - m + $0 % m] }
    }

    /// Windows (input, target) cut from `series` up to `cutoff(series)`, scaled by the input's level;
    /// the target is what the seasonal naive forecast misses.
    static func windows(_ series: [[Double]], inputLength: Int, horizon: Int, period: Int, stride: Int, cutoff: ([Double]) -> Int)
        -> (train: [([Float], [Float])], validation: [([Float], [Float])]) {
        var train: [([Float], [Float])] = [], validation: [([Float], [Float])] = []
        func cut(_ s: [Double], _ t: Int) -> ([Float], [Float]) {
            let x = s[(t - inputLength)..<t], y = s[t..<(t + horizon)]
            let (lv, sc) = normalisation(x, period: period)
            let b = base(x, period: period, horizon: horizon)
            return (x.map { Float(($0 - lv) / sc) }, zip(y, b).map { Float(($0 - $1) / sc) })
        }
        for s in series {
            let end = min(cutoff(s), s.count)
            guard end >= inputLength + 2 * horizon else { continue }
            validation.append(cut(s, end - horizon))
            var t = end - 2 * horizon
            while t - inputLength >= 0 {
                train.append(cut(s, t))
                t -= stride
            }
        }
        return (train, validation)
    }

    /// Trains on windows of `series` whose targets end by `cutoff(series)`.
    package static func train(
        _ series: [[Double]], horizon: Int, inputLength: Int, period: Int, hidden: Int = 32, batchSize: Int = 128,
        maxEpochs: Int = 30, patience: Int = 4, learningRate: Float = 0.001, seed: UInt64 = 42, cutoff: ([Double]) -> Int
    ) throws(ForecastError) -> LSTMModel {
        let stride = max(1, horizon / 2)
        let (trainSet, validation) = windows(series, inputLength: inputLength, horizon: horizon, period: period, stride: stride, cutoff: cutoff)
        guard trainSet.count >= batchSize, !validation.isEmpty else {
            throw ForecastError(.tooShort, "too few windows of \(inputLength + horizon) points to train the LSTM")
        }
        var rng = SplitMix64(seed: seed)
        var net = Network(inputLength: inputLength, hidden: hidden, horizon: horizon, rng: &rng)
        var adam = Adam(count: net.parameterCount, rate: learningRate)
        var best = (loss: Double.infinity, net: net, epoch: 0)
        var order = Array(trainSet.indices)
        var workspace = Workspace(batch: batchSize, steps: inputLength, hidden: hidden, horizon: horizon)
        var seen = 0
        let started = ContinuousClock.now
        var epoch = 0
        while epoch < maxEpochs && epoch - best.epoch <= patience {
            epoch += 1
            order.shuffle(using: &rng)
            var start = 0
            while start + batchSize <= order.count {
                let batch = order[start..<(start + batchSize)].map { trainSet[$0] }
                var grads = net.zeroGradients()
                _ = net.forwardBackward(batch, &workspace, gradients: &grads)
                adam.step(&net, grads)
                start += batchSize
                seen += batchSize
            }
            let loss = net.loss(validation, &workspace)
            if loss < best.loss { best = (loss, net, epoch) }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let n = best.net
        return LSTMModel(inputLength: inputLength, period: period, hidden: hidden, horizon: horizon, wx: n.wx, wh: n.wh, b: n.b, wo: n.wo, bo: n.bo,
                         validationLoss: best.loss, epochs: epoch, windowsPerSecond: Double(seen) / max(seconds, 1e-9))
    }

    /// Training throughput in windows per second on random data of one shape: forward, back-propagation
    /// and an Adam step per batch, after one warm-up batch (the benchmark's side of the PyTorch comparison).
    package static func trainingThroughput(hidden: Int, inputLength: Int, horizon: Int, batchSize: Int, batches: Int, epochs: Int) -> Double {
        var rng = SplitMix64(seed: 1)
        var net = Network(inputLength: inputLength, hidden: hidden, horizon: horizon, rng: &rng)
        var adam = Adam(count: net.parameterCount, rate: 0.001)
        var ws = Workspace(batch: batchSize, steps: inputLength, hidden: hidden, horizon: horizon)
        let data: [[([Float], [Float])]] = (0..<batches).map { _ in
            (0..<batchSize).map { _ in
                ((0..<inputLength).map { _ in Float(rng.nextGaussian()) }, (0..<horizon).map { _ in Float(rng.nextGaussian()) })
            }
        }
        func step(_ batch: [([Float], [Float])]) {
            var grads = net.zeroGradients()
            _ = net.forwardBackward(batch, &ws, gradients: &grads)
            adam.step(&net, grads)
        }
        step(data[0])
        let started = ContinuousClock.now
        for _ in 0..<epochs { for batch in data { step(batch) } }
        let elapsed = ContinuousClock.now - started
        return Double(epochs * batches * batchSize) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// Forecast after the end of `y` (at least `inputLength` points).
    package func forecast(_ y: [Double]) throws(ForecastError) -> [Double] {
        guard y.count >= inputLength else { throw ForecastError(.tooShort, "the LSTM needs \(inputLength) points, got \(y.count)") }
        let window = y.suffix(inputLength)
        let (lv, sc) = Self.normalisation(window, period: period)
        let net = Network(inputLength: inputLength, hidden: hidden, horizon: horizon, wx: wx, wh: wh, b: b, wo: wo, bo: bo)
        var ws = Workspace(batch: 1, steps: inputLength, hidden: hidden, horizon: horizon)
        let out = net.forward([window.map { Float(($0 - lv) / sc) }], &ws)
        let b = Self.base(window, period: period, horizon: horizon)
        let nonNegative = y.allSatisfy { $0 >= 0 }
        return zip(out, b).map { r, base in
            let v = base + Double(r) * sc
            return nonNegative ? max(0, v) : v
        }
    }
}

/// Buffers reused across batches: no allocation inside the time loop.
struct Workspace {
    let batch: Int, steps: Int, hidden: Int, horizon: Int
    var x: [Float]  // steps × batch
    var gates: [Float]  // steps × batch × 4H (activated i, f, g, o)
    var c: [Float], h: [Float]  // (steps + 1) × batch × H, index 0 is the zero state
    var z: [Float]  // batch × 4H scratch
    var y: [Float]  // batch × horizon
    var dh: [Float], dc: [Float], dz: [Float], dhPrev: [Float]

    init(batch: Int, steps: Int, hidden: Int, horizon: Int) {
        self.batch = batch; self.steps = steps; self.hidden = hidden; self.horizon = horizon
        x = [Float](repeating: 0, count: steps * batch)
        gates = [Float](repeating: 0, count: steps * batch * 4 * hidden)
        c = [Float](repeating: 0, count: (steps + 1) * batch * hidden)
        h = c
        z = [Float](repeating: 0, count: batch * 4 * hidden)
        y = [Float](repeating: 0, count: batch * horizon)
        dh = [Float](repeating: 0, count: batch * hidden)
        dc = dh
        dz = z
        dhPrev = dh
    }
}

struct Network {
    let inputLength: Int, hidden: Int, horizon: Int
    var wx: [Float], wh: [Float], b: [Float], wo: [Float], bo: [Float]

    var parameterCount: Int { wx.count + wh.count + b.count + wo.count + bo.count }

    init(inputLength: Int, hidden: Int, horizon: Int, wx: [Float], wh: [Float], b: [Float], wo: [Float], bo: [Float]) {
        self.inputLength = inputLength; self.hidden = hidden; self.horizon = horizon
        self.wx = wx; self.wh = wh; self.b = b; self.wo = wo; self.bo = bo
    }

    /// Uniform ±1/√H initialisation (PyTorch's), forget-gate bias 1 (Jozefowicz et al. 2015); the output
    /// layer starts at zero, so an untrained network forecasts exactly the seasonal naive base.
    init(inputLength: Int, hidden: Int, horizon: Int, rng: inout SplitMix64) {
        let k = 1 / Float(hidden).squareRoot()
        func uniform(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -k...k, using: &rng) } }
        var bias = [Float](repeating: 0, count: 4 * hidden)
        for j in hidden..<(2 * hidden) { bias[j] = 1 }
        self.init(inputLength: inputLength, hidden: hidden, horizon: horizon,
                  wx: uniform(4 * hidden), wh: uniform(hidden * 4 * hidden), b: bias, wo: [Float](repeating: 0, count: hidden * horizon), bo: [Float](repeating: 0, count: horizon))
    }

    func zeroGradients() -> Network {
        Network(inputLength: inputLength, hidden: hidden, horizon: horizon,
                wx: .init(repeating: 0, count: wx.count), wh: .init(repeating: 0, count: wh.count), b: .init(repeating: 0, count: b.count),
                wo: .init(repeating: 0, count: wo.count), bo: .init(repeating: 0, count: bo.count))
    }

    @inline(__always) static func sigmoid(_ v: Float) -> Float { 1 / (1 + expf(-v)) }

    /// tanh through one `expf`: glibc's `tanhf` goes through `expm1f` and was the training loop's top cost.
    @inline(__always) static func tanh(_ v: Float) -> Float {
        let x = max(-15, min(15, v))
        return 2 / (1 + expf(-2 * x)) - 1
    }

    /// Runs the sequence; returns the outputs (batch × horizon). Fills the workspace for backward.
    func forward(_ inputs: [[Float]], _ ws: inout Workspace) -> [Float] {
        let B = inputs.count, H = hidden, G = 4 * H, T = inputLength
        for t in 0..<T { for r in 0..<B { ws.x[t * ws.batch + r] = inputs[r][t] } }
        for i in 0..<(B * H) { ws.h[i] = 0; ws.c[i] = 0 }
        for t in 0..<T {
            // z = h_{t−1}·Wh, then + x_t·wx + b
            ws.h.withUnsafeBufferPointer { h in
                ws.z.withUnsafeMutableBufferPointer { z in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(B), Int32(G), Int32(H), 1,
                                h.baseAddress! + t * ws.batch * H, Int32(H), wh, Int32(G), 0, z.baseAddress!, Int32(G))
                }
            }
            let gBase = t * ws.batch * G, hBase = (t + 1) * ws.batch * H, pBase = t * ws.batch * H
            let stride = ws.batch
            // Unsafe pointers: this loop runs B·H·T times per batch and must not pay for bounds or uniqueness checks.
            ws.z.withUnsafeBufferPointer { z in
                ws.gates.withUnsafeMutableBufferPointer { gates in
                    ws.c.withUnsafeMutableBufferPointer { c in
                        ws.h.withUnsafeMutableBufferPointer { h in
                            ws.x.withUnsafeBufferPointer { x in
                                wx.withUnsafeBufferPointer { wx in
                                    b.withUnsafeBufferPointer { b in
                                        for r in 0..<B {
                                            let xv = x[t * stride + r]
                                            let zr = r * G, gr = gBase + r * G
                                            for j in 0..<H {
                                                let i = Self.sigmoid(z[zr + j] + xv * wx[j] + b[j])
                                                let f = Self.sigmoid(z[zr + H + j] + xv * wx[H + j] + b[H + j])
                                                let g = Self.tanh(z[zr + 2 * H + j] + xv * wx[2 * H + j] + b[2 * H + j])
                                                let o = Self.sigmoid(z[zr + 3 * H + j] + xv * wx[3 * H + j] + b[3 * H + j])
                                                gates[gr + j] = i; gates[gr + H + j] = f; gates[gr + 2 * H + j] = g; gates[gr + 3 * H + j] = o
                                                let cv = f * c[pBase + r * H + j] + i * g
                                                c[hBase + r * H + j] = cv
                                                h[hBase + r * H + j] = o * Self.tanh(cv)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        ws.h.withUnsafeBufferPointer { h in
            ws.y.withUnsafeMutableBufferPointer { y in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(B), Int32(horizon), Int32(H), 1,
                            h.baseAddress! + T * ws.batch * H, Int32(H), wo, Int32(horizon), 0, y.baseAddress!, Int32(horizon))
            }
        }
        for r in 0..<B { for k in 0..<horizon { ws.y[r * horizon + k] += bo[k] } }
        return Array(ws.y.prefix(B * horizon))
    }

    /// Mean absolute error over `windows`.
    func loss(_ windows: [([Float], [Float])], _ ws: inout Workspace) -> Double {
        var total = 0.0, n = 0
        var start = 0
        while start < windows.count {
            let chunk = Array(windows[start..<min(start + ws.batch, windows.count)])
            let y = forward(chunk.map(\.0), &ws)
            for (r, w) in chunk.enumerated() { for k in 0..<horizon { total += Double(abs(y[r * horizon + k] - w.1[k])); n += 1 } }
            start += ws.batch
        }
        return total / Double(max(n, 1))
    }

    /// Forward, then back-propagation through time; adds the gradient of the batch's MAE to `g`.
    func forwardBackward(_ batch: [([Float], [Float])], _ ws: inout Workspace, gradients g: inout Network) -> Double {
        let B = batch.count, H = hidden, G = 4 * H, T = inputLength
        let y = forward(batch.map(\.0), &ws)
        var dy = [Float](repeating: 0, count: B * horizon)
        var loss = 0.0
        // Mean absolute error: the M4 measures are absolute errors, and it keeps a few wild windows from dominating.
        let scale = 1 / Float(B * horizon)
        for r in 0..<B {
            for k in 0..<horizon {
                let d = y[r * horizon + k] - batch[r].1[k]
                dy[r * horizon + k] = d > 0 ? scale : (d < 0 ? -scale : 0)
                loss += Double(abs(d))
            }
        }
        // Output layer: dWo = h_Tᵀ·dy, dbo = Σ dy, dh_T = dy·Woᵀ.
        ws.h.withUnsafeBufferPointer { h in
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(H), Int32(horizon), Int32(B), 1,
                        h.baseAddress! + T * ws.batch * H, Int32(H), dy, Int32(horizon), 1, &g.wo, Int32(horizon))
        }
        for r in 0..<B { for k in 0..<horizon { g.bo[k] += dy[r * horizon + k] } }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(B), Int32(H), Int32(horizon), 1, dy, Int32(horizon), wo, Int32(horizon), 0, &ws.dh, Int32(H))
        for i in 0..<(B * H) { ws.dc[i] = 0 }
        for t in stride(from: T - 1, through: 0, by: -1) {
            let gBase = t * ws.batch * G, hBase = (t + 1) * ws.batch * H, pBase = t * ws.batch * H
            let stride = ws.batch
            ws.gates.withUnsafeBufferPointer { gates in
                ws.c.withUnsafeBufferPointer { cs in
                    ws.x.withUnsafeBufferPointer { x in
                        ws.dh.withUnsafeBufferPointer { dhs in
                            ws.dc.withUnsafeMutableBufferPointer { dcs in
                                ws.dz.withUnsafeMutableBufferPointer { dz in
                                    g.wx.withUnsafeMutableBufferPointer { gwx in
                                        g.b.withUnsafeMutableBufferPointer { gb in
                                            for r in 0..<B {
                                                let xv = x[t * stride + r]
                                                let gr = gBase + r * G, zr = r * G
                                                for j in 0..<H {
                                                    let i = gates[gr + j], f = gates[gr + H + j], gg = gates[gr + 2 * H + j], o = gates[gr + 3 * H + j]
                                                    let tc = Self.tanh(cs[hBase + r * H + j])
                                                    let dh = dhs[r * H + j]
                                                    let dc = dcs[r * H + j] + dh * o * (1 - tc * tc)
                                                    let di = dc * gg * i * (1 - i)
                                                    let df = dc * cs[pBase + r * H + j] * f * (1 - f)
                                                    let dg = dc * i * (1 - gg * gg)
                                                    let dO = dh * tc * o * (1 - o)
                                                    dz[zr + j] = di; dz[zr + H + j] = df; dz[zr + 2 * H + j] = dg; dz[zr + 3 * H + j] = dO
                                                    dcs[r * H + j] = dc * f
                                                    gwx[j] += xv * di; gwx[H + j] += xv * df; gwx[2 * H + j] += xv * dg; gwx[3 * H + j] += xv * dO
                                                    gb[j] += di; gb[H + j] += df; gb[2 * H + j] += dg; gb[3 * H + j] += dO
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            // dWh += h_{t−1}ᵀ·dz; dh_{t−1} = dz·Whᵀ
            ws.h.withUnsafeBufferPointer { h in
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(H), Int32(G), Int32(B), 1,
                            h.baseAddress! + pBase, Int32(H), ws.dz, Int32(G), 1, &g.wh, Int32(G))
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(B), Int32(H), Int32(G), 1, ws.dz, Int32(G), wh, Int32(G), 0, &ws.dhPrev, Int32(H))
            swap(&ws.dh, &ws.dhPrev)
        }
        return loss / Double(B * horizon)
    }
}

/// Adam (Kingma & Ba 2015) over the network's parameters, in one flat moment buffer.
struct Adam {
    var m: [Float], v: [Float]
    var t = 0
    let rate: Float

    init(count: Int, rate: Float) {
        m = [Float](repeating: 0, count: count)
        v = m
        self.rate = rate
    }

    mutating func step(_ net: inout Network, _ g: Network) {
        t += 1
        let b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
        let c1 = 1 - powf(b1, Float(t)), c2 = 1 - powf(b2, Float(t))
        var offset = 0
        func update(_ w: inout [Float], _ grad: [Float]) {
            for k in 0..<w.count {
                let gk = max(-5, min(5, grad[k]))  // clip, against exploding gradients through time
                m[offset + k] = b1 * m[offset + k] + (1 - b1) * gk
                v[offset + k] = b2 * v[offset + k] + (1 - b2) * gk * gk
                w[k] -= rate * (m[offset + k] / c1) / ((v[offset + k] / c2).squareRoot() + eps)
            }
            offset += w.count
        }
        update(&net.wx, g.wx); update(&net.wh, g.wh); update(&net.b, g.b); update(&net.wo, g.wo); update(&net.bo, g.bo)
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
