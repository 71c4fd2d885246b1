import Foundation
import GSL
import XCTest
@testable import Theory

/// model.md test 1: Iσ, Isp, ∂M Iσ against adaptive quadrature (GSL QAGP in
/// z, with a break point at the kink z = -M/S), independent of the fast rules.
final class GaussianIntegralsTests: XCTestCase {
    static func reference(_ M: Double, _ S: Double, _ g: (Double) -> Double) throws -> Double {
        if S == 0 { return g(M) }
        let phi = { (z: Double) in exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() }
        // Break points: the kink of σ at u = 0 (z = -M/S), and a fixed partition
        // so that QAGP's pieces stay smooth and short.
        var pts: [Double] = [-14, -9, -6, -4, -2.5, -1.5, -0.75, 0, 0.75, 1.5, 2.5, 4, 6, 9, 14]
        let kink = -M / S
        if abs(kink) < 13.9, !pts.contains(where: { abs($0 - kink) < 1e-3 }) { pts.append(kink) }
        for w in [2.0, 5, 12, 25] {  // σ's transition has width ~1/S in z
            for k in [kink - w / S, kink + w / S] where abs(k) < 13.9 && !pts.contains(where: { abs($0 - k) < 1e-3 }) {
                pts.append(k)
            }
        }
        pts.sort()
        // As tight as QAGP can deliver (it reports a roundoff error when the
        // request is beyond double precision; then ask a little less).
        var lastError: Error?
        for (a, r) in [(1e-14, 1e-14), (1e-13, 1e-14), (1e-13, 5e-14), (1e-12, 1e-13)] {
            do { return try Quadrature.qagp({ z in g(M + S * z) * phi(z) }, points: pts, absTol: a, relTol: r).value } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    static func sigmaPrime(_ u: Double) -> Double {
        let s = GaussianIntegrals.logistic(u)
        return s * (1 - s)
    }

    static let ms: [Double] = [-200, -120, -60, -35, -20, -12, -7, -4, -2, -1, -0.3, 0, 0.2, 0.9, 1.7, 3, 5, 8, 13, 21, 33, 50, 80, 140, 200]
    static let ss: [Double] = [0, 1e-3, 0.1, 0.5, 1, 0.99, 1.0, 1.0001, 1.5, 1.7, 2, 2.7, 3.5, 5, 7, 10, 14, 20, 30, 45, 70, 100, 150, 200]

    func testAgainstAdaptiveQuadratureOnGrid() throws {
        let gi = GaussianIntegrals()
        var worst = (0.0, 0.0, 0.0)
        var at = ["", "", ""]
        for M in Self.ms {
            for S in Self.ss {
                let v = gi.all(M, S)
                let rs = try Self.reference(M, S, GaussianIntegrals.logistic)
                let rp = try Self.reference(M, S, GaussianIntegrals.softplus)
                let rd = try Self.reference(M, S, Self.sigmaPrime)
                let e = (abs(v.sigma - rs), abs(v.softplus - rp), abs(v.dSigma - rd))
                if e.0 > worst.0 { worst.0 = e.0; at[0] = "M=\(M) S=\(S)" }
                if e.1 > worst.1 { worst.1 = e.1; at[1] = "M=\(M) S=\(S)" }
                if e.2 > worst.2 { worst.2 = e.2; at[2] = "M=\(M) S=\(S)" }
                XCTAssertEqual(gi.sigma(M, S), v.sigma, "sigma-only path differs at M=\(M) S=\(S)")
            }
        }
        print("max |error|: Iσ \(worst.0) at \(at[0]); Isp \(worst.1) at \(at[1]); ∂M Iσ \(worst.2) at \(at[2])")
        XCTAssertLessThan(worst.0, 1e-10)
        XCTAssertLessThan(worst.1, 1e-10)
        XCTAssertLessThan(worst.2, 1e-10)
    }

    /// Random (M, S) pairs, denser where the remainder matters (|M| ≲ L + 8S).
    func testAgainstAdaptiveQuadratureRandomPoints() throws {
        let gi = GaussianIntegrals()
        var worst = 0.0
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        for _ in 0..<300 {
            let S = pow(10, -2 + 4.3 * uniform())  // 0.01 … 200
            let M = (uniform() * 2 - 1) * min(200, 40 + 9 * S)
            let v = gi.all(M, S)
            worst = max(worst, abs(v.sigma - (try Self.reference(M, S, GaussianIntegrals.logistic))))
            worst = max(worst, abs(v.softplus - (try Self.reference(M, S, GaussianIntegrals.softplus))))
            worst = max(worst, abs(v.dSigma - (try Self.reference(M, S, Self.sigmaPrime))))
        }
        print("random points: max |error| \(worst)")
        XCTAssertLessThan(worst, 1e-10)
    }

    func testSymmetries() {
        let gi = GaussianIntegrals()
        for (M, S) in [(0.7, 3.0), (-4.0, 0.9), (12.0, 20.0)] {
            XCTAssertEqual(gi.sigma(M, S) + gi.sigma(-M, S), 1, accuracy: 1e-13)
            XCTAssertEqual(gi.all(M, S).softplus - gi.all(-M, S).softplus, M, accuracy: 1e-12)
        }
    }
}
