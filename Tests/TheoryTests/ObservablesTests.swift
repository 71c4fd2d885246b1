import Foundation
import GSL
import XCTest
@testable import Theory

/// The q-mass on each target mode against 2-D quadrature of the densities
/// (d = 2, independent of the 1-D reduction). The masses are accurate in
/// absolute terms (like the integrals, ~1e-12), not relative to a tiny mass:
/// mass₋ = 1 - mass₊, and Iσ's far tail is not resolved relatively either.
final class ObservablesTests: XCTestCase {
    /// mass₋ = Σ_k w_k E_{φk}[r₋(x)], r₋ = (1-ρ) N(x; μ₋, σp²) / p(x), by nested CQUAD.
    static func referenceMassMinus(_ target: Target, s: Double, mp: SIMD2<Double>, mm: SIMD2<Double>, w: Double) -> Double {
        let kl = BruteForceKL(target: target, s: s)
        let sd = s.squareRoot()
        let phi = { (z: Double) in exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() }
        func component(_ center: SIMD2<Double>) -> Double {
            let outer = { (z1: Double) -> Double in
                let inner = { (z2: Double) -> Double in
                    let x = center + sd * SIMD2(z1, z2)
                    let logRMinus = log(1 - target.rho) + BruteForceKL.logNormal(x, target.muMinus, target.sigmaP2) - kl.logP(x)
                    return phi(z2) * exp(logRMinus)
                }
                return phi(z1) * (try! Quadrature.cquad(inner, -9, 9, absTol: 0, relTol: 1e-11).value)
            }
            return try! Quadrature.cquad(outer, -9, 9, absTol: 0, relTol: 1e-10).value
        }
        return w * component(mp) + (1 - w) * component(mm)
    }

    func testMassesAgainstQuadrature() {
        let target = Target(muPlus: [3, 0.5], muMinus: [-2.5, 0.2], rho: 0.4, sigmaP2: 1.2)
        let far = Target.symmetric(mu: 4.5)
        let cases: [(Target, Double, SIMD2<Double>, SIMD2<Double>, Double, String)] = [
            (target, 0.8, [0.3, 0.1], [-1, 0.4], 0.6, "spread"),
            (target, 0.8, [3.1, 0.4], [2.8, 0.6], 0.5, "collapsed on μ₊"),
            (target, 0.8, [3.4, 0.5], [3.2, 0.45], 0.9, "collapsed on μ₊, further out"),
            (far, 0.3, [4.6, 0.1], [4.4, -0.1], 0.5, "collapsed, mass₋ ≈ 7e-13"),
        ]
        for (target, s, mp, mm, w, label) in cases {
            let y = OverlapState(target: target, cPlus: mp, cMinus: mm, uPP: 0, uPM: 0, uMM: 0, theta: log(w / (1 - w)))
            let model = OverlapModel(ModelConfig(target: target, s: s, weights: .trainable, d: 2))
            let o = model.observables(y.vector(trainable: true))
            let ref = Self.referenceMassMinus(target, s: s, mp: mp, mm: mm, w: w)
            print("\(label): mass₋ = \(o.massMinus), quadrature \(ref)")
            XCTAssertEqual(o.massMinus, ref, accuracy: 2e-12, label)
            XCTAssertEqual(o.massPlus, 1 - ref, accuracy: 2e-12, label)
        }
    }
}
