import Foundation
import GSL
@testable import Theory

/// An independent reference: the reverse KL of the mixture in d = 2 by
/// nested adaptive quadrature on each component, computed from the densities
/// themselves (no reduction to 1-D integrals). With `beta` ≠ 1, the KL to
/// the power-tempered target p^β/Z_β, Z_β = ∫ p^β computed numerically (2-D
/// quadrature over a box holding all of its mass).
struct BruteForceKL {
    let target: Target
    let s: Double
    let tolerance: Double
    let beta: Double
    /// log Z_β (0 when β = 1).
    let logZ: Double

    init(target: Target, s: Double, tolerance: Double = 1e-13, beta: Double = 1) {
        self.target = target
        self.s = s
        self.tolerance = tolerance
        self.beta = beta
        logZ = beta == 1 ? 0 : log(Self.normalisation(target, beta: beta))
    }

    /// Z_β = ∫ p(x)^β dx over the box centre ± 12 standard deviations of p^β's components.
    static func normalisation(_ target: Target, beta: Double) -> Double {
        let logP = BruteForceKL(target: target, s: 1).logP
        let c = (target.muPlus + target.muMinus) / 2
        let r = 12 * (target.sigmaP2 / beta).squareRoot() + ((target.muPlus - target.muMinus) * (target.muPlus - target.muMinus)).sum().squareRoot()
        let outer = { (x1: Double) -> Double in
            let inner = { (x2: Double) -> Double in exp(beta * logP(SIMD2(x1, x2))) }
            return try! Quadrature.cquad(inner, c.y - r, c.y + r, absTol: 0, relTol: 1e-13).value
        }
        return try! Quadrature.cquad(outer, c.x - r, c.x + r, absTol: 0, relTol: 1e-12).value
    }

    static func logSumExp(_ a: Double, _ b: Double) -> Double {
        let m = max(a, b)
        return m + log(exp(a - m) + exp(b - m))
    }

    static func logNormal(_ x: SIMD2<Double>, _ m: SIMD2<Double>, _ v: Double) -> Double {
        let d = x - m
        return -(d * d).sum() / (2 * v) - log(2 * Double.pi * v)
    }

    func logQ(_ x: SIMD2<Double>, _ mp: SIMD2<Double>, _ mm: SIMD2<Double>, _ w: Double) -> Double {
        Self.logSumExp(log(w) + Self.logNormal(x, mp, s), log(1 - w) + Self.logNormal(x, mm, s))
    }

    func logP(_ x: SIMD2<Double>) -> Double {
        Self.logSumExp(log(target.rho) + Self.logNormal(x, target.muPlus, target.sigmaP2),
                       log(1 - target.rho) + Self.logNormal(x, target.muMinus, target.sigmaP2))
    }

    /// E_{φ_k}[log q - β log p] for the component centred at `center`: nested
    /// adaptive quadrature (GSL CQUAD) over z ∈ [-9, 9]², x = center + √s z.
    func componentTerm(_ center: SIMD2<Double>, _ mp: SIMD2<Double>, _ mm: SIMD2<Double>, _ w: Double) -> Double {
        let sd = s.squareRoot()
        let phi = { (z: Double) in exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() }
        let outer = { (z1: Double) -> Double in
            let inner = { (z2: Double) -> Double in
                let x = center + sd * SIMD2(z1, z2)
                return phi(z2) * (logQ(x, mp, mm, w) - beta * logP(x))
            }
            return phi(z1) * (try! Quadrature.cquad(inner, -9, 9, absTol: tolerance, relTol: 0).value)
        }
        return try! Quadrature.cquad(outer, -9, 9, absTol: tolerance, relTol: 0).value
    }

    /// L(m₊, m₋, w) = Σ_k w_k E_{φk}[log q - β log p] + log Z_β = KL(q ‖ p^β/Z_β).
    func kl(_ mp: SIMD2<Double>, _ mm: SIMD2<Double>, _ w: Double) -> Double {
        let l = w * componentTerm(mp, mp, mm, w) + (1 - w) * componentTerm(mm, mp, mm, w)
        return beta == 1 ? l : l + logZ
    }
}
