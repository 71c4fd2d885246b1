import Foundation
import Random
import XCTest
@testable import Flows

/// The single-precision path: its kernels give the bits of the naive Float
/// chains on every kernel path; its gradient is the double gradient (itself
/// checked against finite differences in GradientTests) to float accuracy;
/// its inverse undoes its forward; a training run has the same bits on every
/// path and for any number of threads.
final class SinglePrecisionTests: XCTestCase {
    static var paths: [KernelPath] { KernelPath.allCases.filter(KernelPath.runs) }

    /// tanh of a float: FastMath.tanhFloat on every path, within 4 float ulp
    /// of libm's double tanh; exp: the double formula on the widened value,
    /// rounded once.
    func testFloatTanhAndExpSameBitsOnEveryPath() {
        var rng = Xoshiro256(seed: 21, stream: "single-math")
        var xs: [Float] = [0, -0.0, 9, -9, 22, -22, 23, .leastNonzeroMagnitude, .nan, .infinity, -.infinity, 88, -87,
                           1e-8, -3.5]
        for _ in 0..<3000 { xs.append(Float((rng.nextDouble() * 2 - 1) * pow(10, rng.nextDouble() * 4 - 2))) }
        for n in Array(1...33) + [xs.count] {
            for path in Self.paths {
                let t = ScalarBuffer<Float>(n), e = ScalarBuffer<Float>(n)
                for i in 0..<n { t[i] = xs[(i * 5 + n) % xs.count]; e[i] = t[i] }
                KernelPath.using(path) {
                    Float.tanhInPlace(t.pointer, count: n)
                    Float.expInPlace(e.pointer, count: n)
                }
                for i in 0..<n {
                    let x = Double(xs[(i * 5 + n) % xs.count])
                    let rt = FastMath.tanhFloat(Float(x)), re = Float(FastMath.exp(x))
                    XCTAssertTrue(t[i].bitPattern == rt.bitPattern || (t[i].isNaN && rt.isNaN), "tanh(\(x)) on \(path)")
                    XCTAssertTrue(e[i].bitPattern == re.bitPattern || (e[i].isNaN && re.isNaN), "exp(\(x)) on \(path)")
                }
            }
        }
        // The float formula against libm's double tanh: within 4 ulp of float,
        // on the samples and a dense sweep of [-12, 12] (both sides of the cut at 9.5).
        var worst = 0.0
        let sweep = (0...240_000).map { Float(-12 + 1e-4 * Double($0)) }
        for x in xs + sweep where x.isFinite {
            let exact = Foundation.tanh(Double(x)), got = Double(FastMath.tanhFloat(x))
            let ulp = Double(Float(exact).ulp)
            worst = max(worst, abs(got - exact) / ulp)
        }
        XCTAssertLessThan(worst, 4, "worst error \(worst) ulp")  // 3.94 measured
        XCTAssertEqual(FastMath.tanhFloat(.nan).isNaN, true)
        XCTAssertEqual(FastMath.tanhFloat(.infinity), 1)
        XCTAssertEqual(FastMath.tanhFloat(-.infinity), -1)
    }

    /// Every epilogue, transposes, bias, and shapes with partial 16-wide panels
    /// and partial tiles: the naive Float chain's bits on every path.
    func testFloatGEMMSameBitsOnEveryPathAndAsTheNaiveChain() {
        var rng = Xoshiro256(seed: 22, stream: "single-gemm")
        let shapes = [(1, 1, 1), (8, 16, 3), (9, 17, 5), (48, 64, 64), (48, 2, 64), (48, 64, 1), (13, 33, 7),
                      (5, 40, 9), (64, 128, 48), (16, 8, 0)]
        XCTAssertEqual(gemmMismatchesOnEveryPath(Float.self, shapes: shapes, rng: &rng), [])
    }

    /// Xᵀ·G in Float, accumulated in row blocks: the naive chain over all rows.
    func testFloatTransposedProductSameBitsOnEveryPath() {
        var rng = Xoshiro256(seed: 23, stream: "single-xtg")
        let shapes = [(1, 64, 97), (64, 2, 50), (64, 64, 100), (16, 32, 48), (7, 13, 30), (24, 17, 5)]
        XCTAssertEqual(transposedProductMismatchesOnEveryPath(Float.self, shapes: shapes, rng: &rng), [])
    }

    func trainer(dim d: Int, precision: FlowPrecision, seed: UInt64 = 5, batch: Int = 64,
                 mode: TemperMode = .power) -> ReverseKLTrainer {
        let flow = RealNVP(FlowArchitecture(dim: d, couplingLayers: 4, hidden: [32, 32], lastLayerScale: 1),
                           maskSeed: seed)
        return ReverseKLTrainer(flow: flow, target: .symmetric(dim: d, mu: 3), config:
                                    TrainingConfig(batch: batch, temperMode: mode, precision: precision), seed: seed)
    }

