import CFlowKernels

/// The precision a flow computes in: its activations, products and gradients.
/// Double is the default; Float (`FlowPrecision.single`) halves the memory
/// and doubles the vector lanes. Either way each output is one fixed chain of
/// operations, so the bits depend on neither the kernel path nor threads.
public protocol FlowScalar: BinaryFloatingPoint, SIMDScalar, Sendable {
    /// One GEMM panel's columns as a vector: 8 doubles or 16 floats.
    associatedtype Panel: SIMD where Panel.Scalar == Self

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

/// Single precision: products and activations in Float; tanh and exp are the
/// double formulas on the widened value, rounded once (a few ulp of double are
/// far below float's half-ulp, so this is float's correctly rounded value but
/// in rare ties, and the same on every path).
extension Float: FlowScalar {
    public typealias Panel = SIMD16<Float>

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
        for i in 0..<n { p[i] = Float(FastMath.tanh(Double(p[i]))) }
    }

    public static func expInPlace(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        if KernelPath.active == .avx512 { return cfk_expf_avx512(p, n) }
        for i in 0..<n { p[i] = Float(FastMath.exp(Double(p[i]))) }
    }

    @inline(__always) public static func fastTanh(_ x: Float) -> Float { Float(FastMath.tanh(Double(x))) }
}

/// Which precision a flow trains and evaluates in.
public enum FlowPrecision: String, Sendable, CaseIterable {
    case double
    case single
}
