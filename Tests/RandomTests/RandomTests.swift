import Foundation
import XCTest
@testable import Random

final class RandomTests: XCTestCase {
    func testSplitMixMatchesReferenceVector() {
        // Reference outputs of splitmix64 seeded with 0 (Vigna's splitmix64.c).
        var sm = SplitMix64(state: 0)
        XCTAssertEqual(sm.next(), 0xe220_a839_7b1d_cdaf)
        XCTAssertEqual(sm.next(), 0x6e78_9e6a_a1b9_65f4)
    }

    func testStreamsAreReproducibleAndDistinct() {
        var a = Xoshiro256(seed: 7, stream: "init"), b = Xoshiro256(seed: 7, stream: "init")
        var c = Xoshiro256(seed: 7, stream: "mc"), d = Xoshiro256(seed: 8, stream: "init")
        let xa = (0..<4).map { _ in a.next() }
        XCTAssertEqual(xa, (0..<4).map { _ in b.next() })
        XCTAssertNotEqual(xa, (0..<4).map { _ in c.next() })
        XCTAssertNotEqual(xa, (0..<4).map { _ in d.next() })
    }

    func testUniformIntIsUnbiasedOverSmallRange() {
        var g = Xoshiro256(seed: 1)
        var counts = [Int](repeating: 0, count: 6)
        let n = 600_000
        for _ in 0..<n { counts[g.nextInt(below: 6)] += 1 }
        // Chi-square with 5 degrees of freedom: 20.5 is its 99.9% quantile.
        let chi2 = counts.reduce(0.0) { $0 + pow(Double($1) - 1e5, 2) / 1e5 }
        XCTAssertLessThan(chi2, 20.5)
    }

    /// Kolmogorov–Smirnov against Φ (from erfc, independent of the sampler),
    /// plus moments and the tail probability beyond the ziggurat's r.
    func testZigguratNormalMatchesGaussianLaw() {
        var g = Xoshiro256(seed: 2024, stream: "normal-test")
        let n = 200_000
        var xs = [Double](repeating: 0, count: n)
        xs.withUnsafeMutableBufferPointer { g.fillNormal($0) }
        let mean = xs.reduce(0, +) / Double(n)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        XCTAssertEqual(mean, 0, accuracy: 4 / sqrt(Double(n)))
        XCTAssertEqual(variance, 1, accuracy: 4 * sqrt(2 / Double(n)))
        xs.sort()
        var dmax = 0.0
        for (i, x) in xs.enumerated() {
            let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
            dmax = max(dmax, abs(cdf - Double(i) / Double(n)), abs(cdf - Double(i + 1) / Double(n)))
        }
        XCTAssertLessThan(dmax, 1.95 / sqrt(Double(n)))  // KS 0.1% critical value
        let tail = Double(xs.filter { abs($0) > 3.442619855899 }.count) / Double(n)
        let expected = erfc(3.442619855899 / 2.0.squareRoot())
        XCTAssertEqual(tail, expected, accuracy: 5 * sqrt(expected / Double(n)))
    }
}
