import Flows
import Random
import XCTest

/// Adam's update has three loops that must agree bit for bit: CFlowKernels'
/// AVX2 one (16 parameters at a time, on x86-64), the 4-wide Swift one and
/// the scalar one. Against the scalar formula, element by element, on a
/// length that reaches all three, with clipping (a scale ≠ 1) and without.
final class AdamBitsTests: XCTestCase {
    func testEveryLoopIsTheScalarFormula() {
        var rng = Xoshiro256(seed: 31, stream: "adam-bits")
        for clip in [nil, 0.5] as [Double?] {
            let n = 16 * 3 + 4 + 3
            let config = Adam.Config(learningRate: 3e-3, clipNorm: clip)
            let adam = Adam(count: n, config: config)
            let p = Buffer(n), g = Buffer(n)
            for i in 0..<n { p[i] = rng.nextNormal() }
            var rp = p.array, rm = [Double](repeating: 0, count: n), rv = rm
            var b1t = 1.0, b2t = 1.0
            for _ in 0..<4 {
                for i in 0..<n { g[i] = rng.nextNormal() * 0.3 }
                adam.update(p.pointer, gradient: g.pointer)
                // The reference: Adam.update's scalar loop, written out.
                b1t *= config.beta1
                b2t *= config.beta2
                var scale = 1.0
                if let clip {
                    var n2 = 0.0
                    for i in 0..<n { n2 += g[i] * g[i] }
                    if n2.squareRoot() > clip { scale = clip / n2.squareRoot() }
                }
                let b1 = config.beta1, b2 = config.beta2, lr = config.learningRate
                let c1 = 1 / (1 - b1t), c2 = 1 / (1 - b2t), eps = config.epsilon
                for i in 0..<n {
                    let gi = g[i] * scale
                    rm[i] = b1 * rm[i] + (1 - b1) * gi
                    rv[i] = b2 * rv[i] + (1 - b2) * gi * gi
                    rp[i] -= lr * (rm[i] * c1) / ((rv[i] * c2).squareRoot() + eps)
                }
                XCTAssertEqual(p.array.map(\.bitPattern), rp.map(\.bitPattern), "clip \(String(describing: clip))")
            }
        }
    }
}
