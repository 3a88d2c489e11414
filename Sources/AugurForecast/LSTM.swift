import AugurCore
package import AugurNumerics
import CLSTMCell
import Foundation

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
        maxEpochs: Int = 30, patience: Int = 4, learningRate: Float = 0.001, seed: UInt64 = 42,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount, cutoff: ([Double]) -> Int
    ) throws(ForecastError) -> LSTMModel {
        let stride = max(1, horizon / 2)
        let (trainSet, validation) = windows(series, inputLength: inputLength, horizon: horizon, period: period, stride: stride, cutoff: cutoff)
        guard trainSet.count >= batchSize, !validation.isEmpty else {
            throw ForecastError(.tooShort, "too few windows of \(inputLength + horizon) points to train the LSTM")
        }
        var rng = SplitMix64(seed: seed)
        var net = Network(inputLength: inputLength, hidden: hidden, horizon: horizon, rng: &rng)
        var adam = Adam(count: net.parameters.count, rate: learningRate)
        var best = (loss: Double.infinity, net: net, epoch: 0)
        var order = Array(trainSet.indices)
        let shards = Self.shards(net, batchSize: batchSize, threads: threads)
        let workspace = Workspace(batch: batchSize, steps: inputLength, hidden: hidden, horizon: horizon)
        var seen = 0
        let started = ContinuousClock.now
        var epoch = 0
        while epoch < maxEpochs && epoch - best.epoch <= patience {
            epoch += 1
            order.shuffle(using: &rng)
            var start = 0
            while start + batchSize <= order.count {
                let batch = order[start..<(start + batchSize)].map { trainSet[$0] }
                adam.step(&net, net.gradient(batch, shards: shards))
                start += batchSize
                seen += batchSize
            }
            let loss = net.loss(validation, workspace)
            if loss < best.loss { best = (loss, net, epoch) }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let n = best.net
        return LSTMModel(inputLength: inputLength, period: period, hidden: hidden, horizon: horizon, wx: n.wx, wh: n.wh, b: n.b, wo: n.wo, bo: n.bo,
                         validationLoss: best.loss, epochs: epoch, windowsPerSecond: Double(seen) / max(seconds, 1e-9))
    }

    /// Each training step splits its batch across `threads` cores; OpenBLAS runs single-threaded inside
    /// each, as its threads only spin on products this small.
    static func shards(_ net: Network, batchSize: Int, threads: Int) -> [Shard] {
        BLAS.setThreads(1)
        let n = max(1, min(threads, batchSize))
        return (0..<n).map { _ in
            Shard(workspace: Workspace(batch: (batchSize + n - 1) / n, steps: net.inputLength, hidden: net.hidden, horizon: net.horizon),
                  parameterCount: net.parameters.count)
        }
    }

    /// Training throughput in windows per second on random data of one shape: forward, back-propagation
    /// and an Adam step per batch, after one warm-up batch (the benchmark's side of the PyTorch comparison).
    package static func trainingThroughput(hidden: Int, inputLength: Int, horizon: Int, batchSize: Int, batches: Int, epochs: Int, threads: Int) -> Double {
        var rng = SplitMix64(seed: 1)
        var net = Network(inputLength: inputLength, hidden: hidden, horizon: horizon, rng: &rng)
        var adam = Adam(count: net.parameters.count, rate: 0.001)
        let shards = shards(net, batchSize: batchSize, threads: threads)
        let data: [[([Float], [Float])]] = (0..<batches).map { _ in
            (0..<batchSize).map { _ in
                ((0..<inputLength).map { _ in Float(rng.nextGaussian()) }, (0..<horizon).map { _ in Float(rng.nextGaussian()) })
            }
        }
        adam.step(&net, net.gradient(data[0], shards: shards))
        let started = ContinuousClock.now
        for _ in 0..<epochs { for batch in data { adam.step(&net, net.gradient(batch, shards: shards)) } }
        let elapsed = ContinuousClock.now - started
        return Double(epochs * batches * batchSize) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// Forecast after the end of `y` (at least `inputLength` points).
    package func forecast(_ y: [Double]) throws(ForecastError) -> [Double] {
        guard y.count >= inputLength else { throw ForecastError(.tooShort, "the LSTM needs \(inputLength) points, got \(y.count)") }
        let window = y.suffix(inputLength)
        let (lv, sc) = Self.normalisation(window, period: period)
        let net = Network(inputLength: inputLength, hidden: hidden, horizon: horizon, wx: wx, wh: wh, b: b, wo: wo, bo: bo)
        let out = net.forward([window.map { Float(($0 - lv) / sc) }], Workspace(batch: 1, steps: inputLength, hidden: hidden, horizon: horizon))
        let b = Self.base(window, period: period, horizon: horizon)
        let nonNegative = y.allSatisfy { $0 >= 0 }
        return zip(out, b).map { r, base in
            let v = base + Double(r) * sc
            return nonNegative ? max(0, v) : v
        }
    }
}

/// Buffers reused across batches: no allocation inside the time loop. Row-major, rows = windows;
/// per-step blocks are stacked so that the weight gradients are single products over every step.
final class Workspace {
    let batch: Int, steps: Int, hidden: Int, horizon: Int
    let x: UnsafeMutablePointer<Float>  // steps × batch
    let gates: UnsafeMutablePointer<Float>  // steps × batch × 4H: pre-activations, then activated (i, f, g, o)
    let c: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>  // (steps + 1) × batch × H, block 0 the zero state
    let tanhC: UnsafeMutablePointer<Float>  // steps × batch × H
    let y: UnsafeMutablePointer<Float>, dy: UnsafeMutablePointer<Float>  // batch × horizon
    var dh: UnsafeMutablePointer<Float>, dhPrev: UnsafeMutablePointer<Float>
    let dc: UnsafeMutablePointer<Float>  // batch × H
    let dz: UnsafeMutablePointer<Float>  // steps × batch × 4H
    let ones: UnsafeMutablePointer<Float>  // steps × batch, for bias gradients as one product
    private let buffers: [UnsafeMutablePointer<Float>]

    init(batch: Int, steps: Int, hidden: Int, horizon: Int) {
        self.batch = batch; self.steps = steps; self.hidden = hidden; self.horizon = horizon
        func buffer(_ n: Int, _ value: Float = 0) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: value, count: n)
            return p
        }
        let G = 4 * hidden
        x = buffer(steps * batch); ones = buffer(steps * batch, 1)
        gates = buffer(steps * batch * G); dz = buffer(steps * batch * G)
        c = buffer((steps + 1) * batch * hidden); h = buffer((steps + 1) * batch * hidden); tanhC = buffer(steps * batch * hidden)
        y = buffer(batch * horizon); dy = buffer(batch * horizon)
        dh = buffer(batch * hidden); dhPrev = buffer(batch * hidden); dc = buffer(batch * hidden)
        buffers = [x, ones, gates, dz, c, h, tanhC, y, dy, dh, dhPrev, dc]
    }

    deinit { for b in buffers { b.deallocate() } }
}

