import CGSL
import Foundation
import XCTest
@testable import GSL

final class ODEDriverTests: XCTestCase {
    /// y'' = -y (as a 2-system) has the exact solution (cos t, -sin t).
    func harmonic() -> ODESystem {
        ODESystem(dimension: 2) { _, y, f in
            f[0] = y[1]
            f[1] = -y[0]
            return true
        }
    }

    func testEveryStepperFollowsTheExactSolution() throws {
        for stepper in ODEStepper.allCases where stepper != .rk2 {
            let driver = try ODEDriver(system: harmonic(), stepper: stepper,
                                       tolerances: ODETolerances(absolute: 1e-11, relative: 1e-11))
            var t = 0.0, y = [1.0, 0.0]
            for t1 in stride(from: 1.0, through: 10.0, by: 1.0) {
                try driver.advance(t: &t, to: t1, y: &y)
                XCTAssertEqual(t, t1, "\(stepper) must land on the grid")
                XCTAssertEqual(y[0], cos(t1), accuracy: 1e-7, "\(stepper)")
                XCTAssertEqual(y[1], -sin(t1), accuracy: 1e-7, "\(stepper)")
            }
        }
    }

    /// A stiff linear problem: msbdf with the (finite-difference) Jacobian takes
    /// few steps where an explicit method needs ~λ·T of them.
    func testStiffProblemWithImplicitStepper() throws {
        let lambda = 1e4
        let sys = ODESystem(dimension: 1) { t, y, f in
            f[0] = -lambda * (y[0] - cos(t))
            return true
        }
        let driver = try ODEDriver(system: sys, stepper: .msbdf, tolerances: ODETolerances(absolute: 1e-10, relative: 1e-8))
        var t = 0.0, y = [0.0]
        try driver.advance(t: &t, to: 100, y: &y)
        // Slow manifold: y ≈ cos t + sin t / λ.
        XCTAssertEqual(y[0], cos(100) + sin(100) / lambda, accuracy: 1e-6)
        XCTAssertLessThan(driver.steps, 5000)
        XCTAssertGreaterThan(sys.jacobianEvaluations, 0)
    }

    func testNonFiniteRightHandSideBecomesAFailureWithTimeAndState() throws {
        let sys = ODESystem(dimension: 1) { t, y, f in
            f[0] = t < 1 ? 1 : .nan
            return true
        }
        let driver = try ODEDriver(system: sys, stepper: .rkf45, tolerances: ODETolerances(absolute: 1e-8, relative: 1e-8))
        var t = 0.0, y = [0.0]
        do {
            try driver.advance(t: &t, to: 2, y: &y)
            XCTFail("expected a failure")
        } catch {
            XCTAssertEqual(error.code, Int32(GSL_EBADFUNC))
            XCTAssertLessThanOrEqual(error.t, 1)
            XCTAssertEqual(error.state.count, 1)
            XCTAssertTrue(error.description.contains("t = "))
        }
    }

    func testInvalidTolerancesAreRejected() {
        XCTAssertThrowsError(try ODEDriver(system: harmonic(), stepper: .rk8pd, tolerances: ODETolerances(absolute: 0, relative: 0)))
    }
}

final class QuadratureAndRootsTests: XCTestCase {
    func testAdaptiveQuadratureKnownIntegrals() throws {
        let g = try Quadrature.qagi({ exp(-$0 * $0) }, absTol: 1e-13)
        XCTAssertEqual(g.value, Double.pi.squareRoot(), accuracy: 1e-12)
        let k = try Quadrature.qagp({ abs($0) }, points: [-1, 0, 2], absTol: 1e-13)
        XCTAssertEqual(k.value, 2.5, accuracy: 1e-12)
        let c = try Quadrature.cquad({ $0 < 0.3 ? 0 : 1 }, 0, 1, absTol: 1e-10)
        XCTAssertEqual(c.value, 0.7, accuracy: 1e-8)
    }

    func testFixedRules() {
        let gl = FixedRule.gaussLegendre(10, 0, 2)
        XCTAssertEqual(zip(gl.nodes, gl.weights).reduce(0) { $0 + $1.1 * pow($1.0, 5) }, 64.0 / 6, accuracy: 1e-12)
        let gh = FixedRule.gaussHermiteNormal(20)
        // E z^4 = 3, E z^6 = 15 under N(0,1).
        XCTAssertEqual(zip(gh.nodes, gh.weights).reduce(0) { $0 + $1.1 * pow($1.0, 4) }, 3, accuracy: 1e-11)
        XCTAssertEqual(zip(gh.nodes, gh.weights).reduce(0) { $0 + $1.1 * pow($1.0, 6) }, 15, accuracy: 1e-10)
    }

    func testMultiRootAndEigen() throws {
        // x² + y² = 4, x = y  →  (√2, √2)
        let sol = try MultiRoot.solve([1, 0.5], residualTol: 1e-12) { x, f in
            f[0] = x[0] * x[0] + x[1] * x[1] - 4
            f[1] = x[0] - x[1]
            return true
        }
        XCTAssertEqual(sol.x[0], 2.0.squareRoot(), accuracy: 1e-10)
        XCTAssertEqual(sol.x[1], 2.0.squareRoot(), accuracy: 1e-10)
        // Rotation-plus-scaling matrix: eigenvalues 1 ± 2i, and a real -3.
        let ev = try Eigen.nonsymmetricEigenvalues([1, -2, 0, 2, 1, 0, 0, 0, -3], n: 3)
        XCTAssertEqual(ev.count, 3)
        XCTAssertEqual(ev[0].re, 1, accuracy: 1e-12)
        XCTAssertEqual(abs(ev[0].im), 2, accuracy: 1e-12)
        XCTAssertEqual(ev[2].re, -3, accuracy: 1e-12)
    }

    func testSpecialFunctions() {
        XCTAssertEqual(SpecialFunctions.normalP(0), 0.5)
        XCTAssertEqual(SpecialFunctions.normalQ(10), 7.61985302416047e-24, accuracy: 1e-36)
        XCTAssertEqual(SpecialFunctions.chiSquaredP(3.841458820694124, nu: 1), 0.95, accuracy: 1e-12)
    }
}
