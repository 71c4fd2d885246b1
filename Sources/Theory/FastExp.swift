/// e^x for x ≤ 0, on 8 lanes (4 independent SSE2 chains, so the polynomial
/// is throughput- rather than latency-bound), inlined into the integral loops: Cody–Waite
/// reduction x = k ln2 + r (|r| ≤ ln2/2), a degree-13 Taylor polynomial for
/// e^r (truncation < 2e-17 relative), and 2^k from the exponent bits.
/// Relative error ≲ 4e-16 (tested against `exp`); below x = -700 it returns
/// e^{-700} ≈ 1e-304 (every caller multiplies it by a bounded weight).
/// Pure IEEE arithmetic (no FMA contraction, no table), so the same bits on
/// every machine. Rounding to k uses the 1.5·2⁵² trick: adding it leaves
/// k + 2⁵¹ in the low mantissa bits, which also gives 2^k's exponent field.
@inline(__always)
func expNonPositive(_ x: SIMD8<Double>) -> SIMD8<Double> {
    let magic = SIMD8<Double>(repeating: 6755399441055744.0)
    let x = x.replacing(with: -700, where: x .< -700)
    let shifted = x * 1.4426950408889634 + magic
    let k = shifted - magic
    let r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10
    var p = SIMD8<Double>(repeating: 1.6059043836821613e-10)  // 1/13!
    p = p * r + 2.08767569878681e-9  // 1/12!
    p = p * r + 2.505210838544172e-8
    p = p * r + 2.755731922398589e-7
    p = p * r + 2.7557319223985893e-6
    p = p * r + 2.48015873015873e-5
    p = p * r + 1.984126984126984e-4
    p = p * r + 1.388888888888889e-3
    p = p * r + 8.333333333333333e-3
    p = p * r + 4.1666666666666664e-2
    p = p * r + 0.16666666666666666
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let bits = (unsafeBitCast(shifted, to: SIMD8<UInt64>.self) &+ 1023) &<< 52
    return p * unsafeBitCast(bits, to: SIMD8<Double>.self)
}

/// Scalar form of the same (tests, and loops too short to vectorise).
@inline(__always)
func expNonPositive(_ x: Double) -> Double {
    expNonPositive(SIMD8(repeating: x))[0]
}

/// log(1 + x) for x ∈ [0, 1] on 8 lanes: 2 atanh(z), z = x/(2 + x) ∈ [0, 1/3],
/// by its odd series Σ z^{2k+1}/(2k+1) to k = 17 (truncation < 1e-17
/// relative since z² ≤ 1/9). Used for the softplus integrand, where x = e^{-|u|}.
@inline(__always)
func log1pUnit(_ x: SIMD8<Double>) -> SIMD8<Double> {
    let z = x / (2 + x), z2 = z * z
    var p = SIMD8<Double>(repeating: 1.0 / 35)
    var k = 16
    while k >= 0 {
        p = p * z2 + 1.0 / Double(2 * k + 1)
        k -= 1
    }
    return 2 * z * p
}
