import Foundation

/// The target p = ρ N(μ₊, σp² I) + (1-ρ) N(μ₋, σp² I) (model.md, "Setting").
/// Only the geometry of μ± matters: they are given by coordinates in an
/// orthonormal basis (e₁, e₂) of span{μ±}; `symmetric(mu:)` is μ± = ±|μ| e₁.
public struct Target: Sendable, Equatable {
    public var muPlus: SIMD2<Double>
    public var muMinus: SIMD2<Double>
    public var rho: Double
    public var sigmaP2: Double

    public init(muPlus: SIMD2<Double>, muMinus: SIMD2<Double>, rho: Double = 0.5, sigmaP2: Double = 1) {
        self.muPlus = muPlus
        self.muMinus = muMinus
        self.rho = rho
        self.sigmaP2 = sigmaP2
    }

    /// μ± = ±|μ| e₁, the paper's (and the figures') target.
    public static func symmetric(mu: Double, rho: Double = 0.5, sigmaP2: Double = 1) -> Target {
        Target(muPlus: [mu, 0], muMinus: [-mu, 0], rho: rho, sigmaP2: sigmaP2)
    }

    /// Gram matrix T_bc = μ_b·μ_c.
    public var tPP: Double { (muPlus * muPlus).sum() }
    public var tPM: Double { (muPlus * muMinus).sum() }
    public var tMM: Double { (muMinus * muMinus).sum() }
    /// |Δ|² = |μ₊ - μ₋|².
    public var delta2: Double { tPP - 2 * tPM + tMM }
    /// ℓ = log(ρ / (1-ρ)).
    public var logOdds: Double { log(rho / (1 - rho)) }

    /// dim span{μ±}: 1 when μ± are collinear (the symmetric case), else 2.
    public var rank: Int {
        let cross = muPlus.x * muMinus.y - muPlus.y * muMinus.x
        let scale = (tPP * tMM).squareRoot()
        if tPP == 0 && tMM == 0 { return 0 }
        return abs(cross) <= 1e-14 * max(scale, 1e-300) ? 1 : 2
    }

    /// A unit vector along span{μ±} when `rank == 1`.
    var lineDirection: SIMD2<Double> {
        let v = tPP >= tMM ? muPlus : muMinus
        return v / (v * v).sum().squareRoot()
    }
}
