@_exported import Annealing
import Random

/// How the target is tempered during training (model.md, "Extensions").
public enum TemperMode: String, CaseIterable, Sendable {
    /// Target p^β: the loss E_q[log q - β log p].
    case power
    /// Target the mixture with component variance σp²/β: E_q[log q - log p_β].
    case variance
}

/// How to train: batch, optimiser, optional tempering of the target.
public struct TrainingConfig: Sendable, Equatable {
    public var batch: Int
    public var adam: Adam.Config
    /// Tempering: β(t) from `beta0` to 1 over `temperSteps` steps (the shared
    /// `AnnealingSchedule` with τ = temperSteps, t the step), then 1;
    /// temperSteps = 0 means β = 1 throughout. The linear shape is
    /// β₀ + (1 - β₀)·min(t/τ, 1), as before shapes and modes existed.
    public var beta0: Double
    public var temperSteps: Int
    public var temperMode: TemperMode
    public var temperShape: AnnealingShape

    public init(batch: Int = 256, adam: Adam.Config = .init(), beta0: Double = 1, temperSteps: Int = 0,
                temperMode: TemperMode = .power, temperShape: AnnealingShape = .linear) {
        self.batch = batch
        self.adam = adam
        self.beta0 = beta0
        self.temperSteps = temperSteps
        self.temperMode = temperMode
        self.temperShape = temperShape
    }

    /// The schedule (nil without tempering).
    public var schedule: AnnealingSchedule? {
        temperSteps <= 0 ? nil : AnnealingSchedule(beta0: beta0, tau: Double(temperSteps), shape: temperShape)
    }

    public func beta(atStep t: Int) -> Double {
        schedule?.beta(Double(t)) ?? 1
    }
}

/// A Monte-Carlo mean with its standard error.
public struct Estimate: Sendable, Equatable {
    public var mean: Double
    public var standardError: Double

    init(_ v: UnsafePointer<Double>, count n: Int) {
        var s = 0.0
        for i in 0..<n { s += v[i] }
        let mean = s / Double(n)
        var ss = 0.0
        for i in 0..<n { ss += (v[i] - mean) * (v[i] - mean) }
        self.mean = mean
        standardError = n > 1 ? (ss / Double(n - 1) / Double(n)).squareRoot() : 0
    }
}

/// What the flow looks like from a fixed evaluation sample.
public struct FlowMetrics: Sendable, Equatable {
    /// KL(q ‖ p) = E_q[log q - log p] (untempered target).
    public var kl: Estimate
    /// ŵ₊ = E_q[r^p₊(x)], the q-mass on the + mode.
    public var massPlus: Double
    /// α± = (E_q[x r±]/E_q[r±])·u/|u|², u = (μ₊ - μ₋)/2: +1 at μ₊, -1 at μ₋ (symmetric target).
    public var alphaPlus: Double
    public var alphaMinus: Double
}

/// Reverse-KL training of a RealNVP flow on a Gaussian mixture: the loss
/// E_z[log q(T(z)) - β log p(T(z))] on reparametrised batches, minimised by
/// Adam. Streams (per seed): "flows.init" for the parameters, "flows.batch"
/// for the batches (the masks are the flow's). Every buffer is allocated here:
/// `trainStep` allocates nothing.
public final class ReverseKLTrainer {
    public let flow: RealNVP
    public let target: GaussianMixtureTarget
    public let config: TrainingConfig
    public let params: Buffer
    public let grad: Buffer
    public let workspace: FlowWorkspace
    let adam: Adam
    let values: Buffer
    var batchRNG: Xoshiro256
    public private(set) var step = 0

    public init(flow: RealNVP, target: GaussianMixtureTarget, config: TrainingConfig, seed: UInt64) {
        precondition(flow.dim == target.dim && config.batch >= 1)
        self.flow = flow
        self.target = target
        self.config = config
        params = flow.initialParameters(seed: seed)
        grad = Buffer(flow.paramCount)
        workspace = FlowWorkspace(flow, capacity: config.batch)
        adam = Adam(count: flow.paramCount, config: config.adam)
        values = Buffer(config.batch)
        batchRNG = Xoshiro256(seed: seed, stream: "flows.batch")
    }

