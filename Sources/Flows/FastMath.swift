/// Vectorised exp and tanh in double precision, written here so that their
/// bits depend on nothing but this file: libm's versions are scalar (too slow
/// for ~10⁶ activations per step) and may differ between libc builds.
///
/// Both use the classic reduction x = k·ln2 + r, |r| ≤ ln2/2, and the Taylor
/// series of expm1(r) to degree 13 (truncation < 5e-18), evaluated by fused
/// multiply-adds (exactly rounded, so identical with or without hardware FMA).
/// Accuracy: a few ulp (tested against libm).
public enum FastMath {
    static let log2e = 1.4426950408889634
    static let ln2hi = 6.93147180369123816490e-01  // low 32 bits zero: k·ln2hi exact
    static let ln2lo = 1.90821492927058770002e-10
    static let magic = 0x1.8p52  // adding it rounds to an integer held in the low mantissa bits

    /// 2^k and expm1(r) with x = k·ln2 + r. Valid for |x| < 708.
    @inline(__always)
    static func reduce(_ x: SIMD8<Double>) -> (scale: SIMD8<Double>, p: SIMD8<Double>) {
        let t = x * log2e + magic
        let k = t - magic
        var r = x.addingProduct(-k, SIMD8(repeating: ln2hi))
        r = r.addingProduct(-k, SIMD8(repeating: ln2lo))
        let kbits = unsafeBitCast(t, to: SIMD8<UInt64>.self) &- magic.bitPattern
        let scale = unsafeBitCast((kbits &+ 1023) &<< 52, to: SIMD8<Double>.self)
        // expm1(r) = r + r²·(1/2! + r/3! + ... + r¹¹/13!)
        var q = SIMD8<Double>(repeating: 1.0 / 6_227_020_800)  // 1/13!
        q = SIMD8(repeating: 1.0 / 479_001_600).addingProduct(q, r)
        q = SIMD8(repeating: 1.0 / 39_916_800).addingProduct(q, r)
        q = SIMD8(repeating: 1.0 / 3_628_800).addingProduct(q, r)
        q = SIMD8(repeating: 1.0 / 362_880).addingProduct(q, r)
        q = SIMD8(repeating: 1.0 / 40_320).addingProduct(q, r)
        q = SIMD8(repeating: 1.0 / 5_040).addingProduct(q, r)
        q = SIMD8(repeating: 1.0 / 720).addingProduct(q, r)
        q = SIMD8(repeating: 1.0 / 120).addingProduct(q, r)
        q = SIMD8(repeating: 1.0 / 24).addingProduct(q, r)
        q = SIMD8(repeating: 1.0 / 6).addingProduct(q, r)
        q = SIMD8(repeating: 0.5).addingProduct(q, r)
        let p = r.addingProduct(r * r, q)
        return (scale, p)
    }

    /// e^x for |x| < 708.
    @inline(__always)
    public static func exp(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let (s, p) = reduce(x)
        return s.addingProduct(s, p)
    }

    /// tanh(a), a = |x|: with 2a = k·ln2 + r and e^r = N(r)/N(-r), N the
    /// [6/6] Padé numerator of exp (error < 2e-19 for |r| ≤ ln2/2), written
    /// N(±r) = Q(r²) ± r·S(r²):
    ///
    ///     tanh a = (2^k N(r) - N(-r)) / (2^k N(r) + N(-r))
    ///            = ((2^k - 1) Q + (2^k + 1) rS) / ((2^k + 1) Q + (2^k - 1) rS)
    ///
    /// One division, and no cancellation near 0 (k = 0 gives rS/Q). NaN propagates.
    @inline(__always)
    public static func tanh(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let negative = x .< 0
        var a = x.replacing(with: -x, where: negative)
        let big = a .> 22  // tanh(22) rounds to 1
        a.replace(with: 0, where: big)
        let u = a + a
        let t = u * log2e + magic
        let k = t - magic
        var r = u.addingProduct(-k, SIMD8(repeating: ln2hi))
        r = r.addingProduct(-k, SIMD8(repeating: ln2lo))
        let kbits = unsafeBitCast(t, to: SIMD8<UInt64>.self) &- magic.bitPattern
        let s = unsafeBitCast((kbits &+ 1023) &<< 52, to: SIMD8<Double>.self)
        let r2 = r * r
        // N(r) = 1 + r/2 + 5r²/44 + r³/66 + r⁴/792 + r⁵/15840 + r⁶/665280
        var q = SIMD8<Double>(repeating: 1.0 / 792).addingProduct(r2, SIMD8(repeating: 1.0 / 665_280))
        q = SIMD8(repeating: 5.0 / 44).addingProduct(r2, q)
        q = SIMD8(repeating: 1).addingProduct(r2, q)
        var sp = SIMD8<Double>(repeating: 1.0 / 66).addingProduct(r2, SIMD8(repeating: 1.0 / 15_840))
        sp = SIMD8(repeating: 0.5).addingProduct(r2, sp)
        let rs = r * sp
        let sm1 = s - 1, sp1 = s + 1  // exact for k ≤ 52; beyond, tanh rounds to 1 anyway
        let num = (sm1 * q).addingProduct(sp1, rs)
        let den = (sp1 * q).addingProduct(sm1, rs)
        var th = num / den
        th.replace(with: 1, where: big)
        return th.replacing(with: -th, where: negative)
    }

    /// Applies `f` to `n` doubles in place, eight at a time (the tail padded
    /// with zeros, so every element goes through the same arithmetic).
    @inline(__always)
    static func apply(_ p: UnsafeMutablePointer<Double>, _ n: Int, _ f: (SIMD8<Double>) -> SIMD8<Double>) {
        var i = 0
        while i + 8 <= n {
            let raw = UnsafeMutableRawPointer(p + i)
            raw.storeBytes(of: f(raw.loadUnaligned(as: SIMD8<Double>.self)), as: SIMD8<Double>.self)
            i += 8
        }
        if i < n {
            var v = SIMD8<Double>()
            for j in 0..<(n - i) { v[j] = p[i + j] }
            v = f(v)
            for j in 0..<(n - i) { p[i + j] = v[j] }
        }
    }

    public static func tanh(_ p: UnsafeMutablePointer<Double>, count n: Int) { apply(p, n, tanh) }
    public static func exp(_ p: UnsafeMutablePointer<Double>, count n: Int) { apply(p, n, exp) }

    /// Scalar forms (same arithmetic as lane 0 of the vector forms).
    public static func tanh(_ x: Double) -> Double { tanh(SIMD8(repeating: x))[0] }
    public static func exp(_ x: Double) -> Double { exp(SIMD8(repeating: x))[0] }
}
