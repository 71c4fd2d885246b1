import Dispatch
import Foundation
import Parallel
import Theory

/// Monte-Carlo settings of a particle run.
public struct ParticleSettings: Sendable, Equatable {
    /// Samples per component per step.
    public var n: Int
    public var dt: StepSize
    public init(n: Int, dt: StepSize) {
        self.n = n
        self.dt = dt
    }
    /// Samples per block (per normal stream): fixed, so that the result never
    /// depends on how blocks are spread over threads.
    public static let blockSize = 32

    public static func blocks(n: Int) -> Int { (n + blockSize - 1) / blockSize }

    /// Bytes a run allocates: m₊, m₋, D, and per block ε and Σε (d each).
    public static func memoryBytes(d: Int, n: Int) -> Double {
        Double(3 + 4 * blocks(n: n)) * Double(d) * 8
    }
}

/// The statistics recorded at one output time (the ODE's, plus the
/// Monte-Carlo estimate of the KL from that step's samples).
public struct ParticleRecord: Sendable {
    public var t: Double
    /// Overlaps of the simulated vectors, θ included.
    public var state: OverlapState
    /// α±, w, KL, mode masses: Theory's functions of the state (exact at it).
    public var observables: Observables
    /// L estimated by Monte Carlo from the step's samples, and its standard error.
    public var klMC: Double, klMCStdErr: Double
}

/// The run stopped on a non-finite value.
public struct ParticleFailure: Error, Sendable, CustomStringConvertible {
    public let step: Int
    public let t: Double
    public let reason: String
    public var description: String { "particle simulation failed at step \(step), t = \(t): \(reason)" }
}

/// The finite-d reverse-KL gradient flow of the two-Gaussian mixture with
/// Monte-Carlo gradients (model.md, "Finite-d simulations"): vectors m± ∈ R^d
/// and θ, n reparametrised samples x = m_k + √s ε per component and step,
/// Euler steps.
///
/// The estimator averages ∇f(x_i), f = log q - c log p, over the samples.
/// ∇f(x) = -(x - r^q₊ m₊ - r^q₋ m₋)/s + c(x - r^p₊ μ₊ - r^p₋ μ₋)/σp² is
/// affine in x and the responsibilities, so the average needs only the mean
/// responsibilities and the mean ε: per sample, the d-dimensional work is
/// ε·D (for h_q), and for f also ε·m_k and |ε|²; h_p needs ε only on span{μ±}.
/// It is the same estimator, evaluated without a d × n matrix.
///
/// Not thread-safe; `threads` > 1 runs the sample blocks of a step in
/// parallel, with a fixed-order reduction (same bits for any thread count).
public final class ParticleSimulation {
    public let config: ModelConfig
    public let settings: ParticleSettings
    public let seed: UInt64
    let geometry: Geometry
    let model: OverlapModel
    let d: Int
    let mPlus: UnsafeMutablePointer<Double>, mMinus: UnsafeMutablePointer<Double>
    let dvec: UnsafeMutablePointer<Double>
    public private(set) var theta: Double
    let blocks: [SampleBlock]
    /// Steps taken so far.
    public private(set) var steps = 0

    /// Starts from vectors realising `initial` exactly (see `Geometry.vectors`).
    public init(config: ModelConfig, settings: ParticleSettings, initial: OverlapState, seed: UInt64) throws {
        precondition(settings.n > 0)
        self.config = config
        self.settings = settings
        self.seed = seed
        d = config.d
        geometry = Geometry(target: config.target, d: d)
        model = OverlapModel(config)
        let (p, m) = try geometry.vectors(for: initial)
        mPlus = .allocate(capacity: d); mPlus.initialize(from: p, count: d)
        mMinus = .allocate(capacity: d); mMinus.initialize(from: m, count: d)
        dvec = .allocate(capacity: d); dvec.initialize(repeating: 0, count: d)
        theta = config.weights.isTrainable ? initial.theta : 0
        let nb = ParticleSettings.blocks(n: settings.n), bs = ParticleSettings.blockSize
        blocks = (0..<2).flatMap { k in
            (0..<nb).map { b in
                SampleBlock(component: k, count: min(bs, settings.n - b * bs), seed: seed, index: b, d: config.d)
            }
        }
    }

    /// Throws `InitialStateError` if no vectors in R^d realise `initial`
    /// (checked without allocating).
    public static func checkStart(target: Target, d: Int, initial: OverlapState) throws {
        _ = try Geometry(target: target, d: d).parts(for: initial)
    }

    deinit {
        mPlus.deallocate()
        mMinus.deallocate()
        dvec.deallocate()
    }

    // MARK: - State

    /// The weight w = w₊ and λ = log(w/(1-w)).
    var weight: (w: Double, wMinus: Double, lambda: Double) {
        switch config.weights {
        case .fixed(let w): (w, 1 - w, log(w / (1 - w)))
        case .trainable: (GaussianIntegrals.logistic(theta), GaussianIntegrals.logistic(-theta), theta)
        }
    }