    /// The loss on the base points in `workspace.states[0]` (first `rows`), and
    /// its gradient into `grad`: E[log q - β log p] (power), or
    /// E[log q - log p_β] with p_β the target of variance σp²/β (variance).
    /// At β = 1 both are the untempered loss, bit for bit.
    public func lossAndGradient(rows n: Int, beta: Double = 1, mode: TemperMode = .power) -> Estimate {
        let ws = workspace, d = flow.dim
        flow.forward(rows: n, params: params.pointer, workspace: ws)
        let z = ws.states[0].pointer, x = ws.states[flow.layers.count].pointer
        let gx = ws.gradX.pointer, f = values.pointer
        // c: the factor on log p; tg: the (possibly variance-tempered) target.
        let varianceTempered = mode == .variance && beta != 1
        let tg = varianceTempered ? target.withVariance(target.sigma2 / beta) : target
        let c = mode == .power ? beta : 1
        let scale = -c / Double(n)
        for b in 0..<n {
            // ∂L/∂x_b = -(c/n) ∇log p(x_b)
            let (logp, _) = tg.evaluate(x + b * d, grad: gx + b * d, gradScale: scale)
            f[b] = flow.baseLogDensity(z + b * d) - ws.logDet[b] - c * logp
        }
        let loss = Estimate(f, count: n)
        flow.backward(rows: n, params: params.pointer, grad: grad.pointer, logDetWeight: -1 / Double(n),
                      workspace: ws)
        return loss
    }

    /// One Adam step on a fresh batch. Returns the batch's loss (before the
    /// update); when it is not finite, the parameters are left untouched.
    @discardableResult
    public func trainStep() -> Estimate {
        let n = config.batch
        batchRNG.fillNormal(UnsafeMutableBufferPointer(start: workspace.states[0].pointer, count: n * flow.dim))
        let loss = lossAndGradient(rows: n, beta: config.beta(atStep: step), mode: config.temperMode)
        if loss.mean.isFinite { adam.update(params.pointer, gradient: grad.pointer) }
        step += 1
        return loss
    }

    /// Metrics on `count` fixed base points (row-major count × d); the images
    /// x = T(z) are copied to `samples` when given.
    public func evaluate(base z: UnsafePointer<Double>, count: Int,
                         samples: UnsafeMutablePointer<Double>? = nil) -> FlowMetrics {
        let ws = workspace, d = flow.dim, cap = ws.capacity
        let f = Buffer(count)
        var wPlus = 0.0, wMinus = 0.0
        var mPlus = [Double](repeating: 0, count: d), mMinus = [Double](repeating: 0, count: d)
        var start = 0
        while start < count {
            let n = min(cap, count - start)
            ws.states[0].pointer.update(from: z + start * d, count: n * d)
            flow.forward(rows: n, params: params.pointer, workspace: ws)
            let x = ws.states[flow.layers.count].pointer
            samples?.advanced(by: start * d).update(from: x, count: n * d)
            for b in 0..<n {
                let xb = x + b * d
                let (logp, r) = target.evaluate(xb)
                f[start + b] = flow.baseLogDensity(z + (start + b) * d) - ws.logDet[b] - logp
                wPlus += r
                wMinus += 1 - r
                for i in 0..<d {
                    mPlus[i] += r * xb[i]
                    mMinus[i] += (1 - r) * xb[i]
                }
            }
            start += n
        }
        var uu = 0.0, ap = 0.0, am = 0.0
        for i in 0..<d {
            let u = (target.muPlus[i] - target.muMinus[i]) / 2
            uu += u * u
            ap += mPlus[i] * u
            am += mMinus[i] * u
        }
        return FlowMetrics(kl: Estimate(f.pointer, count: count), massPlus: wPlus / Double(count),
                           alphaPlus: ap / wPlus / uu, alphaMinus: am / wMinus / uu)
    }

    /// log q(x) at `count` points (row-major count × d).
    public func logDensity(points: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>) {
        flow.logDensity(points: points, count: count, params: params.pointer, workspace: workspace, into: out)
    }
}
