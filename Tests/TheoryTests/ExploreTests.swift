import Foundation
import XCTest
@testable import Theory

final class ExploreTests: XCTestCase {
    func testExplorePanels() throws {
        guard ProcessInfo.processInfo.environment["EXPLORE"] != nil else { return }
        let configs: [[(Double, Double, Int)]] = [
            [(0, 2, 8), (2, 6, 8), (6, 12, 8), (12, 20, 8), (20, 30, 4)],
            [(0, 2, 8), (2, 7, 8), (7, 16, 8), (16, 30, 4)],
            [(0, 2.5, 8), (2.5, 9, 8), (9, 30, 8)],
            [(0, 2, 8), (2, 8, 8), (8, 30, 8)],
            [(0, 2, 8), (2, 10, 8), (10, 30, 4)],
        ]
        var refs: [String: (Double, Double, Double)] = [:]
        for cfg in configs {
            let gi = GaussianIntegrals(panels: cfg, widePanels: cfg)
            var worst = 0.0, at = ""
            for S in [3.5, 3.7, 4.0, 5.0, 8.0, 15, 40] {
                for M in stride(from: -45.0 - 8 * S, through: 45.0 + 8 * S, by: 0.37 * max(1, S / 3)) {
                    let key = "\(M),\(S)"
                    if refs[key] == nil {
                        refs[key] = (try GaussianIntegralsTests.reference(M, S, GaussianIntegrals.logistic),
                                     try GaussianIntegralsTests.reference(M, S, GaussianIntegrals.softplus),
                                     try GaussianIntegralsTests.reference(M, S, GaussianIntegralsTests.sigmaPrime))
                    }
                    let r = refs[key]!
                    let v = gi.split(M, S, true)
                    let e = max(abs(v.sigma - r.0), abs(v.softplus - r.1), abs(v.dSigma - r.2))
                    if e > worst { worst = e; at = key }
                }
            }
            print("nodes \(cfg.map(\.2).reduce(0, +)) worst \(worst) at \(at)")
        }
    }
}