    /// Overlaps of the current vectors.
    public var overlaps: OverlapState {
        let g = geometry
        var a = [0.0, 0.0, 0.0, 0.0]
        for j in 0..<g.rank {
            a[0] += mPlus[j] * g.muPlus[j]; a[1] += mPlus[j] * g.muMinus[j]
            a[2] += mMinus[j] * g.muPlus[j]; a[3] += mMinus[j] * g.muMinus[j]
        }
        return OverlapState(aPP: a[0], aPM: a[1], aMP: a[2], aMM: a[3],
                            qPP: Kernels.dot(mPlus, mPlus, d), qPM: Kernels.dot(mPlus, mMinus, d),
                            qMM: Kernels.dot(mMinus, mMinus, d), theta: theta)
    }

    // MARK: - One step

    /// The sample passes of one step at time t from the current state; the
    /// reduced sums per component, and Σε of each component's blocks summed
    /// in block order into the first block's buffer.
    func samplePasses(t: Double, full: Bool, threads: Int) throws -> (sums: [BlockSums], ov: OverlapState) {
        let ov = overlaps
        for v in [ov.qPP, ov.qPM, ov.qMM, theta] where !v.isFinite {
            throw ParticleFailure(step: steps, t: t, reason: "the state is not finite (Q₊₊ = \(ov.qPP), Q₊₋ = \(ov.qPM), Q₋₋ = \(ov.qMM), θ = \(theta))")
        }
        for j in 0..<d { dvec[j] = mPlus[j] - mMinus[j] }
        let tg = config.target, g = geometry, s = config.s
        let (sp2, c) = config.temperedTarget(at: t)
        let wt = weight
        let delta = (0..<g.rank).map { g.muPlus[$0] - g.muMinus[$0] }
        let inputs = StepInputs(
            d: d, rank: g.rank, dvec: dvec, means: (UnsafePointer(mPlus), UnsafePointer(mMinus)), delta: delta, muMinus: g.muMinus,
            s: s, sqrtS: s.squareRoot(), sp2: sp2, c: c, sp2KL: tg.sigmaP2,
            lambda: wt.lambda, logOneMinusW: config.weights.isTrainable ? -GaussianIntegrals.softplus(theta) : log(wt.wMinus),
            ell: tg.logOdds, logOneMinusRho: log(1 - tg.rho),
            halfQ: 0.5 * (ov.qPP - ov.qMM), halfT: 0.5 * (tg.tPP - tg.tMM), d2: ov.qPP - 2 * ov.qPM + ov.qMM,
            mkD: (ov.qPP - ov.qPM, ov.qPM - ov.qMM), mkDelta: (ov.aPP - ov.aPM, ov.aMP - ov.aMM),
            distP: (ov.qPP - 2 * ov.aPM + tg.tMM, ov.qMM - 2 * ov.aMM + tg.tMM),
            full: full || config.weights.isTrainable, sumEps: c / sp2 != 1 / s)
        let runner = BlockRunner(blocks: blocks)
        runner.run(inputs, threads: threads)
        let nb = blocks.count / 2
        var sums = [BlockSums(), BlockSums()]
        for k in 0..<2 {
            let first = blocks[k * nb]
            sums[k] = first.sums
            for b in 1..<nb {
                let block = blocks[k * nb + b]
                sums[k] = sums[k] + block.sums
                if inputs.sumEps { for j in 0..<d { first.epsSum[j] += block.epsSum[j] } }
            }
        }
        return (sums, ov)
    }

    /// The Monte-Carlo estimate of the drift at time t: ṁ₊ = -w₊ ḡ₊,
    /// ṁ₋ = -w₋ ḡ₋ as coefficients on (m₊, m₋, Σε_k) plus a span part, and θ̇.
    struct Drift {
        /// ṁ_k = a_k m₊ + b_k m₋ + e_k Σε_k + span_k.
        var a: (Double, Double), b: (Double, Double), e: (Double, Double)
        var span: ([Double], [Double])
        var thetaDot: Double
        var sums: [BlockSums]
        var state: OverlapState
        /// w₊, w₋ at that state.
        var weights: (Double, Double)
    }

    func drift(t: Double, full: Bool, threads: Int) throws -> Drift {
        let (sums, ov) = try samplePasses(t: t, full: full, threads: threads)
        let n = Double(settings.n), s = config.s, sq = s.squareRoot()
        let (sp2, c) = config.temperedTarget(at: t)
        let wt = weight
        let big = c / sp2 - 1 / s  // coefficient of x in ∇f
        let g = geometry
        var a = (0.0, 0.0), b = (0.0, 0.0), e = (0.0, 0.0)
        var span: ([Double], [Double]) = ([], [])
        for k in 0..<2 {
            let wk = k == 0 ? wt.w : wt.wMinus
            let rq = sums[k].rq / n, rp = sums[k].rp / n
            // ḡ_k = big (m_k + √s ε̄_k) + (R̄q m₊ + (1-R̄q) m₋)/s - (c/σp²) ν̄_k,  ṁ_k = -w_k ḡ_k
            let ak = -wk * ((k == 0 ? big : 0) + rq / s)
            let bk = -wk * ((k == 1 ? big : 0) + (1 - rq) / s)
            let ek = -wk * big * sq / n
            let nu = (0..<g.rank).map { wk * c / sp2 * (rp * g.muPlus[$0] + (1 - rp) * g.muMinus[$0]) }
            if k == 0 { a.0 = ak; b.0 = bk; e.0 = ek; span.0 = nu } else { a.1 = ak; b.1 = bk; e.1 = ek; span.1 = nu }
        }
        var thetaDot = 0.0
        if config.weights.isTrainable {
            thetaDot = -wt.w * wt.wMinus * (sums[0].f / n - sums[1].f / n)
        }
        for v in [a.0, a.1, b.0, b.1, e.0, e.1, thetaDot] where !v.isFinite {
            throw ParticleFailure(step: steps, t: t, reason: "the gradient estimate is not finite")
        }
        return Drift(a: a, b: b, e: e, span: span, thetaDot: thetaDot, sums: sums, state: ov, weights: (wt.w, wt.wMinus))
    }

