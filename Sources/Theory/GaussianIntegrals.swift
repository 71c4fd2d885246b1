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
    static let panels: [(Double, Double, Int)] = [
        (0, 1.5, 10), (1.5, 4, 12), (4, 8, 14), (8, 13, 14), (13, 20, 12), (20, 32, 10),
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
    let nodeU: [Double], nodeU2: [Double], weightSigma: [Double], weightSoftplus: [Double]

    public init(hermiteNodes: Int = 40) {
        let gh = FixedRule.gaussHermiteNormal(hermiteNodes)
        hermiteZ = gh.nodes
        hermiteW = gh.weights
        var u = [Double](), ws = [Double](), wp = [Double]()
        for (a, b, n) in Self.panels {
            let r = FixedRule.gaussLegendre(n, a, b)
            for (x, w) in zip(r.nodes, r.weights) {
                u.append(x)
                ws.append(w / (1 + exp(x)))
                wp.append(w * log1p(exp(-x)))
            }
        }
        nodeU = u
        nodeU2 = u.map { $0 * $0 }
        weightSigma = ws
        weightSoftplus = wp
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
        var iS = 0.0, iP = 0.0, dS = 0.0
        hermiteZ.withUnsafeBufferPointer { z in
            hermiteW.withUnsafeBufferPointer { w in
                for i in 0..<z.count {
                    let u = M + S * z[i]
                    // σ(u) and log(1 + e^u) from one exponential.
                    let e = exp(-abs(u))
                    let s = u >= 0 ? 1 / (1 + e) : e / (1 + e)
                    iS += w[i] * s
                    dS += w[i] * (s * (1 - s))
                    if wantSoftplus { iP += w[i] * (max(u, 0) + log1p(e)) }
                }
            }
        }
        return Values(sigma: iS, softplus: iP, dSigma: dS)
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
        var rS = 0.0, rP = 0.0, rD = 0.0
        let inv2S2 = 0.5 / (S * S), invS2 = 1 / (S * S)
        let norm = 1 / (S * (2 * Double.pi).squareRoot())
        nodeU.withUnsafeBufferPointer { u in
            weightSigma.withUnsafeBufferPointer { ws in
                weightSoftplus.withUnsafeBufferPointer { wp in
                    for i in 0..<u.count {
                        let up = u[i] - M, um = u[i] + M  // N(u) uses (u - M), N(-u) uses (u + M)
                        let np = exp(-up * up * inv2S2), nm = exp(-um * um * inv2S2)
                        rS += ws[i] * (nm - np)
                        rD += ws[i] * (-um * nm - up * np)
                        if wantSoftplus { rP += wp[i] * (nm + np) }
                    }
                }
            }
        }
        iS += norm * rS
        iP += norm * rP
        dS += norm * invS2 * rD
        return Values(sigma: iS, softplus: iP, dSigma: dS)
    }
}
