import CFlowKernels

/// The precision a flow computes in: its activations, products and gradients.
/// Double is the default; Float (`FlowPrecision.single`) halves the memory
/// and doubles the vector lanes. Either way each output is one fixed chain of
/// operations, so the bits depend on neither the kernel path nor threads.
public protocol FlowScalar: BinaryFloatingPoint, SIMDScalar, Sendable {
    /// One GEMM panel's columns as a vector: 8 doubles or 16 floats.
    associatedtype Panel: SIMD where Panel.Scalar == Self
    /// Half a panel (4 doubles or 8 floats: one AVX2 register), for products
    /// with at most that many columns (GEMMNarrow.swift).
    associatedtype HalfPanel: SIMD where HalfPanel.Scalar == Self

    /// AVX-512 GEMM of this precision (CFlowKernels).
    static func avx512GEMM(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Self>, _ aRowStride: Int,
                           _ aColStride: Int, _ b: UnsafePointer<Self>, _ panelStride: Int, _ bRowStride: Int,
                           _ bias: UnsafePointer<Self>?, _ c: UnsafeMutablePointer<Self>, _ ldc: Int,
                           _ epilogue: Int32, _ g: UnsafePointer<Self>?, _ accumulate: Int32)

    /// FastMath's tanh and exp in place on `count` values (the kernel path's version).
    static func tanhInPlace(_ p: UnsafeMutablePointer<Self>, count: Int)
    static func expInPlace(_ p: UnsafeMutablePointer<Self>, count: Int)
    /// The scalar tanh of the portable path.
    static func fastTanh(_ x: Self) -> Self
}

extension Double: FlowScalar {
    public typealias Panel = SIMD8<Double>
    public typealias HalfPanel = SIMD4<Double>

    @inline(__always)
    public static func avx512GEMM(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Double>, _ aRowStride: Int,
                                  _ aColStride: Int, _ b: UnsafePointer<Double>, _ panelStride: Int,
                                  _ bRowStride: Int, _ bias: UnsafePointer<Double>?, _ c: UnsafeMutablePointer<Double>,
                                  _ ldc: Int, _ epilogue: Int32, _ g: UnsafePointer<Double>?, _ accumulate: Int32) {
        cfk_gemm_avx512(m, n, k, a, aRowStride, aColStride, b, panelStride, bRowStride, bias, c, ldc, epilogue, g,
                        accumulate)
    }

    public static func tanhInPlace(_ p: UnsafeMutablePointer<Double>, count: Int) { FastMath.tanh(p, count: count) }
    public static func expInPlace(_ p: UnsafeMutablePointer<Double>, count: Int) { FastMath.exp(p, count: count) }
    @inline(__always) public static func fastTanh(_ x: Double) -> Double { FastMath.tanh(x) }
}

/// Single precision: products and activations in Float. tanh (the hidden
/// layers' activation, a step's most frequent function) is `FastMath.tanhFloat`,
/// computed in float; exp (of the log-scales, far fewer) is the double formula
/// on the widened value, rounded once. The same on every path.
extension Float: FlowScalar {
    public typealias Panel = SIMD16<Float>
    public typealias HalfPanel = SIMD8<Float>

    @inline(__always)
    public static func avx512GEMM(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ aRowStride: Int,
                                  _ aColStride: Int, _ b: UnsafePointer<Float>, _ panelStride: Int,
                                  _ bRowStride: Int, _ bias: UnsafePointer<Float>?, _ c: UnsafeMutablePointer<Float>,
                                  _ ldc: Int, _ epilogue: Int32, _ g: UnsafePointer<Float>?, _ accumulate: Int32) {
        cfk_sgemm_avx512(m, n, k, a, aRowStride, aColStride, b, panelStride, bRowStride, bias, c, ldc, epilogue, g,
                         accumulate)
    }

    public static func tanhInPlace(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        if KernelPath.active == .avx512 { return cfk_tanhf_avx512(p, n) }
        if FastMath.avx2 { return cfk_tanhf_avx2(p, n) }
        for i in 0..<n { p[i] = FastMath.tanhFloat(p[i]) }
    }

    public static func expInPlace(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        if KernelPath.active == .avx512 { return cfk_expf_avx512(p, n) }
        for i in 0..<n { p[i] = Float(FastMath.exp(Double(p[i]))) }
    }

    @inline(__always) public static func fastTanh(_ x: Float) -> Float { FastMath.tanhFloat(x) }
}

/// Which precision a flow trains and evaluates in.
public enum FlowPrecision: String, Sendable, CaseIterable {
    case double
    case single
}

extension FastMath {
    /// tanh in single precision, `tanh` with float's constants: a = |x| (0
    /// when > 9.5, where tanh rounds to 1), 2a = k·ln2 + r (ln2 in two parts,
    /// the first with 9 bits so that k·ln2hi is exact), e^r = N(r)/N(-r) with
    /// N the [3/3] Padé numerator 1 + r/2 + r²/10 + r³/120 (error < 1e-8 on
    /// |r| ≤ ln2/2, below float's half-ulp). Every product-sum a fused
    /// multiply-add, like CFlowKernels' copy: the same bits on every path.
    @inline(__always)
    public static func tanhFloat(_ x: Float) -> Float {
        let a0 = abs(x)
        let big = a0 > 9.5
        let a: Float = big ? 0 : a0
        let xx = a + a
        let magic: Float = 0x1.8p23
        let t = xx * 1.44269504 + magic
        let k = t - magic
        var r = xx.addingProduct(-k, 0.693359375)
        r = r.addingProduct(-k, -2.12194440e-4)
        let s = Float(bitPattern: (t.bitPattern &- magic.bitPattern &+ 127) &<< 23)
        let r2 = r * r
        let q = Float(1).addingProduct(r2, 0.1)
        let sp = Float(0.5).addingProduct(r2, Float(1) / 120)
        let rs = r * sp
        let sm1 = s - 1, sp1 = s + 1
        let num = (sm1 * q).addingProduct(sp1, rs)
        let den = (sp1 * q).addingProduct(sm1, rs)
        let th: Float = big ? 1 : num / den
        return x < 0 ? -th : th
    }
}
