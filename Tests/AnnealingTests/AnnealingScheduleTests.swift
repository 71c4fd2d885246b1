import Foundation
import XCTest
import Annealing

/// The schedule shapes against their definitions, evaluated directly.
final class AnnealingScheduleTests: XCTestCase {
    let beta0s = [1e-3, 0.03, 0.1, 0.3, 0.45, 0.5, 0.7, 0.999]
    let taus = [1e-2, 1, 7, 100, 2500]

    func testEndpointsAndHold() {
        for shape in AnnealingShape.allCases {
            for b0 in beta0s {
                for tau in taus {
                    let s = AnnealingSchedule(beta0: b0, tau: tau, shape: shape)
                    XCTAssertEqual(s.beta(0), b0, "\(shape) β(0), β₀ \(b0), τ \(tau)")
                    XCTAssertEqual(s.beta(-1), b0, "\(shape) before 0")
                    XCTAssertEqual(s.beta(tau), 1, "\(shape) β(τ), β₀ \(b0), τ \(tau)")
                    for t in [tau * (1 + 1e-12), tau + 1, 3 * tau, 1e300] {
                        XCTAssertEqual(s.beta(t), 1, "\(shape) held at 1 after τ (t = \(t))")
                    }
                }
            }
        }
    }

    func testBetaZeroOneIsExactlyOne() {
        for shape in AnnealingShape.allCases {
            let s = AnnealingSchedule(beta0: 1, tau: 10, shape: shape)
            for t in [-1.0, 0, 1e-9, 0.3, 5, 10, 11] { XCTAssertEqual(s.beta(t), 1) }
        }
        for t in [0.0, 0.5, 2] { XCTAssertEqual(AnnealingSchedule.constant.beta(t), 1) }
    }

    func testMonotoneAndInRange() {
        for shape in AnnealingShape.allCases {
            for b0 in beta0s {
                let tau = 7.0, s = AnnealingSchedule(beta0: b0, tau: tau, shape: shape)
                var last = s.beta(0)
                for k in 1...2000 {
                    let b = s.beta(tau * 1.1 * Double(k) / 2000)
                    XCTAssertGreaterThanOrEqual(b, last, "\(shape), β₀ \(b0), step \(k)")
                    XCTAssertTrue(b >= b0 && b <= 1)
                    last = b
                }
            }
        }
    }

    /// The linear shape is the project's former formula, bit for bit.
    func testLinearIsTheFormerFormula() {
        for b0 in beta0s + [1] {
            for tau in taus {
                let s = AnnealingSchedule(beta0: b0, tau: tau)  // default shape: linear
                XCTAssertEqual(s.shape, .linear)
                for k in -3...40 {
                    let t = tau * Double(k) / 31
                    let old = b0 == 1 ? 1 : b0 + (1 - b0) * min(max(t / tau, 0), 1)
                    XCTAssertEqual(s.beta(t).bitPattern, old.bitPattern)
                }
            }
        }
    }

    /// Geometric and exponential against direct evaluation of their
    /// definitions (plain exp and log, other algebraic forms)
    /// and constant.
    func testShapesAgainstDirectEvaluation() {
        let a = AnnealingSchedule.exponentialRate
        XCTAssertEqual(a, 5)
        for b0 in [0.01, 0.2, 0.6] {
            let tau = 40.0
            let g = AnnealingSchedule(beta0: b0, tau: tau, shape: .geometric)
            let e = AnnealingSchedule(beta0: b0, tau: tau, shape: .exponential)
            let c = AnnealingSchedule(beta0: b0, tau: tau, shape: .constant)
            for t in [1.0, 10, 20, 33.3, 39.99] {
                let x = t / tau
                // geometric: exp((1 - x) log β₀)
                XCTAssertEqual(g.beta(t), exp((1 - x) * log(b0)), accuracy: 1e-14)
                // exponential: 1 - (1 - β₀)(e^{-a x} - e^{-a})/(1 - e^{-a})
                XCTAssertEqual(e.beta(t), 1 - (1 - b0) * (exp(-a * x) - exp(-a)) / (1 - exp(-a)), accuracy: 1e-14)
                XCTAssertEqual(c.beta(t), b0)
            }
            // Hand values at the midpoint: √β₀, and β₀ + (1-β₀)/(1 + e^{-a/2}).
            XCTAssertEqual(g.beta(20), b0.squareRoot(), accuracy: 1e-15)
            XCTAssertEqual(e.beta(20), b0 + (1 - b0) / (1 + exp(-a / 2)), accuracy: 1e-15)
        }
        // A point by hand: β₀ = 0.04, τ = 10, t = 5: geometric 0.2; exponential
        // 0.04 + 0.96·(1 - e^{-2.5})/(1 - e^{-5}) = 0.927176…
        XCTAssertEqual(AnnealingSchedule(beta0: 0.04, tau: 10, shape: .geometric).beta(5), 0.2, accuracy: 1e-15)
        XCTAssertEqual(AnnealingSchedule(beta0: 0.04, tau: 10, shape: .exponential).beta(5),
                       0.04 + 0.96 * (1 - exp(-2.5)) / (1 - exp(-5)), accuracy: 1e-15)
    }

    func testShapeNames() {
        XCTAssertEqual(AnnealingShape.allCases.map(\.rawValue), ["constant", "linear", "exponential", "geometric"])
    }
}