    /// One Euler step of size h from time t. Returns the drift's sums and the
    /// state before the step (for records).
    @discardableResult
    func step(t: Double, h: Double, full: Bool, threads: Int) throws -> Drift {
        let dr = try drift(t: t, full: full, threads: threads)
        let nb = blocks.count / 2
        let sumP = blocks[0].epsSum, sumM = blocks[nb].epsSum
        let p11 = 1 + h * dr.a.0, p12 = h * dr.b.0, p21 = h * dr.a.1, p22 = 1 + h * dr.b.1
        if dr.e.0 != 0 || dr.e.1 != 0 {
            let q1 = h * dr.e.0, q2 = h * dr.e.1
            for j in 0..<d {
                let p = mPlus[j], m = mMinus[j]
                mPlus[j] = p11 * p + p12 * m + q1 * sumP[j]
                mMinus[j] = p21 * p + p22 * m + q2 * sumM[j]
            }
        } else {
            for j in 0..<d {
                let p = mPlus[j], m = mMinus[j]
                mPlus[j] = p11 * p + p12 * m
                mMinus[j] = p21 * p + p22 * m
            }
        }
        for j in 0..<geometry.rank {
            mPlus[j] += h * dr.span.0[j]
            mMinus[j] += h * dr.span.1[j]
        }
        theta += h * dr.thetaDot
        steps += 1
        return dr
    }

    /// One Euler step of size h from time t (for benchmarks and tests).
    public func advance(t: Double, h: Double, threads: Int = 1) throws {
        try step(t: t, h: h, full: false, threads: threads)
    }

    /// The record at time t from a drift computed with `full` (f estimated).
    func record(t: Double, _ dr: Drift) -> ParticleRecord {
        let y = dr.state.vector(trainable: config.weights.isTrainable)
        let obs = model.observables(y)
        let n = Double(settings.n)
        var kl = 0.0, variance = 0.0
        for k in 0..<2 {
            let wk = k == 0 ? dr.weights.0 : dr.weights.1
            let mean = dr.sums[k].g / n
            let v = max(dr.sums[k].g2 / n - mean * mean, 0) / max(n - 1, 1)  // variance of the mean
            kl += wk * mean
            variance += wk * wk * v
        }
        kl += 0.5 * Double(d) * log(config.target.sigmaP2 / config.s)
        return ParticleRecord(t: t, state: dr.state, observables: obs, klMC: kl, klMCStdErr: variance.squareRoot())
    }

    // MARK: - A trajectory

    /// Runs from the current state (taken to be at grid.times[0]) through
    /// every grid time, calling `observe(i, record)` at each.
    public func run(grid: TimeGrid, threads: Int = 1, cancelled: () -> Bool = { false },
                    observe: (Int, ParticleRecord) throws -> Void) throws {
        let plan = StepPlan(grid: grid, dt: settings.dt)
        let times = grid.times
        for i in 0..<times.count {
            if cancelled() { throw CancellationError() }
            if i == times.count - 1 {
                // No step follows the last record: estimate without moving.
                let dr = try drift(t: times[i], full: true, threads: threads)
                try observe(i, record(t: times[i], dr))
                break
            }
            var first = true
            for piece in plan.pieces[i] {
                for j in 0..<piece.steps {
                    if j & 63 == 63, cancelled() { throw CancellationError() }
                    let t = first ? times[i] : piece.time(j)
                    let dr = try step(t: t, h: piece.step, full: first, threads: threads)
                    if first { try observe(i, record(t: times[i], dr)); first = false }
                }
            }
        }
    }
}

/// Spreads a step's sample blocks over threads: contiguous ranges, each
/// block written by one thread; the caller reduces in block order.
struct BlockRunner: @unchecked Sendable {
    let blocks: [SampleBlock]

    func run(_ inputs: StepInputs, threads: Int) {
        let count = blocks.count
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for b in blocks { b.run(inputs) }
            return
        }
        // Accounted: the stage's run record counts these threads' CPU time too.
        accountedConcurrentPerform(iterations: workers) { w in
            for i in (w * count / workers)..<((w + 1) * count / workers) { blocks[i].run(inputs) }
        }
    }
}
