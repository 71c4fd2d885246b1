import Foundation
import GSL
import Random
import XCTest
@testable import Theory

/// model.md test 2: the reduced gradients (∇m, ∂w) against finite differences
/// of a brute-force KL in d = 2, and against Monte Carlo in d = 100.
final class GradientTests: XCTestCase {
    struct Case {
        let target: Target, s: Double, w: Double, mp: SIMD2<Double>, mm: SIMD2<Double>
    }

    // General target: asymmetric ρ, μ₊ ≠ -μ₋, s ≠ σp². Close and far components
    // (the integrals' Hermite and split regimes).
    static let cases = [
        Case(target: Target(muPlus: [1.5, 0.4], muMinus: [-1.0, 0.8], rho: 0.35, sigmaP2: 1.2),
             s: 0.8, w: 0.6, mp: [0.7, -0.3], mm: [0.2, 0.4]),
        Case(target: Target(muPlus: [1.5, 0.4], muMinus: [-1.0, 0.8], rho: 0.35, sigmaP2: 1.2),
             s: 0.8, w: 0.3, mp: [2.5, 0.2], mm: [-2.0, 0.5]),
        Case(target: .symmetric(mu: 2), s: 1, w: 0.5, mp: [1.9, 0.1], mm: [-1.2, -0.4]),
    ]

    func testBruteForceReferenceHasConverged() {
        let c = Self.cases[1]
        let a = BruteForceKL(target: c.target, s: c.s, tolerance: 1e-10).kl(c.mp, c.mm, c.w)
        let b = BruteForceKL(target: c.target, s: c.s, tolerance: 1e-12).kl(c.mp, c.mm, c.w)
        XCTAssertEqual(a, b, accuracy: 1e-10)
    }

    /// Directional derivatives of the brute-force L along (m₊, m₋) jointly
    /// and along w (central differences, h = 1e-4: truncation ~1e-8 even for
    /// w = 0.3, quadrature noise ~1e-12/h ≈ 1e-8) against the reduced flow's ṁ± and ∂w L.
    func testReducedGradientsMatchFiniteDifferencesOfBruteForceKLInD2() {
        for (n, c) in Self.cases.prefix(2).enumerated() {
            let ref = BruteForceKL(target: c.target, s: c.s, tolerance: 1e-12)
            let config = ModelConfig(target: c.target, s: c.s, weights: .trainable, d: 2)
            let flow = VectorFlow(config)
            let theta = log(c.w / (1 - c.w))
            let y = [c.mp.x, c.mp.y, c.mm.x, c.mm.y, theta]
            let f = flow.derivatives(0, y)
            let h = 1e-4
            func L(_ mp: SIMD2<Double>, _ mm: SIMD2<Double>, _ w: Double) -> Double { ref.kl(mp, mm, w) }
            let vp = SIMD2<Double>(0.8, -0.6), vm = SIMD2<Double>(0.28, 0.96)  // unit directions
            // ṁ_k = -∇_{m_k} L, along the joint direction (vp, vm).
            let g = (L(c.mp + h * vp, c.mm + h * vm, c.w) - L(c.mp - h * vp, c.mm - h * vm, c.w)) / (2 * h)
            XCTAssertEqual(f[0] * vp.x + f[1] * vp.y + f[2] * vm.x + f[3] * vm.y, -g, accuracy: 1e-7, "case \(n): ∇m L")
            // θ̇ = -w(1-w) ∂w L
            let dw = (L(c.mp, c.mm, c.w + h) - L(c.mp, c.mm, c.w - h)) / (2 * h)
            XCTAssertEqual(flow.model.weightGradient(flow.overlaps(y)), dw, accuracy: 1e-7, "case \(n): ∂w L")
            XCTAssertEqual(f[4], -c.w * (1 - c.w) * dw, accuracy: 1e-7, "case \(n): θ̇")
            // The KL value itself (model.md, "Objective value").
            let kl = flow.model.observables(flow.overlaps(y)).kl
            XCTAssertEqual(kl, L(c.mp, c.mm, c.w), accuracy: 1e-10, "case \(n): KL")
        }
    }

