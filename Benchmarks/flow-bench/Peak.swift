// This core's double-precision peak, measured rather than assumed: twelve
// independent chains of 4-wide fused multiply-adds (enough to cover the FMA
// latency on two pipes), best of several runs; and the same with 8-wide
// AVX-512 vectors (24 chains, CFlowKernels) where the CPU has them.
import CFlowKernels
import Dispatch
import Flows

@inline(never)
func fmaChains(_ n: Int, _ x: SIMD4<Double>, _ y: SIMD4<Double>) -> SIMD4<Double> {
    var a0 = x, a1 = x + 1, a2 = x + 2, a3 = x + 3, a4 = x + 4, a5 = x + 5
    var a6 = x + 6, a7 = x + 7, a8 = x + 8, a9 = x + 9, a10 = x + 10, a11 = x + 11
    for _ in 0..<n {
        a0 = y.addingProduct(a0, x); a1 = y.addingProduct(a1, x); a2 = y.addingProduct(a2, x)
        a3 = y.addingProduct(a3, x); a4 = y.addingProduct(a4, x); a5 = y.addingProduct(a5, x)
        a6 = y.addingProduct(a6, x); a7 = y.addingProduct(a7, x); a8 = y.addingProduct(a8, x)
        a9 = y.addingProduct(a9, x); a10 = y.addingProduct(a10, x); a11 = y.addingProduct(a11, x)
    }
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
}

/// `fmaChains` in single precision: twelve chains of 8-wide float fused
/// multiply-adds, the same instructions' throughput on twice the lanes.
@inline(never)
func fmaChainsFloat(_ n: Int, _ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
    var a0 = x, a1 = x + 1, a2 = x + 2, a3 = x + 3, a4 = x + 4, a5 = x + 5
    var a6 = x + 6, a7 = x + 7, a8 = x + 8, a9 = x + 9, a10 = x + 10, a11 = x + 11
    for _ in 0..<n {
        a0 = y.addingProduct(a0, x); a1 = y.addingProduct(a1, x); a2 = y.addingProduct(a2, x)
        a3 = y.addingProduct(a3, x); a4 = y.addingProduct(a4, x); a5 = y.addingProduct(a5, x)
        a6 = y.addingProduct(a6, x); a7 = y.addingProduct(a7, x); a8 = y.addingProduct(a8, x)
        a9 = y.addingProduct(a9, x); a10 = y.addingProduct(a10, x); a11 = y.addingProduct(a11, x)
    }
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
}

/// The portable path's single-precision peak: the best of `runs` runs of
/// `fmaChainsFloat` (about 1 ms each).
func measurePeakFloat(runs: Int = 15) -> Double {
    let n = 250_000, x = SIMD8<Float>(repeating: 0.999_999), y = SIMD8<Float>(repeating: 1e-9)
    var best = 0.0, sink: Float = 0
    for _ in 0..<runs {
        let t0 = DispatchTime.now().uptimeNanoseconds
        sink += fmaChainsFloat(n, x, y).sum()
        let t = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        best = max(best, Double(n) * 12 * 8 * 2 / t)
    }
    if sink.isNaN { print("") }
    return best
}

/// Flop/s (2 per multiply-add) of the best of `runs` runs of about 1 ms each.
func measurePeak(runs: Int = 15) -> Double {
    let n = 250_000, x = SIMD4<Double>(repeating: 0.999_999), y = SIMD4<Double>(repeating: 1e-9)
    var best = 0.0, sink = 0.0
    for _ in 0..<runs {
        let t0 = DispatchTime.now().uptimeNanoseconds
        sink += fmaChains(n, x, y).sum()
        let t = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        best = max(best, Double(n) * 12 * 4 * 2 / t)
    }
    if sink.isNaN { print("") }  // keeps the chains alive
    return best
}

/// The AVX-512 peak (nil where the CPU has no AVX-512): the best of `runs`
/// runs of 24 chains of 8-wide (double) or 16-wide (single) fused
/// multiply-adds.
func measurePeakAVX512(runs: Int = 15, single: Bool = false) -> Double? {
    guard KernelPath.runs(.avx512) else { return nil }
    let n = 125_000  // about 1 ms: short enough that most runs go undisturbed
    let lanes = single ? 16.0 : 8.0
    var best = 0.0, sink = 0.0
    for _ in 0..<runs {
        let t0 = DispatchTime.now().uptimeNanoseconds
        sink += single ? Double(cfk_fma_chains_f32_avx512(n, 0.999_999, 1e-9)) : cfk_fma_chains_avx512(n, 0.999_999, 1e-9)
        let t = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        best = max(best, Double(n) * 24 * lanes * 2 / t)
    }
    if sink.isNaN { print("") }
    return best
}

/// The single-precision peak of the kernels that run: the 16-lane AVX-512
/// loop when they are AVX-512, else the 8-wide (AVX2) float loop; and a line
/// naming it.
func singlePeakOfActivePath() -> (peak: Double, line: String) {
    if KernelPath.active == .avx512, let p = measurePeakAVX512(runs: 40, single: true) {
        return (p, String(format: "single-precision AVX-512 loop %.1f GFLOP/s, the peak used below", p / 1e9))
    }
    let p = measurePeakFloat(runs: 40)
    return (p, String(format: "single-precision 8-wide loop %.1f GFLOP/s, the peak used below", p / 1e9))
}

/// The peak of the kernels that run (AVX-512 when active), and a line saying
/// which path is active and both loops' peaks.
func peakOfActivePath() -> (peak: Double, line: String) {
    let avx2 = measurePeak(runs: 40), avx512 = measurePeakAVX512(runs: 40)
    let active = KernelPath.active
    let peak = active == .avx512 ? avx512! : avx2
    let other = avx512.map { String(format: ", AVX-512 loop %.1f", $0 / 1e9) } ?? ", no AVX-512"
    return (peak, "this core's peak: \(String(format: "%.1f", peak / 1e9)) GFLOP/s (kernels: \(active.rawValue);"
                + " FMA loops best of 40: 4-wide \(String(format: "%.1f", avx2 / 1e9))\(other))")
}
