import Foundation
import XCTest
@testable import Theory

final class ExploreTests: XCTestCase {
    func testExploreRegimes() throws {
        guard ProcessInfo.processInfo.environment["EXPLORE"] != nil else { return }
        let gi = GaussianIntegrals()
        for S in [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0] {
            var eh = 0.0, es = 0.0
            for M in stride(from: -30.0, through: 30.0, by: 0.37) {
                let rs = try GaussianIntegralsTests.reference(M, S, GaussianIntegrals.logistic)
                let rd = try GaussianIntegralsTests.reference(M, S, GaussianIntegralsTests.sigmaPrime)
                let h = gi.hermite(M, S, true), p = gi.split(M, S, true)
                eh = max(eh, abs(h.sigma - rs), abs(h.dSigma - rd))
                es = max(es, abs(p.sigma - rs), abs(p.dSigma - rd))
            }
            print("S=\(S) hermite \(eh) split \(es)")
        }
    }
}
