import Foundation
import GSL
import Random
import XCTest
@testable import Theory

final class SamplerTests: XCTestCase {
    /// Kolmogorov–Smirnov statistic of a sample against a CDF.
    static func ks(_ xs: [Double], _ cdf: (Double) -> Double) -> Double {
        let s = xs.sorted(), n = Double(s.count)
        var dmax = 0.0
        for (i, x) in s.enumerated() {
            let f = cdf(x)
            dmax = max(dmax, abs(f - Double(i) / n), abs(Double(i + 1) / n - f))
        }
        return dmax
    }

    /// Two-sample KS statistic.
    static func ks2(_ a: [Double], _ b: [Double]) -> Double {
        let a = a.sorted(), b = b.sorted()
        var i = 0, j = 0, dmax = 0.0
        while i < a.count && j < b.count {
            if a[i] <= b[j] { i += 1 } else { j += 1 }
            dmax = max(dmax, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
        }
        return dmax
    }

    /// χ² variates (Marsaglia–Tsang) against GSL's χ² CDF, small and large ν.
    func testChiSquaredMatchesGSLCDF() {
        var rng = Xoshiro256(seed: 17, stream: "chi2-test")
        let n = 20_000
        let critical = 1.63 / Double(n).squareRoot()  // KS 1% level
        for nu in [1, 2, 3, 7, 50, 1000] {
            let xs = (0..<n).map { _ in rng.nextChiSquared(nu) }
            let d = Self.ks(xs) { SpecialFunctions.chiSquaredP($0, nu: Double(nu)) }
            XCTAssertLessThan(d, critical, "χ²_\(nu): KS \(d)")
        }
        XCTAssertEqual(rng.nextChiSquared(0), 0)
    }

    /// The exact (Bartlett) statistics have the law of the vectors' overlaps
    /// (two-sample KS at d = 3 and 5, symmetric and rank-2 targets).
    func testBartlettLawMatchesVectorSampling() {
        let n = 3000
        // Two-sample KS at the 0.1% level for the whole family of 21 comparisons
        // (Bonferroni: α = 0.001/21 each, c(α) = √(−ln(α/2)/2) = 2.31).
        let critical = 2.31 / (Double(n) / 2).squareRoot()
        for (target, d) in [(Target.symmetric(mu: 2), 3), (Target.symmetric(mu: 2), 5),
                            (Target(muPlus: [1, 0.5], muMinus: [-1, 1], rho: 0.5, sigmaP2: 1), 5)] {
            var exact: [[Double]] = [], vectors: [[Double]] = []
            for seed in 0..<n {
                exact.append(InitialCondition.random(tau: 1.3, theta: 0, sampler: .exact, seed: UInt64(seed)).state(target: target, d: d).vector(trainable: false))
                vectors.append(InitialCondition.random(tau: 1.3, theta: 0, sampler: .vectors, seed: UInt64(n + seed)).state(target: target, d: d).vector(trainable: false))
            }
            for i in 0..<7 {
                let k = Self.ks2(exact.map { $0[i] }, vectors.map { $0[i] })
                XCTAssertLessThan(k, critical, "d = \(d), \(OverlapState.names[i]): KS \(k)")
            }
        }
    }

    func testFastExpMatchesExp() {
        var rng = Xoshiro256(seed: 1, stream: "exp")
        var worst = 0.0
        for _ in 0..<100_000 {
            let x = -700 * rng.nextDouble() * rng.nextDouble()
            worst = max(worst, abs(expNonPositive(x) / exp(x) - 1))
        }
        XCTAssertLessThan(worst, 1e-15)
        XCTAssertEqual(expNonPositive(0), 1)
    }

    func testRandomStartsAreSeededAndSharedAcrossWeightModes() {
        let t = Target.symmetric(mu: 2)
        let a = InitialCondition.random(tau: 1, theta: 0, sampler: .exact, seed: 4).state(target: t, d: 1000)
        let b = InitialCondition.random(tau: 1, theta: 0, sampler: .exact, seed: 4).state(target: t, d: 1000)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.vector(trainable: false), Array(a.vector(trainable: true).prefix(7)))
        XCTAssertNotEqual(a, InitialCondition.random(tau: 1, theta: 0, sampler: .exact, seed: 5).state(target: t, d: 1000))
    }

    /// Per-cell draws: a seed's start is a fresh draw in every (d, |μ|) cell.
    /// The event fig4's fixed-weight plateau is about (both means on the
    /// same side) then agrees between two cells for about half the seeds, as
    /// for independent draws, where one sample reused across cells would
    /// agree for all of them.
    func testRandomStartsAreIndependentAcrossCells() {
        let n = 2000
        func sameSide(_ mu: Double, _ d: Int) -> [Bool] {
            (0..<n).map { k in
                let st = InitialCondition.random(tau: 1, theta: 0, sampler: .exact, seed: UInt64(k)).state(target: .symmetric(mu: mu), d: d)
                return st.aPP * st.aMP > 0
            }
        }
        let base = sameSide(2.5, 1000)
        for (mu, d) in [(2.5, 2000), (3.5, 1000), (2.5000000000000004, 1000)] {
            let other = sameSide(mu, d)
            let agree = Double(zip(base, other).filter { $0 == $1 }.count) / Double(n)
            // 1/2 ± 4.5 standard deviations (0.011 at n = 2000).
            XCTAssertEqual(agree, 0.5, accuracy: 0.05, "|μ| = \(mu), d = \(d)")
        }
        XCTAssertEqual(base, sameSide(2.5, 1000))
    }

    func testTheStreamLabelEncodesTheCellExactly() {
        XCTAssertEqual(InitialCondition.stream(target: .symmetric(mu: 3), d: 1000),
                       "theory.init d=1000 target=4008000000000000,0000000000000000,c008000000000000,0000000000000000,3fe0000000000000,3ff0000000000000")
        // −0 and +0 are the same target, hence the same cell.
        XCTAssertEqual(InitialCondition.stream(target: Target(muPlus: [3, -0.0], muMinus: [-3, 0]), d: 7),
                       InitialCondition.stream(target: .symmetric(mu: 3), d: 7))
        XCTAssertNotEqual(InitialCondition.stream(target: .symmetric(mu: 3, rho: 0.4), d: 1000),
                          InitialCondition.stream(target: .symmetric(mu: 3), d: 1000))
    }
}

final class FastLogTests: XCTestCase {
    func testLog1pUnitMatchesLog1p() {
        var worst = 0.0
        for i in 0...100_000 {
            let x = Double(i) / 100_000
            let v = log1pUnit(SIMD8(repeating: x))[3]
            worst = max(worst, abs(v - log1p(x)) / max(log1p(x), 1e-300))
        }
        XCTAssertLessThan(worst, 1e-15)
    }
}
