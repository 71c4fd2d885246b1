import Annealing
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
    /// What the flow's passes compute in (`ReverseKLTrainer`).
    public var precision: FlowPrecision

    public init(batch: Int = 256, adam: Adam.Config = .init(), beta0: Double = 1, temperSteps: Int = 0,
                temperMode: TemperMode = .power, temperShape: AnnealingShape = .linear,
                precision: FlowPrecision = .double) {
        self.batch = batch
        self.adam = adam
        self.beta0 = beta0
        self.temperSteps = temperSteps
        self.temperMode = temperMode
        self.temperShape = temperShape
        self.precision = precision
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
///
/// Precision (`TrainingConfig.precision`): the flow's passes run in Double or
/// Float; the parameters, Adam's state, the base draws, the target's density
/// and every sum over rows (loss, metrics) stay double. In single precision
/// the parameters are rounded to a Float copy before each pass and the
/// gradient widened back after it.
public final class ReverseKLTrainer {
    public let flow: RealNVP
    public let target: GaussianMixtureTarget
    public let config: TrainingConfig
    public let params: Buffer
    /// ∂loss/∂θ from the last `lossAndGradient`.
    public let grad: Buffer
    /// The base points (batch × d) that `lossAndGradient` reads; `trainStep` draws them.
    public let base: Buffer
    let adam: Adam
    let passes: FlowPasses
    var batchRNG: Xoshiro256
    public private(set) var step = 0

    public init(flow: RealNVP, target: GaussianMixtureTarget, config: TrainingConfig, seed: UInt64) {
        precondition(flow.dim == target.dim && config.batch >= 1)
        self.flow = flow
        self.target = target
        self.config = config
        params = flow.initialParameters(seed: seed)
        grad = Buffer(flow.paramCount)
        base = Buffer(config.batch * flow.dim)
        adam = Adam(count: flow.paramCount, config: config.adam)
        switch config.precision {
        case .double: passes = .double(PrecisionPasses(flow: flow, capacity: config.batch, params: params, grad: grad))
        case .single: passes = .single(PrecisionPasses(flow: flow, capacity: config.batch, params: params, grad: grad))
        }
        batchRNG = Xoshiro256(seed: seed, stream: "flows.batch")
    }

    /// The loss on the base points in `base` (first `rows`), and its gradient
    /// into `grad`: E[log q - β log p] (power), or E[log q - log p_β] with p_β
    /// the target of variance σp²/β (variance). At β = 1 both are the
    /// untempered loss, bit for bit.
    public func lossAndGradient(rows n: Int, beta: Double = 1, mode: TemperMode = .power) -> Estimate {
        // c: the factor on log p; tg: the (possibly variance-tempered) target.
        let varianceTempered = mode == .variance && beta != 1
        let tg = varianceTempered ? target.withVariance(target.sigma2 / beta) : target
        let c = mode == .power ? beta : 1
        return passes.lossAndGradient(rows: n, base: base.pointer, target: tg, logpFactor: c)
    }

    /// One Adam step on a fresh batch. Returns the batch's loss (before the
    /// update); when it is not finite, the parameters are left untouched.
    @discardableResult
    public func trainStep() -> Estimate {
        let n = config.batch
        batchRNG.fillNormal(UnsafeMutableBufferPointer(start: base.pointer, count: n * flow.dim))
        let loss = lossAndGradient(rows: n, beta: config.beta(atStep: step), mode: config.temperMode)
        if loss.mean.isFinite { adam.update(params.pointer, gradient: grad.pointer) }
        step += 1
        return loss
    }

    /// Metrics on `count` fixed base points (row-major count × d); the images
    /// x = T(z) are copied to `samples` when given.
    public func evaluate(base z: UnsafePointer<Double>, count: Int,
                         samples: UnsafeMutablePointer<Double>? = nil) -> FlowMetrics {
        passes.evaluate(base: z, count: count, samples: samples, target: target)
    }

    /// log q(x) at `count` points (row-major count × d).
    public func logDensity(points: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>) {
        passes.logDensity(points: points, count: count, into: out)
    }
}