    /// d = 100: ∇_{m_k} L = w_k E_{φk}[∇ₓ f], ∂w L = E_{φ+}[f] - E_{φ-}[f] by
    /// Monte Carlo, on projections, within 4 standard errors.
    func testReducedGradientsMatchMonteCarloInD100() {
        let d = 100, n = 4000
        let target = Target.symmetric(mu: 2, rho: 0.4)
        let s = 1.0, sp2 = 1.0, w = 0.3
        var rng = Xoshiro256(seed: 99, stream: "gradient-mc")
        var mp = [Double](repeating: 0, count: d), mm = mp
        for i in 0..<d { mp[i] = 0.3 * rng.nextNormal(); mm[i] = 0.3 * rng.nextNormal() }
        mp[0] += 1.2; mm[0] -= 0.4
        let flow = VectorFlow(ModelConfig(target: target, s: s, weights: .trainable, d: d))
        let y = mp + mm + [log(w / (1 - w))]
        let exact = flow.derivatives(0, y)
        let muP = flow.target(0), muM = flow.target(1)
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        func logsumexp(_ a: Double, _ b: Double) -> Double { let m = max(a, b); return m + log(exp(a - m) + exp(b - m)) }
        func sq(_ x: [Double], _ m: [Double]) -> Double { zip(x, m).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        let directions: [[Double]] = [mp, mm, muP, (0..<d).map { $0 == 5 ? 1.0 : 0.0 }]
        var x = [Double](repeating: 0, count: d), eps = x, grad = x
        var fMeans: [(Double, Double)] = []
        for (k, center) in [mp, mm].enumerated() {
            var projSum = [Double](repeating: 0, count: directions.count), projSq = projSum
            var fSum = 0.0, fSq = 0.0
            for _ in 0..<n {
                eps.withUnsafeMutableBufferPointer { rng.fillNormal($0) }
                for i in 0..<d { x[i] = center[i] + s.squareRoot() * eps[i] }
                let lqp = log(w) - sq(x, mp) / (2 * s), lqm = log(1 - w) - sq(x, mm) / (2 * s)
                let lpp = log(target.rho) - sq(x, muP) / (2 * sp2), lpm = log(1 - target.rho) - sq(x, muM) / (2 * sp2)
                let lq = logsumexp(lqp, lqm), lp = logsumexp(lpp, lpm)
                let f = lq - lp  // the (2π)^{d/2} constants cancel since s = σp²
                fSum += f; fSq += f * f
                let rq = exp(lqp - lq), rp = exp(lpp - lp)
                // ∇f = -Σ r^q_k (x - m_k)/s + Σ r^p_b (x - μ_b)/σp²
                for i in 0..<d {
                    grad[i] = -(rq * (x[i] - mp[i]) + (1 - rq) * (x[i] - mm[i])) / s
                        + (rp * (x[i] - muP[i]) + (1 - rp) * (x[i] - muM[i])) / sp2
                }
                for (j, dir) in directions.enumerated() {
                    let g = dot(grad, dir)
                    projSum[j] += g; projSq[j] += g * g
                }
            }
            let wk = k == 0 ? w : 1 - w
            let mdot = Array(exact[(k * d)..<((k + 1) * d)])
            for j in directions.indices {
                let mean = projSum[j] / Double(n)
                let se = ((projSq[j] / Double(n) - mean * mean) / Double(n)).squareRoot()
                let mc = -wk * mean, ex = dot(mdot, directions[j])
                XCTAssertLessThan(abs(mc - ex), 4 * wk * se + 1e-12, "component \(k), direction \(j): MC \(mc) ± \(wk * se), exact \(ex)")
            }
            let fm = fSum / Double(n)
            fMeans.append((fm, ((fSq / Double(n) - fm * fm) / Double(n)).squareRoot()))
        }
        let dwMC = fMeans[0].0 - fMeans[1].0
        let se = (fMeans[0].1 * fMeans[0].1 + fMeans[1].1 * fMeans[1].1).squareRoot()
        let dwExact = flow.model.weightGradient(flow.overlaps(y))
        XCTAssertLessThan(abs(dwMC - dwExact), 4 * se, "∂w L: MC \(dwMC) ± \(se), exact \(dwExact)")
    }
}
