import Foundation
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
}
