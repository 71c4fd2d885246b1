import CFlowKernels

/// exp and tanh in double precision, written here so that their bits depend
/// on nothing but this file: libm's versions are scalar calls (too slow for
/// ~10⁶ activations per step) and may differ between libc builds.
///
/// Both reduce x = k·ln2 + r, |r| ≤ ln2/2, and use e^r = N(r)/N(-r) with N the
/// [6/6] Padé numerator of exp (error < 2e-19 on that interval), written
/// N(±r) = Q(r²) ± r·S(r²). Every product-sum is a fused multiply-add, exactly
/// rounded, so the bits are the same with or without hardware FMA. The code is
/// branch-free scalar arithmetic: the buffer loops below are vectorised by the
/// compiler, with lane-for-lane the same operations. Accuracy: a few ulp
/// (tested against libm). With AVX-512 (`KernelPath`) the buffer loops run
/// CFlowKernels' copies of these formulas, step for step: the same bits.
public enum FastMath {
    static let log2e = 1.4426950408889634
    static let ln2hi = 6.93147180369123816490e-01  // low 32 bits zero: k·ln2hi exact
    static let ln2lo = 1.90821492927058770002e-10
    static let magic = 0x1.8p52  // adding it rounds to an integer held in the low mantissa bits

    /// k, 2^k, Q(r²) and r·S(r²) for x = k·ln2 + r. Valid for |x| < 708.
    @inline(__always)
    static func reduce(_ x: Double) -> (s: Double, q: Double, rs: Double) {
        let t = x * log2e + magic
        let k = t - magic
        var r = x.addingProduct(-k, ln2hi)
        r = r.addingProduct(-k, ln2lo)
        let s = Double(bitPattern: (t.bitPattern &- magic.bitPattern &+ 1023) &<< 52)
        // N(r) = 1 + r/2 + 5r²/44 + r³/66 + r⁴/792 + r⁵/15840 + r⁶/665280
        let r2 = r * r
        var q = (1.0 / 792).addingProduct(r2, 1.0 / 665_280)
        q = (5.0 / 44).addingProduct(r2, q)
        q = 1.0.addingProduct(r2, q)
        var sp = (1.0 / 66).addingProduct(r2, 1.0 / 15_840)
        sp = 0.5.addingProduct(r2, sp)
        return (s, q, r * sp)
    }

    /// e^x = 2^k (Q + rS)/(Q - rS), for |x| < 708.
    @inline(__always)
    public static func exp(_ x: Double) -> Double {
        let (s, q, rs) = reduce(x)
        return s * (q + rs) / (q - rs)
    }

    /// tanh a (a = |x|, 2a = k·ln2 + r):
    ///
    ///     (2^k N(r) - N(-r)) / (2^k N(r) + N(-r))
    ///       = ((2^k - 1) Q + (2^k + 1) rS) / ((2^k + 1) Q + (2^k - 1) rS)
    ///
    /// One division, and no cancellation near 0 (k = 0 gives rS/Q). NaN propagates.
    @inline(__always)
    public static func tanh(_ x: Double) -> Double {
        let a0 = abs(x)
        let big = a0 > 22  // tanh(22) rounds to 1
        let a = big ? 0 : a0
        let (s, q, rs) = reduce(a + a)
        let sm1 = s - 1, sp1 = s + 1  // exact for k ≤ 52 (and k ≤ 64 here)
        let num = (sm1 * q).addingProduct(sp1, rs)
        let den = (sp1 * q).addingProduct(sm1, rs)
        let th = big ? 1 : num / den
        return x < 0 ? -th : th
    }

    /// Whether this CPU runs CFlowKernels' AVX2 tanh (x86-64 with AVX2 and FMA).
    static let avx2 = cfk_avx2_available() != 0

    /// tanh in place on `n` doubles. On the portable path of an x86-64 CPU
    /// with AVX2, CFlowKernels' copy: the same formula with several vectors'
    /// chains interleaved (the compiler's loop runs one at a time, 1.8× slower).
    public static func tanh(_ p: UnsafeMutablePointer<Double>, count n: Int) {
        if KernelPath.active == .avx512 { return cfk_tanh_avx512(p, n) }
        if avx2 { return cfk_tanh_avx2(p, n) }
        for i in 0..<n { p[i] = tanh(p[i]) }
    }

    /// exp in place on `n` doubles.
    public static func exp(_ p: UnsafeMutablePointer<Double>, count n: Int) {
        if KernelPath.active == .avx512 { return cfk_exp_avx512(p, n) }
        for i in 0..<n { p[i] = exp(p[i]) }
    }
}
