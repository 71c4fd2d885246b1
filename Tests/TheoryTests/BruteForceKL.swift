import Foundation
import GSL
@testable import Theory

/// An independent reference: the reverse KL of the mixture in d = 2 by a
/// tensor Gauss–Hermite rule on each component, computed from the densities
/// themselves (no reduction to 1-D integrals).
struct BruteForceKL {
    let target: Target
    let s: Double
    let tolerance: Double

    init(target: Target, s: Double, tolerance: Double = 1e-13) {
        self.target = target
        self.s = s
        self.tolerance = tolerance
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

    /// E_{φ_k}[log q - log p] for the component centred at `center`: nested
    /// adaptive quadrature (GSL CQUAD) over z ∈ [-9, 9]², x = center + √s z.
    func componentTerm(_ center: SIMD2<Double>, _ mp: SIMD2<Double>, _ mm: SIMD2<Double>, _ w: Double) -> Double {
        let sd = s.squareRoot()
        let phi = { (z: Double) in exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() }
        let outer = { (z1: Double) -> Double in
            let inner = { (z2: Double) -> Double in
                let x = center + sd * SIMD2(z1, z2)
                return phi(z2) * (logQ(x, mp, mm, w) - logP(x))
            }
            return phi(z1) * (try! Quadrature.cquad(inner, -9, 9, absTol: tolerance, relTol: 0).value)
        }
        return try! Quadrature.cquad(outer, -9, 9, absTol: tolerance, relTol: 0).value
    }

    /// L(m₊, m₋, w) = Σ_k w_k E_{φk}[log q - log p].
    func kl(_ mp: SIMD2<Double>, _ mm: SIMD2<Double>, _ w: Double) -> Double {
        w * componentTerm(mp, mp, mm, w) + (1 - w) * componentTerm(mm, mp, mm, w)
    }
}