/// The network's arithmetic. Products go through OpenBLAS; the per-element gate arithmetic is the C
/// kernel `CLSTMCell` (8-wide vectors, a polynomial exponential), built for AVX2/FMA and for baseline
/// x86-64 and chosen at load time, since Swift compiles for the baseline only and the gates ran at half
/// the width the machine has.
struct Network {
    let inputLength: Int, hidden: Int, horizon: Int
    /// Every parameter in one buffer — wx (4H) | wh (H × 4H) | b (4H) | wo (H × horizon) | bo (horizon) —
    /// so gradients add and Adam steps as flat vectors.
    var parameters: [Float]

    static let lanes = 8

    var offsets: (wh: Int, b: Int, wo: Int, bo: Int) {
        let G = 4 * hidden
        return (G, G + hidden * G, 2 * G + hidden * G, 2 * G + hidden * G + hidden * horizon)
    }

    init(inputLength: Int, hidden: Int, horizon: Int, wx: [Float], wh: [Float], b: [Float], wo: [Float], bo: [Float]) {
        precondition(hidden % Self.lanes == 0, "the LSTM's hidden size must be a multiple of \(Self.lanes)")
        self.inputLength = inputLength; self.hidden = hidden; self.horizon = horizon
        parameters = wx + wh + b + wo + bo
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

    var wx: [Float] { Array(parameters[0..<offsets.wh]) }
    var wh: [Float] { Array(parameters[offsets.wh..<offsets.b]) }
    var b: [Float] { Array(parameters[offsets.b..<offsets.wo]) }
    var wo: [Float] { Array(parameters[offsets.wo..<offsets.bo]) }
    var bo: [Float] { Array(parameters[offsets.bo...]) }

    /// eˣ as the gates compute it (`augur_lstm_exp`), for `x.count` a multiple of `lanes`.
    static func exp(_ x: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        augur_lstm_exp(Int32(x.count), x, &y)
        return y
    }

    // MARK: Passes

    /// Runs the sequence over at most `ws.batch` windows; returns the outputs (windows × horizon) and
    /// leaves in the workspace what the backward pass needs.
    func forward(_ inputs: [[Float]], _ ws: Workspace) -> [Float] {
        let B = inputs.count, H = hidden, G = 4 * H, T = inputLength
        precondition(B <= ws.batch && T == ws.steps)
        for t in 0..<T { for r in 0..<B { ws.x[t * B + r] = inputs[r][t] } }
        ws.h.update(repeating: 0, count: B * H)
        ws.c.update(repeating: 0, count: B * H)
        let o = offsets
        parameters.withUnsafeBufferPointer { p in
            let wx = p.baseAddress!
            for t in 0..<T {
                let z = ws.gates + t * B * G, prev = t * B * H, next = (t + 1) * B * H
                BLAS.sgemm(ws.h + prev, wx + o.wh, z, m: B, n: G, k: H)
                augur_lstm_cell_forward(Int32(B), Int32(H), z, ws.x + t * B, wx, wx + o.b, ws.c + prev, ws.c + next, ws.tanhC + prev, ws.h + next)
            }
            BLAS.sgemm(ws.h + T * B * H, wx + o.wo, ws.y, m: B, n: horizon, k: H)
            for r in 0..<B { for k in 0..<horizon { ws.y[r * horizon + k] += wx[o.bo + k] } }
        }
        return Array(UnsafeBufferPointer(start: ws.y, count: B * horizon))
    }

    /// Mean absolute error over `windows`.
    func loss(_ windows: [([Float], [Float])], _ ws: Workspace) -> Double {
        var total = 0.0, n = 0
        var start = 0
        while start < windows.count {
            let chunk = Array(windows[start..<min(start + ws.batch, windows.count)])
            let y = forward(chunk.map(\.0), ws)
            for (r, w) in chunk.enumerated() { for k in 0..<horizon { total += Double(abs(y[r * horizon + k] - w.1[k])); n += 1 } }
            start += ws.batch
        }
        return total / Double(max(n, 1))
    }

    /// Forward, then back-propagation through time; adds to `g` the gradient of the mean absolute error
    /// over `windowsInStep` windows (the whole step, of which `batch` may be one shard). Returns the
    /// shard's summed absolute error.
    func forwardBackward(_ batch: ArraySlice<([Float], [Float])>, _ ws: Workspace, windowsInStep: Int, gradients g: inout [Float]) -> Double {
        let B = batch.count, H = hidden, G = 4 * H, T = inputLength
        let y = forward(batch.map(\.0), ws)
        var loss = 0.0
        // Mean absolute error: the M4 measures are absolute errors, and it keeps a few wild windows from dominating.
        let scale = 1 / Float(windowsInStep * horizon)
        for (r, window) in batch.enumerated() {
            for k in 0..<horizon {
                let d = y[r * horizon + k] - window.1[k]
                ws.dy[r * horizon + k] = d > 0 ? scale : (d < 0 ? -scale : 0)
                loss += Double(abs(d))
            }
        }
        let o = offsets
        parameters.withUnsafeBufferPointer { p in
            g.withUnsafeMutableBufferPointer { gp in
                let w = p.baseAddress!, gw = gp.baseAddress!
                // Output layer: dWo += h_Tᵀ·dy, dbo += Σ dy, dh_T = dy·Woᵀ.
                BLAS.sgemm(ws.h + T * B * H, ws.dy, gw + o.wo, m: H, n: horizon, k: B, transA: true, beta: 1)
                BLAS.sgemvTransposedAdd(ws.dy, rows: B, cols: horizon, ws.ones, gw + o.bo)
                BLAS.sgemm(ws.dy, w + o.wo, ws.dh, m: B, n: H, k: horizon, transB: true)
                ws.dc.update(repeating: 0, count: B * H)
                for t in stride(from: T - 1, through: 0, by: -1) {
                    let z = t * B * G, prev = t * B * H
                    augur_lstm_cell_backward(Int32(B), Int32(H), ws.gates + z, ws.c + prev, ws.tanhC + prev, ws.dh, ws.dc, ws.dz + z)
                    // dh_{t−1} = dz_t·Whᵀ
                    BLAS.sgemm(ws.dz + z, w + o.wh, ws.dhPrev, m: B, n: H, k: G, transB: true)
                    swap(&ws.dh, &ws.dhPrev)
                }
                // Over every step at once: dWh += Σ_t h_{t−1}ᵀ·dz_t, dwx += Σ x_t·dz_t, db += Σ dz_t.
                BLAS.sgemm(ws.h, ws.dz, gw + o.wh, m: H, n: G, k: T * B, transA: true, beta: 1)
                BLAS.sgemvTransposedAdd(ws.dz, rows: T * B, cols: G, ws.x, gw)
                BLAS.sgemvTransposedAdd(ws.dz, rows: T * B, cols: G, ws.ones, gw + o.b)
            }
        }
        return loss
    }
}

/// One core's share of a training step: its own workspace and gradient buffer. Unchecked: each shard is
/// touched by exactly one iteration of a `concurrentPerform` at a time.
final class Shard: @unchecked Sendable {
    let workspace: Workspace
    var gradient: [Float]

