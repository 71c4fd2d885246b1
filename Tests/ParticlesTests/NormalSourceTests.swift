import Foundation
import Random
import XCTest
@testable import Particles

final class NormalSourceTests: XCTestCase {
    func draw(_ src: NormalSource, _ count: Int) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { src.fill($0.baseAddress!, count: count) }
        return out
    }

    /// The sequence does not depend on how it is cut into fills (word buffer
    /// refills, slow paths at a buffer's end).
    func testChunkingDoesNotChangeTheSequence() {
        let whole = draw(NormalSource(seed: 9, stream: "t"), 100_000)
        let src = NormalSource(seed: 9, stream: "t")
        var pieces: [Double] = []
        var k = 0
        while pieces.count < whole.count {
            pieces += draw(src, min(1 + (k * 37) % 700, whole.count - pieces.count))
            k += 1
        }
        XCTAssertEqual(whole.map(\.bitPattern), pieces.map(\.bitPattern))
        XCTAssertNotEqual(draw(NormalSource(seed: 9, stream: "u"), 10), Array(whole.prefix(10)))
        XCTAssertNotEqual(draw(NormalSource(seed: 8, stream: "t"), 10), Array(whole.prefix(10)))
    }

    /// Moments, the tail beyond the ziggurat's r, and a Kolmogorov-Smirnov distance.
    func testDistribution() {
        let n = 1_000_000
        let x = draw(NormalSource(seed: 1, stream: "dist"), n)
        let m = x.reduce(0, +) / Double(n)
        let v = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(n)
        let k4 = x.map { pow($0 - m, 4) }.reduce(0, +) / Double(n) / (v * v)
        XCTAssertLessThan(abs(m), 5 / Double(n).squareRoot())
        XCTAssertLessThan(abs(v - 1), 5 * (2 / Double(n)).squareRoot())
        XCTAssertLessThan(abs(k4 - 3), 5 * (96 / Double(n)).squareRoot())
        let r = 3.442619855899
        let tail = Double(x.filter { abs($0) > r }.count) / Double(n)
        let p = erfc(r / 2.0.squareRoot())
        XCTAssertLessThan(abs(tail - p), 5 * (p / Double(n)).squareRoot())
        let sorted = x.prefix(200_000).sorted()
        var ks = 0.0
        for (i, z) in sorted.enumerated() {
            let cdf = 0.5 * erfc(-z / 2.0.squareRoot())
            ks = max(ks, abs(cdf - Double(i) / Double(sorted.count)), abs(cdf - Double(i + 1) / Double(sorted.count)))
        }
        XCTAssertLessThan(ks, 1.95 / Double(sorted.count).squareRoot())  // 0.1% level
    }

    /// The plain ZIGNOR on the same words, its rejection step with two `exp`s:
    /// what `fill` computed before the squeezes, written out independently.
    func plainZiggurat(_ src: NormalSource, _ count: Int) -> [Double] {
        let (xs, rs) = Ziggurat.tables
        var out: [Double] = []
        func open(_ w: UInt64) -> Double { (Double(w >> 12) + 0.5) * 0x1p-52 }
        while out.count < count {
            let bits = src.nextWord()
            let i = Int(bits & 0x7f)
            let u = Double(Int64(bitPattern: bits) >> 11) * 0x1p-52
            if abs(u) < rs[i] { out.append(u * xs[i]); continue }
            if i == 0 {
                var x = 0.0, y = 0.0
                repeat {
                    x = log(open(src.nextWord())) / xs[1]
                    y = log(open(src.nextWord()))
                } while -2 * y < x * x
                out.append(u < 0 ? x - xs[1] : xs[1] - x)
                continue
            }
            let x = u * xs[i]
            let f0 = exp(-0.5 * (xs[i] * xs[i] - x * x))
            let f1 = exp(-0.5 * (xs[i + 1] * xs[i + 1] - x * x))
            let uniform = Double(src.nextWord() >> 11) * 0x1p-53
            if f1 + uniform * (f0 - f1) < 1.0 { out.append(x) }
        }
        return out
    }

    /// The squeezed rejection step gives the plain form's variates bit for
    /// bit (3 × 400 000 variates: ≈ 14 000 rejection steps).
    func testSameVariatesAsThePlainZiggurat() {
        for seed: UInt64 in [1, 2, 3] {
            let got = draw(NormalSource(seed: seed, stream: "plain"), 400_000)
            let want = plainZiggurat(NormalSource(seed: seed, stream: "plain"), 400_000)
            XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern), "seed \(seed)")
        }
    }

    /// The bounds decide as the plain form does, on random points of every
    /// layer and on points placed within 2e-16 … 1e-9 of the density (some
    /// within 1e-7 of a layer's edge, where the bounds meet the density);
    /// and they settle most points
    /// (the speed-up: ≥ 95% of random rejection steps without `exp`).
    func testBoundsDecideAsThePlainFormAndSettleMostSteps() {
        let (xs, _) = Ziggurat.tables
        var rng = Xoshiro256(seed: 12345, stream: "squeeze test points")
        var settled = 0, total = 0
        for i in 1..<128 {
            let b = xs[i], a = xs[i + 1]
            let fb = exp(-0.5 * b * b), fa = exp(-0.5 * a * a)
            for k in 0..<4000 {
                // Every 16th point within 1e-7 of an edge, where the bounds meet f.
                let edge = 1e-7 * rng.nextDouble()
                let t = k % 16 == 15 ? (k % 32 == 15 ? a + edge : b - edge) : a + (b - a) * rng.nextDouble()
                let x = k % 2 == 0 ? t : -t
                var uniform = rng.nextDouble()
                if k % 4 == 3 {
                    // On the density: U with fa + U·(fb − fa) = f(t)·(1 ± δ).
                    let delta = [2e-16, 1e-15, 1e-13, 1e-9][k / 4 % 4] * (k % 8 < 4 ? 1 : -1)
                    uniform = (exp(-0.5 * t * t) * (1 + delta) - fa) / (fb - fa)
                    guard (0..<1).contains(uniform) else { continue }
                }
                let plain = LayerSqueeze.plain(x: x, outer: b, inner: a, uniform: uniform)
                XCTAssertEqual(LayerSqueeze.accepts(x: x, outer: b, inner: a, fOuter: fb, fInner: fa, uniform: uniform),
                               plain, "layer \(i), x \(x), U \(uniform)")
                if k % 4 != 3 {
                    total += 1
                    if let decided = LayerSqueeze.bounds(x: x, outer: b, inner: a, fOuter: fb, fInner: fa,
                                                         uniform: uniform) {
                        settled += 1
                        XCTAssertEqual(decided, plain)
                    }
                }
            }
        }
        XCTAssertGreaterThan(Double(settled) / Double(total), 0.95, "\(settled) of \(total)")
    }
}

