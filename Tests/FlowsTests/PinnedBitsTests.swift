import Foundation
import XCTest
import Flows

/// Training's bits are part of the product (stage outputs are cached by key):
/// a faster kernel must not move them. The digests below were computed by the
/// straightforward kernels (each GEMM entry one fused-multiply-add chain in
/// index order, see GEMM.swift) before any of the shape-specialised kernels
/// existed; if a change moves them, outputs change and must be regenerated.
final class PinnedBitsTests: XCTestCase {
    struct Case {
        var dim: Int, hidden: [Int], activation: Activation, batch: Int, steps: Int, digest: String
    }

    static let cases: [Case] = [
        Case(dim: 2, hidden: [64, 64], activation: .tanh, batch: 64, steps: 3, digest: "77866b9571f43bde"),
        Case(dim: 32, hidden: [128, 128], activation: .tanh, batch: 24, steps: 2, digest: "73314c6f3672e207"),
        Case(dim: 8, hidden: [64, 64], activation: .tanh, batch: 37, steps: 3, digest: "2fa78105afccb8a4"),
        Case(dim: 5, hidden: [7, 13], activation: .relu, batch: 19, steps: 4, digest: "80b8823bf75eec06"),
        Case(dim: 3, hidden: [9], activation: .tanh, batch: 11, steps: 4, digest: "e9e4f18e2512ab90"),
    ]

    /// FNV-1a over the parameters' and every step's loss bit patterns.
    static func digest(_ c: Case, seed: UInt64) -> String {
        let arch = FlowArchitecture(dim: c.dim, couplingLayers: 4, hidden: c.hidden, activation: c.activation,
                                    lastLayerScale: 0.5)
        let trainer = ReverseKLTrainer(flow: RealNVP(arch, maskSeed: seed), target: .symmetric(dim: c.dim, mu: 3),
                                       config: TrainingConfig(batch: c.batch, adam: .init(learningRate: 1e-2)),
                                       seed: seed)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ x: Double) { h = (h ^ x.bitPattern) &* 0x0000_0100_0000_01b3 }
        for _ in 0..<c.steps {
            let l = trainer.trainStep()
            mix(l.mean)
            mix(l.standardError)
        }
        for i in 0..<trainer.params.count { mix(trainer.params[i]) }
        return String(h, radix: 16)
    }

    /// Every kernel path this CPU runs (portable, and AVX-512 where present)
    /// must give the pinned bits.
    static var paths: [KernelPath] { KernelPath.allCases.filter(KernelPath.runs) }

    func testShortTrainingRunsKeepTheirBits() {
        for path in Self.paths {
            for c in Self.cases {
                let got = KernelPath.using(path) { Self.digest(c, seed: 7) }
                print("pinned bits [\(path)] d=\(c.dim) hidden=\(c.hidden) \(c.activation) batch=\(c.batch): \(got)")
                XCTAssertEqual(got, c.digest, "[\(path)] d=\(c.dim) hidden=\(c.hidden) \(c.activation) batch=\(c.batch)")
            }
        }
    }

    /// flow-bench's shapes (`flow-bench --steps 2` prints the same digests):
    /// batches of many row blocks, with a partial last one, and the widths
    /// the fast paths are tuned for. Digests from main at a0dc25d.
    func testBenchmarkShapesKeepTheirBits() {
        for path in Self.paths {
            KernelPath.using(path) { benchmarkShapesKeepTheirBits(path) }
        }
    }

    func benchmarkShapesKeepTheirBits(_ path: KernelPath) {
        for (d, h, batch, expected) in [(2, 64, 512, "e61bf4ec2b420680"), (32, 128, 512, "c89b8834f60a3a8b"),
                                        (2, 64, 256, "e306a5bc0616d211"), (32, 64, 256, "14295b4c93523dcb")] {
            let arch = FlowArchitecture(dim: d, couplingLayers: 8, hidden: [h, h], lastLayerScale: 0.01)
            let trainer = ReverseKLTrainer(flow: RealNVP(arch, maskSeed: 1), target: .symmetric(dim: d, mu: 4),
                                           config: TrainingConfig(batch: batch), seed: 1)
            for _ in 0..<2 { trainer.trainStep() }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for i in 0..<trainer.params.count { hash = (hash ^ trainer.params[i].bitPattern) &* 0x0000_0100_0000_01b3 }
            XCTAssertEqual(String(hash, radix: 16), expected, "[\(path)] d=\(d) 2x\(h) batch \(batch)")
        }
    }
}
