import Foundation

/// Iσ(M, S), Isp(M, S) and ∂M Iσ(M, S) at one fixed width S, as functions of
/// M alone: piecewise Chebyshev interpolants of the direct evaluation.
///
/// Why: the target-side integrals R^p_k, P^p_k have a width S^p = √(s Δ²)/σp²
/// that is constant along a trajectory (model.md, "Responsibilities reduce to
/// 1-D Gaussian integrals"; only variance tempering moves it). They are half of
/// every RHS evaluation and, at large d, where the model-side remainders vanish,
/// nearly all of its cost. An interpolant is a Clenshaw sum instead of 72
/// Gaussian evaluations.
///
/// Only for S > `GaussianIntegrals.splitS`, where `GaussianIntegrals` splits
/// off the closed form: the interpolants cover |M| ≤ L + 8.3 S (L the remainder
/// cutoff) and outside it the direct evaluation is the closed form alone, so
/// it is used there. All three functions are entire in M and vary on the scale
/// S, so panels of width S with degree-15 polynomials reproduce the direct
/// rules to rounding (≤ 7e-15, Isp relative to its size; tested, as is the
/// agreement with adaptive quadrature).
public struct FixedWidthIntegrals: Sendable {
    public let S: Double
    let lower: Double, upper: Double, inversePanelWidth: Double
    /// Coefficients panel after panel, `order` per panel; lanes (Iσ, Isp, ∂M Iσ, 0).
    let coefficients: [SIMD4<Double>]
    let direct: GaussianIntegrals
    static let order = 16

    /// nil when S is not in the split regime (S ≤ `GaussianIntegrals.splitS`).
    public init?(S: Double, integrals: GaussianIntegrals = .shared) {
        guard S > GaussianIntegrals.splitS, S.isFinite else { return nil }
        self.S = S
        direct = integrals
        let upper = GaussianIntegrals.cutoff + 8.3 * S, lower = -upper
        let panels = Int((2 * upper / S).rounded(.up))
        let panelWidth = 2 * upper / Double(panels)
        self.upper = upper
        self.lower = lower
        inversePanelWidth = 1 / panelWidth
        let n = Self.order
        // Chebyshev nodes x_j = cos(π(j + ½)/n) and c_k = (2/n) Σ_j f(x_j) cos(πk(j + ½)/n).
        let angles = (0..<n).map { Double.pi * (Double($0) + 0.5) / Double(n) }
        let cosines = (0..<n).map { k in angles.map { cos(Double(k) * $0) } }  // [k][j]
        var coefficients: [SIMD4<Double>] = []
        coefficients.reserveCapacity(panels * n)
        for p in 0..<panels {
            let a = lower + Double(p) * panelWidth
            let values = angles.map { theta -> SIMD4<Double> in
                let v = integrals.all(a + 0.5 * panelWidth * (cos(theta) + 1), S)
                return SIMD4(v.sigma, v.softplus, v.dSigma, 0)
            }
            for k in 0..<n {
                var c = SIMD4<Double>()
                for j in 0..<n { c += values[j] * cosines[k][j] }
                coefficients.append(c * (k == 0 ? 1 / Double(n) : 2 / Double(n)))
            }
        }
        self.coefficients = coefficients
    }

    /// Iσ, Isp and ∂M Iσ at (M, S).
    @inline(__always)
    public func all(_ M: Double) -> GaussianIntegrals.Values {
        guard M > lower, M < upper else { return direct.all(M, S) }
        let p = min(Int((M - lower) * inversePanelWidth), coefficients.count / Self.order - 1)
        let x = 2 * ((M - lower) * inversePanelWidth - Double(p)) - 1
        // Clenshaw: b_k = c_k + 2x b_{k+1} - b_{k+2}; f = c_0 + x b_1 - b_2.
        var b1 = SIMD4<Double>(), b2 = SIMD4<Double>()
        let twoX = 2 * x
        coefficients.withUnsafeBufferPointer { c in
            let base = p * Self.order
            for k in stride(from: Self.order - 1, through: 1, by: -1) {
                let b0 = c[base + k] + twoX * b1 - b2
                b2 = b1
                b1 = b0
            }
            b1 = c[base] + x * b1 - b2
        }
        return GaussianIntegrals.Values(sigma: b1[0], softplus: b1[1], dSigma: b1[2])
    }

    /// Iσ(M, S) alone.
    @inline(__always)
    public func sigma(_ M: Double) -> Double { all(M).sigma }
}

/// Interpolants built once per width and shared by every model in the process
/// (a sweep builds a model per seed). Building is a pure function of S, so
/// sharing cannot change a result.
final class FixedWidthIntegralsCache: @unchecked Sendable {
    static let shared = FixedWidthIntegralsCache()
    private let lock = NSLock()
    private var tables: [Double: FixedWidthIntegrals] = [:]
    static let capacity = 64

    func table(S: Double) -> FixedWidthIntegrals? {
        lock.lock()
        if let t = tables[S] { lock.unlock(); return t }
        lock.unlock()
        guard let t = FixedWidthIntegrals(S: S) else { return nil }
        lock.lock()
        if tables.count >= Self.capacity { tables.removeAll() }
        tables[S] = t
        lock.unlock()
        return t
    }
}