    init(workspace: Workspace, parameterCount: Int) {
        self.workspace = workspace
        gradient = [Float](repeating: 0, count: parameterCount)
    }
}

extension Network {
    /// The gradient of the mean absolute error over `batch`, its windows split across `shards` run in
    /// parallel (OpenBLAS single-threaded inside each) and summed in shard order, so that the result does
    /// not depend on timing.
    func gradient(_ batch: [([Float], [Float])], shards: [Shard]) -> [Float] {
        let per = (batch.count + shards.count - 1) / shards.count
        DispatchQueue.concurrentPerform(iterations: shards.count) { k in
            let shard = shards[k]
            for i in shard.gradient.indices { shard.gradient[i] = 0 }
            let part = batch[min(k * per, batch.count)..<min((k + 1) * per, batch.count)]
            if !part.isEmpty { _ = forwardBackward(part, shard.workspace, windowsInStep: batch.count, gradients: &shard.gradient) }
        }
        var total = shards[0].gradient
        for shard in shards.dropFirst() { for i in total.indices { total[i] += shard.gradient[i] } }
        return total
    }
}

/// Adam (Kingma & Ba 2015) over the network's flat parameter buffer.
struct Adam {
    var m: [Float], v: [Float]
    var t = 0
    let rate: Float

    init(count: Int, rate: Float) {
        m = [Float](repeating: 0, count: count)
        v = m
        self.rate = rate
    }

    mutating func step(_ net: inout Network, _ gradient: [Float]) {
        t += 1
        let b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
        let c1 = 1 - powf(b1, Float(t)), c2 = 1 - powf(b2, Float(t))
        for k in gradient.indices {
            let gk = max(-5, min(5, gradient[k]))  // clip, against exploding gradients through time
            m[k] = b1 * m[k] + (1 - b1) * gk
            v[k] = b2 * v[k] + (1 - b2) * gk * gk
            net.parameters[k] -= rate * (m[k] / c1) / ((v[k] / c2).squareRoot() + eps)
        }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