    /// Same parameters, same base points: the single loss and gradient are the
    /// double ones to float accuracy (relative to the gradient's size), in
    /// both tempering modes, after some training (so no layer is near zero).
    func testSingleLossAndGradientAgreeWithDouble() {
        for d in [2, 5, 16] {
            for (mode, beta) in [(TemperMode.power, 1.0), (.power, 0.3), (.variance, 0.3)] {
                let dbl = trainer(dim: d, precision: .double, mode: mode), sgl = trainer(dim: d, precision: .single, mode: mode)
                for _ in 0..<20 { dbl.trainStep() }
                sgl.params.copy(from: dbl.params)
                var rng = Xoshiro256(seed: 9, stream: "single-grad")
                for i in 0..<dbl.base.count { dbl.base[i] = rng.nextNormal(); sgl.base[i] = dbl.base[i] }
                let ld = dbl.lossAndGradient(rows: 64, beta: beta, mode: mode)
                let ls = sgl.lossAndGradient(rows: 64, beta: beta, mode: mode)
                XCTAssertEqual(ls.mean, ld.mean, accuracy: 1e-5 * max(1, abs(ld.mean)), "d=\(d) \(mode) β=\(beta)")
                let gd = dbl.grad.array, gs = sgl.grad.array
                let scale = gd.map(abs).max()!
                let err = zip(gd, gs).map { abs($0 - $1) }.max()!
                XCTAssertGreaterThan(scale, 1e-3)
                XCTAssertLessThan(err, 1e-4 * scale, "d=\(d) \(mode) β=\(beta): max |∂s - ∂d| \(err) of \(scale)")
                XCTAssertNotEqual(gd, gs, "the single path must compute in single precision")
                // Metrics on the same evaluation points agree too.
                let md = dbl.evaluate(base: dbl.base.pointer, count: 64), ms = sgl.evaluate(base: dbl.base.pointer, count: 64)
                XCTAssertEqual(ms.massPlus, md.massPlus, accuracy: 1e-5)
                XCTAssertEqual(ms.kl.mean, md.kl.mean, accuracy: 1e-4 * max(1, abs(md.kl.mean)))
            }
        }
    }

    /// T⁻¹(T(z)) = z and log q from the inverse equals log N(z) - log|det| from
    /// the forward, to float accuracy.
    func testSingleInverseUndoesForward() {
        for d in [2, 7, 32] {
            let flow = RealNVP(FlowArchitecture(dim: d, couplingLayers: 6, hidden: [16, 16], lastLayerScale: 1),
                               maskSeed: 3)
            let p64 = flow.initialParameters(seed: 3)
            let p = ScalarBuffer<Float>(p64.count)
            for i in 0..<p.count { p[i] = Float(p64[i]) }
            let n = 100, ws = FlowWorkspaceOf<Float>(flow, capacity: 37)
            var rng = Xoshiro256(seed: 4, stream: "single-inverse")
            let z = ScalarBuffer<Float>(n * d), x = ScalarBuffer<Float>(n * d), back = ScalarBuffer<Float>(n * d)
            let logDet = ScalarBuffer<Float>(n)
            for i in 0..<z.count { z[i] = Float(rng.nextNormal()) }
            flow.transform(base: z.pointer, count: n, params: p.pointer, workspace: ws, into: x.pointer)
            flow.inverse(points: x.pointer, count: n, params: p.pointer, workspace: ws, base: back.pointer,
                         logDet: logDet.pointer)
            let err = (0..<z.count).map { abs(z[$0] - back[$0]) }.max()!
            XCTAssertLessThan(err, 1e-4, "d=\(d)")
            // Forward log-det of the first 37 rows = -inverse log-det.
            ws.states[0].pointer.update(from: z.pointer, count: 37 * d)
            flow.forward(rows: 37, params: p.pointer, workspace: ws)
            for b in 0..<37 { XCTAssertEqual(ws.logDet[b], -logDet[b], accuracy: 1e-4 * max(1, abs(logDet[b]))) }
        }
    }

    /// A single-precision run: the same bits on every kernel path, and for any
    /// number of threads.
    func testSingleTrainingSameBitsOnEveryPathAndAnyThreads() throws {
        var digests: [[UInt64]] = []
        for path in Self.paths {
            let t = trainer(dim: 4, precision: .single, batch: 50)
            KernelPath.using(path) { for _ in 0..<15 { t.trainStep() } }
            digests.append(t.params.array.map(\.bitPattern))
        }
        XCTAssertEqual(Set(digests.map { $0.description }).count, 1, "paths \(Self.paths)")
        let exp = FlowExperiment(
            architecture: FlowArchitecture(dim: 3, couplingLayers: 3, hidden: [16], lastLayerScale: 2),
            target: .symmetric(dim: 3, mu: 3), training: TrainingConfig(batch: 40, precision: .single), steps: 12,
            logEvery: 4, evalCount: 100)
        let one = try exp.runAll(seeds: [1, 2, 3, 4], threads: 1)
        let two = try exp.runAll(seeds: [1, 2, 3, 4], threads: 2)
        XCTAssertEqual(one, two)
    }
}
