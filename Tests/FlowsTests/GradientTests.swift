import Foundation
import Random
import XCTest
import Flows

/// Hand-derived backward passes against finite differences (five-point
/// stencil, h = 1e-3, truncation O(h⁴) ≈ 1e-13): per coupling layer (all its
/// parameters and its input), and the whole training loss.
final class GradientTests: XCTestCase {
    /// Worst componentwise relative error, each component measured against
    /// max(|analytic|, |fd|, 1e-4·‖analytic‖∞) so that near-zero entries
    /// are judged on the gradient's scale.
    func relativeError(_ an: [Double], _ fd: [Double]) -> Double {
        let scale = an.map(abs).max() ?? 0
        var worst = 0.0
        for (a, f) in zip(an, fd) {
            worst = max(worst, abs(a - f) / max(abs(a), abs(f), 1e-4 * scale, 1e-300))
        }
        return worst
    }

    func derivative(h: Double = 1e-3, _ f: (Double) -> Double) -> Double {
        return (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)
    }

    func testCouplingLayerBackwardMatchesFiniteDifferences() {
        for (d, act) in [(2, Activation.tanh), (5, .tanh), (5, .relu)] {
            var rng = Xoshiro256(seed: UInt64(d), stream: "fd-layer-\(act)")
            let cond = d == 2 ? [1] : [0, 3]
            let layer = AffineCoupling(dim: d, cond: cond, hidden: [7, 6], activation: act, offset: 0)
            let n = 100  // the backward pass works in blocks of 48 rows: two full, one partial
            let params = (0..<layer.paramCount).map { _ in 0.7 * rng.nextNormal() }
            let z = (0..<(n * d)).map { _ in 1.5 * rng.nextNormal() }
            let w = (0..<(n * d)).map { _ in rng.nextNormal() }
            let c = -0.8
            let cache = CouplingCache(layer, capacity: n)
            let work = BackwardBuffers(layer, capacity: n)
            // L = Σ w ⊙ f(z) + c Σ logDet
            func loss(_ p: [Double], _ z: [Double]) -> Double {
                var x = [Double](repeating: 0, count: n * d), ld = [Double](repeating: 0, count: n)
                layer.forward(rows: n, z: z, x: &x, logDet: &ld, params: p, cache: cache, scratch: work.scratch.pointer)
                return zip(w, x).reduce(0) { $0 + $1.0 * $1.1 } + c * ld.reduce(0, +)
            }
            var x = [Double](repeating: 0, count: n * d), ld = [Double](repeating: 0, count: n)
            layer.forward(rows: n, z: z, x: &x, logDet: &ld, params: params, cache: cache, scratch: work.scratch.pointer)
            var g = w, grad = [Double](repeating: .nan, count: layer.paramCount)
            layer.backward(rows: n, z: z, g: &g, logDetWeight: c, params: params, grad: &grad, inputGradient: true,
                           cache: cache, work: work)
            // ReLU nets are piecewise smooth: a smaller step keeps the stencil off the kinks.
            let step = act == .relu ? 1e-5 : 1e-3
            let fdParams = (0..<params.count).map { i in
                derivative(h: step) { h in var p = params; p[i] += h; return loss(p, z) }
            }
            let fdInput = (0..<z.count).map { i in
                derivative(h: step) { h in var zz = z; zz[i] += h; return loss(params, zz) }
            }
            let ep = relativeError(grad, fdParams), ez = relativeError(g, fdInput)
            XCTAssertLessThan(ep, 1e-6, "d=\(d) \(act) params")
            XCTAssertLessThan(ez, 1e-6, "d=\(d) \(act) input")
            print("coupling d=\(d) \(act): rel. error params \(ep), input \(ez)")
        }
    }

