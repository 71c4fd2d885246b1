import Foundation
import GSL

/// The two 1-D Gaussian integrals every responsibility reduces to
/// (model.md, "Responsibilities reduce to 1-D Gaussian integrals"), z ~ N(0,1):
///
///     Iσ(M, S)  = E[σ(M + S z)]          Isp(M, S) = E[log(1 + e^{M + S z})]
///     ∂M Iσ(M, S) = E[σ'(M + S z)]
///
/// Absolute error below 1e-10 for M ∈ [-200, 200], S ∈ [0, 200] (tested
/// against adaptive quadrature). Two regimes:
/// - S ≤ `splitS`: Gauss–Hermite in z (σ is analytic in the strip |Im u| < π,
///   so the rule converges geometrically while S stays O(1));
/// - S > `splitS`: the exact step/ramp part in closed form plus the remainder
///   (σ(u) - 1[u>0], resp. log(1 + e^{-|u|})) integrated in u on [0, L] with
///   composite Gauss–Legendre, folding u and -u onto the same node. The
///   remainders decay like e^{-|u|}, so L = 32 leaves < 1e-13; when the
///   Gaussian N(u; M, S²) has no mass on [-L, L] the remainder is skipped.
///
/// A value type holding the rules; build one and reuse it (building computes
/// the nodes with GSL).
public struct GaussianIntegrals: Sendable {
    public static let splitS = 1.0
    static let cutoff = 32.0
    /// Panels of the remainder rule on [0, L]: short near the kink at 0 (where
    /// σ's poles at ±iπ are close), longer where e^{-u} is already small.
    public static let panels: [(Double, Double, Int)] = [
        (0, 1.5, 10), (1.5, 4, 12), (4, 8, 14), (8, 13, 14), (13, 20, 12), (20, 32, 10),
    ]
    /// For S ≥ `wideS` the Gaussian factor is smooth on the scale of the panels
    /// and half the nodes suffice (max error 4e-12 on a dense (M, S) grid).
    public static let wideS = 2.5
    public static let widePanels: [(Double, Double, Int)] = [
        (0, 2, 8), (2, 6, 8), (6, 12, 8), (12, 20, 8), (20, 30, 4),
    ]

    public struct Values: Sendable, Equatable {
        /// Iσ(M, S)
        public var sigma: Double
        /// Isp(M, S)
        public var softplus: Double
        /// ∂M Iσ(M, S)
        public var dSigma: Double
    }

    // Gauss–Hermite (z, weight) for the small-S regime.
    let hermiteZ: [Double], hermiteW: [Double]
    // Remainder nodes u > 0 with the fixed parts of the integrands folded into
    // the weights: wσ = W σ(-u), wsp = W log(1 + e^{-u}).
    let narrow: RemainderRule, wide: RemainderRule

    struct RemainderRule: Sendable {
        let nodeU: [Double], weightSigma: [Double], weightSoftplus: [Double]
        init(_ panels: [(Double, Double, Int)]) {
            var u = [Double](), ws = [Double](), wp = [Double]()
            for (a, b, n) in panels {
                let r = FixedRule.gaussLegendre(n, a, b)
                for (x, w) in zip(r.nodes, r.weights) {
                    u.append(x)
                    ws.append(w / (1 + exp(x)))
                    wp.append(w * log1p(exp(-x)))
                }
            }
            while u.count % 4 != 0 {  // the loop takes 4 nodes at a time: pad with zero weights
                u.append(1); ws.append(0); wp.append(0)
            }
            nodeU = u
            weightSigma = ws
            weightSoftplus = wp
        }
    }

    public init(hermiteNodes: Int = 40, panels: [(Double, Double, Int)] = GaussianIntegrals.panels,
                widePanels: [(Double, Double, Int)] = GaussianIntegrals.widePanels) {
        precondition(hermiteNodes % 8 == 0, "the Hermite loop takes 8 nodes at a time")
        let gh = FixedRule.gaussHermiteNormal(hermiteNodes)
        hermiteZ = gh.nodes
        hermiteW = gh.weights
        narrow = RemainderRule(panels)
        wide = RemainderRule(widePanels)
    }

    /// A shared instance (rules built once per process).
    public static let shared = GaussianIntegrals()

    // MARK: - Pointwise functions, stable for any u

    @inline(__always)
    public static func logistic(_ u: Double) -> Double {
        if u >= 0 { return 1 / (1 + exp(-u)) }
        let e = exp(u)
        return e / (1 + e)
    }

    @inline(__always)
    public static func softplus(_ u: Double) -> Double {
        max(u, 0) + log1p(exp(-abs(u)))
    }

    // MARK: - Integrals

    /// Iσ(M, S) alone (the fixed-weight system needs only this).
    @inline(__always)
    public func sigma(_ M: Double, _ S: Double) -> Double {
        evaluate(M, S, softplus: false).sigma
    }

