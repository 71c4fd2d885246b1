import Foundation
import GSL
import XCTest
@testable import Theory

/// On-axis fixed points of the symmetric fixed-weight
/// system, continued in |μ| to the fold, with Jacobian eigenvalues.
final class FixedPointTests: XCTestCase {
    func testAlignedBranchEndsInAFoldBetween2And2point5() throws {
        let fp = AxisFixedPoints()
        let (branch, fold) = try fp.continueToFold(from: 4, guess: [4.2, 3.8], step: 0.05)
        print("fold: |μ|_c ∈ [\(fold.lo), \(fold.hi)], α = \(fold.x / fold.hi), \(branch.count) branch points")
        XCTAssertGreaterThan(fold.hi, 2)
        XCTAssertLessThan(fold.hi, 2.5)
        XCTAssertLessThan(fold.hi - fold.lo, 1e-6)
        // Independent: the extended system F = 0, det J = 0.
        let ext = try fp.foldByExtendedSystem(guess: fold.x, mu: fold.hi)
        print("extended system: |μ|_c = \(ext.mu)")
        XCTAssertEqual(ext.mu, fold.hi, accuracy: 1e-6)
        // Along the branch: a stable node (both eigenvalues negative) whose
        // leading eigenvalue tends to 0 at the fold.
        for p in branch {
            XCTAssertLessThan(p.eigenvalues[0].re, 0, "unstable at |μ| = \(p.mu)")
            XCTAssertGreaterThan(p.alpha.y, 0)
            XCTAssertLessThan(simd_distance(fp.field(p.x, mu: p.mu), .zero), 1e-12)
        }
        let nearFold = try Eigen.nonsymmetricEigenvalues(fp.jacobian(fold.x, mu: fold.hi), n: 2)
        XCTAssertLessThan(abs(nearFold[0].re), 1e-3)
    }

    /// The branch agrees with the ODE: integrating the overlap system from
    /// near the aligned point just above the fold converges to it; just below
    /// the fold one mean escapes.
    func testBranchAgreesWithTheODE() throws {
        let fp = AxisFixedPoints()
        let (branch, fold) = try fp.continueToFold(from: 3, guess: [3.2, 2.8], step: 0.1, foldTol: 1e-5)
        func run(mu: Double, start: SIMD2<Double>) throws -> Observables {
            let target = Target.symmetric(mu: mu)
            let model = OverlapModel(ModelConfig(target: target, weights: .fixed(0.5), d: 5))
            let y0 = InitialCondition.fixed(cPlus: [start.x, 0], cMinus: [start.y, 0], orthogonal: .absolute(plus: 0, minus: 0, cross: 0), theta: 0)
                .state(target: target, d: 5).vector(trainable: false)
            return model.observables(try OverlapIntegrator(model: model, settings: SolverSettings()).finalState(y0, end: 1e5))
        }
        let p = branch.last { $0.mu > fold.hi + 0.04 }!
        let above = p.mu, x = p.x
        let o = try run(mu: above, start: x * 1.01)
        XCTAssertEqual(o.alphaPlus, x.x / above, accuracy: 1e-6)
        XCTAssertEqual(o.alphaMinus, x.y / above, accuracy: 1e-6)
        let below = try run(mu: fold.lo - 0.05, start: fold.x)
        XCTAssertLessThan(min(below.alphaPlus, below.alphaMinus), -0.5, "below the fold a mean must escape")
    }
}

final class FixedPointCancellationTests: XCTestCase {
    /// A continuation with a tiny step (millions of iterations) stops soon
    /// after cancellation is requested.
    func testContinuationStopsWhenCancelled() {
        let fp = AxisFixedPoints(rho: 0.5, sigmaP2: 1, s: 1, w: 0.5)
        let started = Date()
        XCTAssertThrowsError(try fp.continueToFold(from: 4, guess: [4.2, 3.8], step: 1e-7, foldTol: 1e-8,
                                                   cancelled: { Date().timeIntervalSince(started) > 0.2 })) { error in
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }
}
