import Foundation
import GSL
import XCTest
@testable import Theory

/// model.md "Extensions": the tempered gradients (power p^β and variance
/// σp²/β; fixed and trainable weights) against central finite differences of
/// the brute-force KL(q ‖ p_β) in d = 2 (p_β = p^β/Z_β with Z_β by 2-D
/// quadrature, or the mixture of variance σp²/β), through a schedule at a
/// time inside its ramp. The vector flow, and (trainable weights, full
/// gradient) the overlap ODE's right-hand side (ȧ_kb = ṁ_k·μ_b,
/// Q̇_kl = ṁ_k·m_l + ṁ_l·m_k, θ̇) are checked.
final class TemperedGradientTests: XCTestCase {
    let target = Target(muPlus: [1.5, 0.4], muMinus: [-1.0, 0.8], rho: 0.35, sigmaP2: 1.2)
    let s = 0.8, w = 0.6
    let mp = SIMD2<Double>(0.7, -0.3), mm = SIMD2<Double>(0.2, 0.4)
    /// Geometric schedule, β₀ = 0.2, τ = 10, at t = 4: β = 0.2^0.6 ≈ 0.381.
    let schedule = BetaSchedule(beta0: 0.2, tau: 10, shape: .geometric)
    let t = 4.0

    func testLogZIsOneAtBetaOneAndClosedFormForOneComponent() {
        XCTAssertEqual(BruteForceKL.normalisation(target, beta: 1), 1, accuracy: 1e-11)
        // For coinciding modes p = N(μ, σ²I) and ∫ p^β = (2πσ²)^{1-β} / β in d = 2.
        let one = Target(muPlus: [0.5, 0.5], muMinus: [0.5, 0.5], rho: 0.3, sigmaP2: 1.2)
        let b = 0.37
        XCTAssertEqual(BruteForceKL.normalisation(one, beta: b), pow(2 * Double.pi * 1.2, 1 - b) / b, accuracy: 1e-10)
    }

    func check(power: Bool, trainable: Bool) {
        let beta = schedule.beta(t)
        XCTAssertEqual(beta, pow(0.2, 0.6), accuracy: 1e-15)
        // The reference KL(q ‖ p_β): p^β/Z_β, or the mixture with variance σp²/β.
        let ref = power
            ? BruteForceKL(target: target, s: s, tolerance: 1e-12, beta: beta)
            : BruteForceKL(target: Target(muPlus: target.muPlus, muMinus: target.muMinus, rho: target.rho,
                                          sigmaP2: target.sigmaP2 / beta), s: s, tolerance: 1e-12)
        let tempering: Tempering = power ? .power(schedule) : .variance(schedule)
        let config = ModelConfig(target: target, s: s, weights: trainable ? .trainable : .fixed(w), tempering: tempering, d: 2)
        let flow = VectorFlow(config)
        let y = [mp.x, mp.y, mm.x, mm.y] + (trainable ? [log(w / (1 - w))] : [0])
        let f = flow.derivatives(t, y)
        let h = 1e-4
        let label = "\(power ? "power" : "variance"), \(trainable ? "trainable" : "fixed") weights"
        // Tempering changes the gradient: the untempered one differs by far more than the tolerance.
        let plain = VectorFlow(ModelConfig(target: target, s: s, weights: trainable ? .trainable : .fixed(w), d: 2)).derivatives(t, y)
        XCTAssertGreaterThan(zip(plain.prefix(4), f.prefix(4)).map { abs($0 - $1) }.max()!, 1e-2, label)
        guard trainable else {
            // Fixed weights (the same ṁ formula): one joint direction, to keep the suite fast.
            let vp = SIMD2<Double>(0.8, -0.6), vm = SIMD2<Double>(0.28, 0.96)
            let g = (ref.kl(mp + h * vp, mm + h * vm, w) - ref.kl(mp - h * vp, mm - h * vm, w)) / (2 * h)
            XCTAssertEqual(f[0] * vp.x + f[1] * vp.y + f[2] * vm.x + f[3] * vm.y, -g, accuracy: 1e-7, "\(label): ∇m L")
            XCTAssertEqual(f[4], 0)
            return
        }
        // ∇_{m±} L by central differences, coordinate by coordinate.
        var g = [Double](repeating: 0, count: 4)
        for i in 0..<4 {
            var e = [Double](repeating: 0, count: 4)
            e[i] = h
            let up = ref.kl(mp + SIMD2(e[0], e[1]), mm + SIMD2(e[2], e[3]), w)
            let dn = ref.kl(mp - SIMD2(e[0], e[1]), mm - SIMD2(e[2], e[3]), w)
            g[i] = (up - dn) / (2 * h)
        }
        for i in 0..<4 { XCTAssertEqual(f[i], -g[i], accuracy: 1e-7, "\(label): ṁ component \(i)") }
        // θ̇ = -w(1-w) ∂w L.
        let dw = (ref.kl(mp, mm, w + h) - ref.kl(mp, mm, w - h)) / (2 * h)
        XCTAssertEqual(f[4], -w * (1 - w) * dw, accuracy: 1e-7, "\(label): θ̇")
        // The overlap ODE: ȧ_kb = ṁ_k·μ_b, Q̇_kl = ṁ_k·m_l + ṁ_l·m_k with ṁ = -∇L.
        let mdP = SIMD2(-g[0], -g[1]), mdM = SIMD2(-g[2], -g[3])
        func dot(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double { (a * b).sum() }
        let want = [dot(mdP, target.muPlus), dot(mdP, target.muMinus), dot(mdM, target.muPlus), dot(mdM, target.muMinus),
                    2 * dot(mdP, mp), dot(mdP, mm) + dot(mdM, mp), 2 * dot(mdM, mm), -w * (1 - w) * dw]
        let ode = flow.model.derivatives(t, flow.overlaps(y))
        XCTAssertEqual(ode.count, want.count)
        for i in want.indices { XCTAssertEqual(ode[i], want[i], accuracy: 1e-6, "\(label): overlap ODE component \(i)") }
    }

    func testPowerTemperingFixedWeights() { check(power: true, trainable: false) }
    func testPowerTemperingTrainableWeights() { check(power: true, trainable: true) }
    func testVarianceTemperingFixedWeights() { check(power: false, trainable: false) }
    func testVarianceTemperingTrainableWeights() { check(power: false, trainable: true) }
}
