import Flows
import Random

/// C = op(A)·op(B) as one fused multiply-add chain per output, in index order:
/// the reference every GEMM path must match bit for bit. A is m×k (k×m stored
/// if transposed), B is k×n (n×k stored if transposed), C row-major m×n.
func naiveProduct<T: BinaryFloatingPoint>(_ a: [T], _ b: [T], m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> [T] {
    var c = [T](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var acc: T = 0
            for p in 0..<k {
                acc = acc.addingProduct(transA ? a[p * m + i] : a[i * k + p], transB ? b[j * k + p] : b[p * n + j])
            }
            c[i * n + j] = acc
        }
    }
    return c
}

/// Every epilogue (0 none, 1 tanh, 2 relu, 3 tanh′, 4 relu′), transposes,
/// bias, and the given shapes on every kernel path of precision T: each C the
/// bits of the naive chain followed by the epilogue (tanh: T's `fastTanh`).
/// Returns one message per mismatch.
func gemmMismatchesOnEveryPath<T: FlowScalar>(_: T.Type, shapes: [(Int, Int, Int)], rng: inout Xoshiro256) -> [String] {
    typealias G = GEMMOf<T>
    var failures: [String] = []
    for (m, n, k) in shapes {
        let a = (0..<(m * k)).map { _ in T(rng.nextNormal()) }
        let b = (0..<(k * n)).map { _ in T(rng.nextNormal()) }
        let bias = (0..<n).map { _ in T(rng.nextNormal()) }
        let g = (0..<(m * n)).map { _ in T(rng.nextDouble() * 2 - 1) }
        for transA in [false, true] {
            for transB in [false, true] {
                let chain = naiveProduct(a, b, m: m, n: n, k: k, transA: transA, transB: transB)
                for epi in 0..<5 {
                    let useBias = epi <= 2
                    let ref = (0..<(m * n)).map { i -> T in
                        let v = useBias ? chain[i] + bias[i % n] : chain[i]
                        switch epi {
                        case 1: return T.fastTanh(v)
                        case 2: return v < 0 ? 0 : v
                        case 3: return v * (1 - g[i] * g[i])
                        case 4: return g[i] <= 0 ? 0 : v
                        default: return v
                        }
                    }
                    for path in KernelPath.allCases where KernelPath.runs(path) {
                        let scratch = ScalarBuffer<T>(G.scratchSize(m: m, n: n, k: k))
                        let ab = ScalarBuffer(a), bb = ScalarBuffer(b), gb = ScalarBuffer(g)
                        let biasb = ScalarBuffer(useBias ? bias : [0])
                        let c = ScalarBuffer<T>(m * n)
                        for i in 0..<c.count { c[i] = .nan }
                        let opA: G.Operand = transA ? .transposed(ab.pointer, ld: m) : .rows(ab.pointer, ld: k)
                        let opB: G.Operand = transB ? .transposed(bb.pointer, ld: k) : .rows(bb.pointer, ld: n)
                        let e: G.Epilogue = switch epi {
                        case 1: .tanh
                        case 2: .relu
                        case 3: .tanhGrad(gb.pointer)
                        case 4: .reluGrad(gb.pointer)
                        default: .none
                        }
                        KernelPath.using(path) {
                            G.multiply(m: m, n: n, k: k, a: opA, b: opB, bias: useBias ? UnsafePointer(biasb.pointer) : nil,
                                       c: c.pointer, ldc: n, epilogue: e, scratch: scratch.pointer)
                        }
                        // Same bits: equal with the same sign (±0), or both NaN.
                        if !zip(c.array, ref).allSatisfy({ ($0 == $1 && $0.sign == $1.sign) || ($0.isNaN && $1.isNaN) }) {
                            failures.append("\(T.self) \(m)x\(n)x\(k) tA=\(transA) tB=\(transB) epilogue \(epi) on \(path)")
                        }
                    }
                }
            }
        }
    }
    return failures
}

/// Xᵀ·G accumulated in row blocks of 1, 48 and all rows (packed and in-place
/// G panels) on every kernel path of precision T, against the naive chain over
/// all rows. Returns one message per mismatch.
func transposedProductMismatchesOnEveryPath<T: FlowScalar>(_: T.Type, shapes: [(Int, Int, Int)],
                                                            rng: inout Xoshiro256) -> [String] {
    var failures: [String] = []
    for (m, n, rows) in shapes {
        let x = (0..<(rows * m)).map { _ in T(rng.nextNormal()) }
        let g = (0..<(rows * n)).map { _ in T(rng.nextNormal()) }
        var ref = [T](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc: T = 0
                for b in 0..<rows { acc = acc.addingProduct(x[b * m + i], g[b * n + j]) }
                ref[i * n + j] = acc
            }
        }
        for path in KernelPath.allCases where KernelPath.runs(path) {
            for block in [1, 48, rows] {
                let xb = ScalarBuffer(x), gb = ScalarBuffer(g), c = ScalarBuffer<T>(m * n)
                let scratch = ScalarBuffer<T>(GEMMOf<T>.transposedProductScratch(m: m, n: n, rows: block))
                KernelPath.using(path) {
                    var r0 = 0
                    while r0 < rows {
                        let r = min(block, rows - r0)
                        GEMMOf<T>.accumulateTransposedProduct(
                            m: m, n: n, rows: r, x: xb.pointer + r0 * m, ldx: m, g: gb.pointer + r0 * n, ldg: n,
                            c: c.pointer, ldc: n, scratch: scratch.pointer)
                        r0 += r
                    }
                }
                if !zip(c.array, ref).allSatisfy({ ($0 == $1 && $0.sign == $1.sign) || ($0.isNaN && $1.isNaN) }) {
                    failures.append("\(T.self) \(m)x\(n), \(rows) rows in blocks of \(block) on \(path)")
                }
            }
        }
    }
    return failures
}