    /// The training loss E_z[log q(T(z)) - β log p(T(z))] on a fixed batch, every
    /// parameter of a 3-layer flow, bimodal target, tempering β = 0.7.
    func testTrainingLossGradientMatchesFiniteDifferences() {
        for d in [2, 5] {
            let arch = FlowArchitecture(dim: d, couplingLayers: 3, hidden: [6, 5], lastLayerScale: 1.0)
            let flow = RealNVP(arch, maskSeed: 11)
            let target = GaussianMixtureTarget.symmetric(dim: d, mu: 2, rho: 0.3, sigma2: 0.8)
            let n = 7
            let trainer = ReverseKLTrainer(flow: flow, target: target, config: TrainingConfig(batch: n), seed: 5)
            var rng = Xoshiro256(seed: 3, stream: "fd-batch")
            for i in 0..<(n * d) { trainer.base[i] = rng.nextNormal() }
            let beta = 0.7
            _ = trainer.lossAndGradient(rows: n, beta: beta)
            let analytic = trainer.grad.array
            let p0 = trainer.params.array
            let fd = (0..<p0.count).map { i in
                derivative { h in
                    trainer.params[i] = p0[i] + h
                    defer { trainer.params[i] = p0[i] }
                    return trainer.lossAndGradient(rows: n, beta: beta).mean
                }
            }
            let e = relativeError(analytic, fd)
            XCTAssertLessThan(e, 1e-6, "d=\(d)")
            print("training loss d=\(d): \(p0.count) params, rel. error \(e)")
        }
    }

    /// Both tempering modes, d = 2, β from an exponential schedule mid-ramp:
    /// the loss on a fixed batch equals the directly computed
    /// E[log q - β log p] (power) or E[log q - log p_β], p_β the mixture of
    /// variance σp²/β (variance), and its gradient matches finite differences.
    func testTemperedTrainingLossBothModes() {
        let d = 2, n = 7
        let arch = FlowArchitecture(dim: d, couplingLayers: 3, hidden: [6, 5], lastLayerScale: 1.0)
        let target = GaussianMixtureTarget.symmetric(dim: d, mu: 2, rho: 0.3, sigma2: 0.8)
        for mode in TemperMode.allCases {
            let config = TrainingConfig(batch: n, beta0: 0.3, temperSteps: 10, temperMode: mode, temperShape: .exponential)
            let beta = config.beta(atStep: 1)
            XCTAssertEqual(beta, 0.3 + 0.7 * (1 - exp(-0.5)) / (1 - exp(-5.0)), accuracy: 1e-15)  // ≈ 0.578
            let trainer = ReverseKLTrainer(flow: RealNVP(arch, maskSeed: 11), target: target, config: config, seed: 5)
            var rng = Xoshiro256(seed: 3, stream: "fd-batch-tempered")
            let z = (0..<(n * d)).map { _ in rng.nextNormal() }
            func setBatch() { for i in 0..<(n * d) { trainer.base[i] = z[i] } }
            setBatch()
            let loss = trainer.lossAndGradient(rows: n, beta: beta, mode: mode)
            let analytic = trainer.grad.array
            // The loss from its definition: x = T(z), log q(x) by the inverse pass, log p directly.
            var x = [Double](repeating: 0, count: n * d), logq = [Double](repeating: 0, count: n)
            z.withUnsafeBufferPointer { zb in
                x.withUnsafeMutableBufferPointer { _ = trainer.evaluate(base: zb.baseAddress!, count: n, samples: $0.baseAddress!) }
            }
            x.withUnsafeBufferPointer { xb in
                logq.withUnsafeMutableBufferPointer { trainer.logDensity(points: xb.baseAddress!, count: n, into: $0.baseAddress!) }
            }
            func logMixture(_ p: ArraySlice<Double>, variance v: Double) -> Double {
                func comp(_ m: Double, _ w: Double) -> Double {
                    let r2 = (p[p.startIndex] - m) * (p[p.startIndex] - m) + p[p.startIndex + 1] * p[p.startIndex + 1]
                    return w * exp(-r2 / (2 * v)) / (2 * Double.pi * v)
                }
                return log(comp(2, 0.3) + comp(-2, 0.7))
            }
            var ref = 0.0
            for b in 0..<n {
                let xb = x[(b * d)..<((b + 1) * d)]
                ref += mode == .power ? logq[b] - beta * logMixture(xb, variance: 0.8) : logq[b] - logMixture(xb, variance: 0.8 / beta)
            }
            ref /= Double(n)
            XCTAssertEqual(loss.mean, ref, accuracy: 1e-10, "\(mode): loss")
            let p0 = trainer.params.array
            let fd = (0..<p0.count).map { i in
                derivative { h in
                    trainer.params[i] = p0[i] + h
                    defer { trainer.params[i] = p0[i] }
                    setBatch()
                    return trainer.lossAndGradient(rows: n, beta: beta, mode: mode).mean
                }
            }
            let e = relativeError(analytic, fd)
            XCTAssertLessThan(e, 1e-6, "\(mode)")
            print("tempered training loss d=2, \(mode), β = \(beta): \(p0.count) params, rel. error \(e), loss \(loss.mean) vs \(ref)")
        }
    }
}