    /// Iσ, Isp and ∂M Iσ together (they share the Gaussian evaluations).
    @inline(__always)
    public func all(_ M: Double, _ S: Double) -> Values {
        evaluate(M, S, softplus: true)
    }

    @inline(__always)
    func evaluate(_ M: Double, _ S: Double, softplus wantSoftplus: Bool) -> Values {
        precondition(S >= 0, "Gaussian integral with negative width S = \(S)")
        if S == 0 {
            let s = Self.logistic(M)
            return Values(sigma: s, softplus: Self.softplus(M), dSigma: s * (1 - s))
        }
        if S <= Self.splitS { return hermite(M, S, wantSoftplus) }
        return split(M, S, wantSoftplus)
    }

    func hermite(_ M: Double, _ S: Double, _ wantSoftplus: Bool) -> Values {
        var iS = SIMD8<Double>(), iP = SIMD8<Double>(), dS = SIMD8<Double>()
        hermiteZ.withUnsafeBufferPointer { z in
            hermiteW.withUnsafeBufferPointer { w in
                // Eight nodes at a time (the node count is a multiple of 8).
                for i in stride(from: 0, to: z.count, by: 8) {
                    let zz = SIMD8(z[i], z[i + 1], z[i + 2], z[i + 3], z[i + 4], z[i + 5], z[i + 6], z[i + 7])
                    let ww = SIMD8(w[i], w[i + 1], w[i + 2], w[i + 3], w[i + 4], w[i + 5], w[i + 6], w[i + 7])
                    let u = M + S * zz
                    // σ(u) and log(1 + e^u) from one exponential e^{-|u|}.
                    let e = expNonPositive(u.replacing(with: -u, where: u .> 0))
                    let s = (e / (1 + e)).replacing(with: 1 / (1 + e), where: u .>= 0)
                    iS += ww * s
                    dS += ww * (s * (1 - s))
                    if wantSoftplus {
                        iP += ww * (u.replacing(with: 0, where: u .< 0) + log1pUnit(e))
                    }
                }
            }
        }
        return Values(sigma: iS.sum(), softplus: iP.sum(), dSigma: dS.sum())
    }

    func split(_ M: Double, _ S: Double, _ wantSoftplus: Bool) -> Values {
        let x = M / S
        let phi = exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
        let cdf = SpecialFunctions.normalP(x)
        var iS = cdf
        var iP = M * cdf + S * phi
        var dS = phi / S
        // No Gaussian mass on [-L, L] beyond 1e-16: the remainders vanish.
        if abs(M) - Self.cutoff > 8.3 * S { return Values(sigma: iS, softplus: iP, dSigma: dS) }
        let inv2S2 = 0.5 / (S * S), invS2 = 1 / (S * S)
        let norm = 1 / (S * (2 * Double.pi).squareRoot())
        let rule = S >= Self.wideS ? wide : narrow
        // Lanes: (N(u_i), N(-u_i), N(u_{i+1}), N(-u_{i+1}), …) for 4 nodes, up to the norm.
        var accS = SIMD8<Double>(), accP = SIMD8<Double>(), accD = SIMD8<Double>()
        let sign = SIMD8<Double>(-1, 1, -1, 1, -1, 1, -1, 1)
        let shift = sign * M  // lanes u - M, u + M
        rule.nodeU.withUnsafeBufferPointer { u in
            rule.weightSigma.withUnsafeBufferPointer { ws in
                rule.weightSoftplus.withUnsafeBufferPointer { wp in
                    for i in stride(from: 0, to: u.count, by: 4) {
                        // N(u) uses u - M, N(-u) uses u + M.
                        let pair = SIMD8<Double>(u[i], u[i], u[i + 1], u[i + 1], u[i + 2], u[i + 2], u[i + 3], u[i + 3])
                        let du = pair + shift
                        let g = expNonPositive(-du * du * inv2S2)
                        let wS = SIMD8<Double>(ws[i], ws[i], ws[i + 1], ws[i + 1], ws[i + 2], ws[i + 2], ws[i + 3], ws[i + 3])
                        accS += wS * sign * g  // σ remainder: N(-u) - N(u)
                        accD -= wS * du * g  // ∂M: -(u+M)N(-u) - (u-M)N(u)
                        if wantSoftplus {
                            let wP = SIMD8<Double>(wp[i], wp[i], wp[i + 1], wp[i + 1], wp[i + 2], wp[i + 2], wp[i + 3], wp[i + 3])
                            accP += wP * g
                        }
                    }
                }
            }
        }
        let rS = accS.sum(), rP = accP.sum(), rD = accD.sum()
        iS += norm * rS
        iP += norm * rP
        dS += norm * invS2 * rD
        return Values(sigma: iS, softplus: iP, dSigma: dS)
    }
}
