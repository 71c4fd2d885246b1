import Foundation
import XCTest
@testable import Theory

/// The fixed-width interpolants (used for the target-side integrals) against
/// adaptive quadrature, and against the direct rules on a dense grid in M.
final class FixedWidthIntegralsTests: XCTestCase {
    static let widths: [Double] = [1.0001, 1.3, 2, 2.4999, 2.5, 3.7, 5, 7.07, 12, 30, 150]

    func testAgainstAdaptiveQuadrature() throws {
        var worst = 0.0, at = ""
        for S in Self.widths {
            let table = try XCTUnwrap(FixedWidthIntegrals(S: S))
            let bound = 32 + 8.3 * S
            // Panel edges, interiors and points beyond the tabulated range.
            for f in stride(from: -1.1, through: 1.1, by: 0.0737) {
                let M = f * bound
                let v = table.all(M)
                let ref = (try GaussianIntegralsTests.reference(M, S, GaussianIntegrals.logistic),
                           try GaussianIntegralsTests.reference(M, S, GaussianIntegrals.softplus),
                           try GaussianIntegralsTests.reference(M, S, GaussianIntegralsTests.sigmaPrime))
                let e = max(abs(v.sigma - ref.0), abs(v.softplus - ref.1), abs(v.dSigma - ref.2))
                if e > worst { worst = e; at = "M=\(M) S=\(S)" }
                XCTAssertEqual(table.sigma(M), v.sigma)
            }
        }
        print("fixed-width interpolants vs QAGP: max |error| \(worst) at \(at)")
        XCTAssertLessThan(worst, 1e-10)
    }

    /// Dense in M (every panel, many points each): the interpolant reproduces
    /// the direct rules (themselves within 1e-10 of QAGP) to near rounding;
    /// Isp, which grows like M, relative to its size.
    func testDenseAgainstDirectRules() throws {
        let direct = GaussianIntegrals()
        var worst = 0.0, at = ""
        for S in Self.widths {
            let table = try XCTUnwrap(FixedWidthIntegrals(S: S))
            let bound = 32 + 8.3 * S
            for i in 0...4000 {
                let M = -bound * 1.01 + 2.02 * bound * Double(i) / 4000
                let a = table.all(M), b = direct.all(M, S)
                let e = max(abs(a.sigma - b.sigma), abs(a.softplus - b.softplus) / max(1, abs(b.softplus)), abs(a.dSigma - b.dSigma))
                if e > worst { worst = e; at = "M=\(M) S=\(S)" }
            }
        }
        print("fixed-width interpolants vs direct rules: max |difference| \(worst) at \(at)")
        XCTAssertLessThan(worst, 5e-14)
    }

    func testOnlyInTheSplitRegime() {
        XCTAssertNil(FixedWidthIntegrals(S: 1))
        XCTAssertNil(FixedWidthIntegrals(S: 0.3))
        XCTAssertNil(FixedWidthIntegrals(S: .infinity))
        XCTAssertNotNil(FixedWidthIntegrals(S: 1.5))
    }

    /// The model tabulates R^p at its own S^p = √(sΔ²)/σp²; under variance
    /// tempering the flow differs from the untempered one while β < 1 (direct
    /// rules at the moved width) and equals it bit for bit once β = 1.
    func testModelTabulatesTheTargetSideAtItsOwnWidth() {
        let target = Target.symmetric(mu: 2)
        XCTAssertEqual(OverlapModel(ModelConfig(target: target, s: 0.25, weights: .trainable, d: 10)).targetIntegrals?.S ?? 0, 2,
                       accuracy: 1e-15)
        XCTAssertNil(OverlapModel(ModelConfig(target: Target.symmetric(mu: 0.4), weights: .trainable, d: 10)).targetIntegrals)
        let y = InitialCondition.random(tau: 1, theta: 0.2, sampler: .exact, seed: 3).state(target: target, d: 10).vector(trainable: true)
        let plain = OverlapModel(ModelConfig(target: target, weights: .trainable, d: 10))
        let tempered = OverlapModel(ModelConfig(target: target, weights: .trainable, tempering: .variance(BetaSchedule(beta0: 0.2, tau: 10)), d: 10))
        XCTAssertEqual(tempered.derivatives(10, y), plain.derivatives(10, y))
        XCTAssertNotEqual(tempered.derivatives(5, y), plain.derivatives(5, y))
    }
}
