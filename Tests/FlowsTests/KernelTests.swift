import Foundation
import Random
import XCTest
import Flows

/// The numeric kernels against independent references: libm, and a naive
/// triple loop.
final class KernelTests: XCTestCase {
    func testTanhAndExpMatchLibm() {
        var rng = Xoshiro256(seed: 1, stream: "fastmath")
        var worstTanh = 0.0, worstExp = 0.0
        var xs: [Double] = [0, -0.0, 1e-300, 1e-12, -1e-8, 0.3465, 0.5, 1, 10, 21.9, 22.1, -30, 700]
        for _ in 0..<20000 { xs.append((rng.nextDouble() * 2 - 1) * pow(10, rng.nextDouble() * 3 - 2)) }
        for x in xs {
            let t = FastMath.tanh(x), ref = Foundation.tanh(x)
            worstTanh = max(worstTanh, ref == 0 ? abs(t) : abs(t - ref) / abs(ref))
            if abs(x) < 700 {
                let e = FastMath.exp(x), eref = Foundation.exp(x)
                worstExp = max(worstExp, abs(e - eref) / eref)
            }
        }
        print("FastMath vs libm: worst relative error tanh \(worstTanh), exp \(worstExp)")
        XCTAssertLessThan(worstTanh, 1e-15)
        XCTAssertLessThan(worstExp, 1e-15)
        XCTAssertTrue(FastMath.tanh(Double.nan).isNaN)
        XCTAssertEqual(FastMath.tanh(-1e10), -1)
        XCTAssertEqual(FastMath.exp(0), 1)
    }

    /// Same bits as a naive loop that fused-multiply-adds in the same order:
    /// tiles, packing and padding change nothing.
    func testGEMMMatchesNaiveLoopBitForBit() {
        var rng = Xoshiro256(seed: 2, stream: "gemm")
        for (m, n, k) in [(1, 1, 1), (6, 8, 5), (7, 9, 13), (13, 17, 1), (12, 16, 64), (5, 3, 40), (19, 2, 7)] {
            for transA in [false, true] {
                for transB in [false, true] {
                    let a = (0..<(m * k)).map { _ in rng.nextNormal() }
                    let b = (0..<(k * n)).map { _ in rng.nextNormal() }
                    let bias = (0..<n).map { _ in rng.nextNormal() }
                    let g = (0..<(m * n)).map { _ in rng.nextDouble() * 2 - 1 }
                    let ref = naiveProduct(a, b, m: m, n: n, k: k, transA: transA, transB: transB)
                    let scratch = Buffer(GEMM.scratchSize(m: m, n: n, k: k))
                    var c = [Double](repeating: .nan, count: m * n)
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            let opA: GEMM.Operand = transA ? .transposed(ap.baseAddress!, ld: m) : .rows(ap.baseAddress!, ld: k)
                            let opB: GEMM.Operand = transB ? .transposed(bp.baseAddress!, ld: k) : .rows(bp.baseAddress!, ld: n)
                            c.withUnsafeMutableBufferPointer { cp in
                                GEMM.multiply(m: m, n: n, k: k, a: opA, b: opB, c: cp.baseAddress!, ldc: n,
                                              scratch: scratch.pointer)
                            }
                            XCTAssertEqual(c, ref, "\(m)x\(n)x\(k) tA=\(transA) tB=\(transB)")
                            // bias + tanh epilogue, and the tanh-gradient epilogue
                            bias.withUnsafeBufferPointer { bb in
                                c.withUnsafeMutableBufferPointer { cp in
                                    GEMM.multiply(m: m, n: n, k: k, a: opA, b: opB, bias: bb.baseAddress!,
                                                  c: cp.baseAddress!, ldc: n, epilogue: .tanh, scratch: scratch.pointer)
                                }
                            }
                            for i in 0..<m {
                                for j in 0..<n {
                                    XCTAssertEqual(c[i * n + j], FastMath.tanh(ref[i * n + j] + bias[j]))
                                }
                            }
                            g.withUnsafeBufferPointer { gp in
                                c.withUnsafeMutableBufferPointer { cp in
                                    GEMM.multiply(m: m, n: n, k: k, a: opA, b: opB, c: cp.baseAddress!, ldc: n,
                                                  epilogue: .tanhGrad(gp.baseAddress!), scratch: scratch.pointer)
                                }
                            }
                            for i in 0..<(m * n) { XCTAssertEqual(c[i], ref[i] * (1 - g[i] * g[i])) }
                        }
                    }
                }
            }
        }
    }

    /// C += Xᵀ·G in blocks of rows, resumed from the stored C, has the bits of
    /// one fused-multiply-add chain per entry over all rows in order (the
    /// naive loop), for full and partial tiles and panels.
    func testBlockedTransposedProductMatchesNaiveLoopBitForBit() {
        var rng = Xoshiro256(seed: 3, stream: "gemm-acc")
        for (m, n, rows) in [(1, 1, 1), (6, 8, 5), (7, 13, 100), (64, 2, 97), (13, 16, 50), (1, 64, 49)] {
            let x = (0..<(rows * m)).map { _ in rng.nextNormal() }
            let g = (0..<(rows * n)).map { _ in rng.nextNormal() }
            var ref = [Double](repeating: 0, count: m * n)
            for i in 0..<m {
                for j in 0..<n {
                    var acc = 0.0
                    for b in 0..<rows { acc = acc.addingProduct(x[b * m + i], g[b * n + j]) }
                    ref[i * n + j] = acc
                }
            }
            for block in [1, 7, 48, rows] {
                var c = [Double](repeating: 0, count: m * n)
                let scratch = Buffer(GEMM.transposedProductScratch(m: m, n: n, rows: block))
                var r0 = 0
                while r0 < rows {
                    let r = min(block, rows - r0)
                    x.withUnsafeBufferPointer { xp in
                        g.withUnsafeBufferPointer { gp in
                            c.withUnsafeMutableBufferPointer { cp in
                                GEMM.accumulateTransposedProduct(
                                    m: m, n: n, rows: r, x: xp.baseAddress! + r0 * m, ldx: m, g: gp.baseAddress! + r0 * n,
                                    ldg: n, c: cp.baseAddress!, ldc: n, scratch: scratch.pointer)
                            }
                        }
                    }
                    r0 += r
                }
                XCTAssertEqual(c.map(\.bitPattern), ref.map(\.bitPattern), "\(m)x\(n), \(rows) rows in blocks of \(block)")
            }
        }
    }
}
