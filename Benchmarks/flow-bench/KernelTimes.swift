// --kernels: every matrix product of one coupling layer's training step, timed
// alone on random data (best of many repetitions), so that the time of a
// step can be split by shape.
import Dispatch
import Flows
import Foundation

struct ProductShape {
    var name: String
    var m: Int, n: Int, k: Int
    var transA: Bool, transB: Bool
    var bias: Bool
    var epilogue: Int  // 0 none, 1 tanh, 2 tanhGrad
}

/// The nine products of one coupling (k conditioning inputs, hidden width h
/// twice, 2m outputs) on `rows` rows, in the order a training step runs them.
func couplingProducts(k: Int, h: Int, m2: Int, rows n: Int) -> [ProductShape] {
    [
        ProductShape(name: "fwd  L0  N×k·k×H", m: n, n: h, k: k, transA: false, transB: false, bias: true, epilogue: 1),
        ProductShape(name: "fwd  L1  N×H·H×H", m: n, n: h, k: h, transA: false, transB: false, bias: true, epilogue: 1),
        ProductShape(name: "fwd  L2  N×H·H×2m", m: n, n: m2, k: h, transA: false, transB: false, bias: true, epilogue: 0),
        ProductShape(name: "back dW2 Hᵀ·G", m: h, n: m2, k: n, transA: true, transB: false, bias: false, epilogue: 0),
        ProductShape(name: "back g1  G·W2ᵀ", m: n, n: h, k: m2, transA: false, transB: true, bias: false, epilogue: 2),
        ProductShape(name: "back dW1 Hᵀ·G", m: h, n: h, k: n, transA: true, transB: false, bias: false, epilogue: 0),
        ProductShape(name: "back g0  G·W1ᵀ", m: n, n: h, k: h, transA: false, transB: true, bias: false, epilogue: 2),
        ProductShape(name: "back dW0 Xᵀ·G", m: k, n: h, k: n, transA: true, transB: false, bias: false, epilogue: 0),
        ProductShape(name: "back gin G·W0ᵀ", m: n, n: k, k: h, transA: false, transB: true, bias: false, epilogue: 0),
    ]
}

/// Seconds of one product: the best of `reps` runs, on operands in cache
/// (`sets` = 1) or cycling through `sets` copies, as a step cycles through
/// its couplings' buffers.
func timeProduct(_ s: ProductShape, reps: Int, sets: Int = 1) -> Double {
    struct Operands { var a, b, bias, g, c: Buffer }
    let ops = (0..<sets).map { _ in
        Operands(a: Buffer(s.m * s.k), b: Buffer(s.k * s.n), bias: Buffer(s.n), g: Buffer(s.m * s.n), c: Buffer(s.m * s.n))
    }
    for o in ops {
        for i in 0..<o.a.count { o.a[i] = sin(Double(i)) }
        for i in 0..<o.b.count { o.b[i] = cos(Double(i)) * 0.1 }
        for i in 0..<o.g.count { o.g[i] = sin(0.3 * Double(i)) }
    }
    let scratch = Buffer(GEMM.scratchSize(m: s.m, n: s.n, k: s.k))
    let flush = Buffer(sets > 1 ? 1 << 20 : 1)  // 8 MB: what the rest of a step touches
    var best = Double.infinity
    for r in 0..<reps {
        let o = ops[r % sets]
        if sets > 1 { for i in stride(from: 0, to: flush.count, by: 8) { flush[i] += 1 } }
        let opA: GEMM.Operand = s.transA ? .transposed(o.a.pointer, ld: s.m) : .rows(o.a.pointer, ld: s.k)
        let opB: GEMM.Operand = s.transB ? .transposed(o.b.pointer, ld: s.k) : .rows(o.b.pointer, ld: s.n)
        let epi: GEMM.Epilogue = s.epilogue == 1 ? .tanh : s.epilogue == 2 ? .tanhGrad(o.g.pointer) : .none
        let t0 = DispatchTime.now().uptimeNanoseconds
        GEMM.multiply(m: s.m, n: s.n, k: s.k, a: opA, b: opB, bias: s.bias ? UnsafePointer(o.bias.pointer) : nil,
                      c: o.c.pointer, ldc: s.n, epilogue: epi, scratch: scratch.pointer)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
    }
    return best
}

func printKernelTimes(k: Int, h: Int, m2: Int, rows: Int, peak: Double) {
    print("products of one coupling (k=\(k), H=\(h), 2m=\(m2), \(rows) rows), best of 200 [operands out of cache]:")
    var total = 0.0, totalCold = 0.0
    for s in couplingProducts(k: k, h: h, m2: m2, rows: rows) {
        let t = timeProduct(s, reps: 200), cold = timeProduct(s, reps: 64, sets: 8)
        totalCold += cold
        let flops = 2 * Double(s.m * s.n * s.k)
        total += t
        print("  \(s.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%8.1f", t * 1e6)) µs"
              + "  \(String(format: "%5.1f", flops / t / 1e9)) GFLOP/s  \(String(format: "%3.0f", 100 * flops / t / peak))% of peak  [\(String(format: "%8.1f", cold * 1e6)) µs]")
    }
    print("  all nine: \(String(format: "%.1f", total * 1e6)) µs [\(String(format: "%.1f", totalCold * 1e6)) µs]")
}

/// Seconds per element of FastMath.tanh on a 32768-double buffer in L1/L2 (best of 200).
func timeTanh() -> Double {
    let n = 32768, b = Buffer(n)
    var best = Double.infinity
    for _ in 0..<200 {
        for i in 0..<n { b[i] = sin(Double(i)) * 3 }
        let t0 = DispatchTime.now().uptimeNanoseconds
        FastMath.tanh(b.pointer, count: n)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
    }
    return best / Double(n)
}
