import Foundation

/// The target of model.md: p(x) = ρ N(x; μ₊, σp² I) + (1-ρ) N(x; μ₋, σp² I).
public struct GaussianMixtureTarget: Sendable, Equatable {
    public let muPlus: [Double]
    public let muMinus: [Double]
    public let rho: Double
    public let sigma2: Double
    let cPlus: Double, cMinus: Double

    public init(muPlus: [Double], muMinus: [Double], rho: Double = 0.5, sigma2: Double = 1) {
        precondition(muPlus.count == muMinus.count && rho > 0 && rho < 1 && sigma2 > 0)
        self.muPlus = muPlus
        self.muMinus = muMinus
        self.rho = rho
        self.sigma2 = sigma2
        let norm = -0.5 * Double(muPlus.count) * log(2 * Double.pi * sigma2)
        cPlus = log(rho) + norm
        cMinus = log1p(-rho) + norm
    }

    /// Symmetric modes ±|μ| e_axis.
    public static func symmetric(dim: Int, mu: Double, axis: Int = 0, rho: Double = 0.5, sigma2: Double = 1) -> Self {
        var m = [Double](repeating: 0, count: dim)
        m[axis] = mu
        return GaussianMixtureTarget(muPlus: m, muMinus: m.map { -$0 }, rho: rho, sigma2: sigma2)
    }

    public var dim: Int { muPlus.count }

    /// The same modes and weights with component variance `sigma2` (variance
    /// tempering: σp²/β). Shares the mean arrays: allocates nothing.
    public func withVariance(_ sigma2: Double) -> GaussianMixtureTarget {
        GaussianMixtureTarget(muPlus: muPlus, muMinus: muMinus, rho: rho, sigma2: sigma2)
    }

    /// log p(x), the responsibility r^p₊(x), and (if `grad` is given)
    /// ∇ log p(x) = -[r₊(x - μ₊) + r₋(x - μ₋)]/σp², scaled by `gradScale`.
    @inline(__always)
    public func evaluate(_ x: UnsafePointer<Double>, grad: UnsafeMutablePointer<Double>? = nil,
                         gradScale: Double = 1) -> (logp: Double, rPlus: Double) {
        let d = dim
        var dp = 0.0, dm = 0.0
        muPlus.withUnsafeBufferPointer { mp in
            muMinus.withUnsafeBufferPointer { mm in
                for i in 0..<d {
                    let a = x[i] - mp[i], b = x[i] - mm[i]
                    dp += a * a
                    dm += b * b
                }
            }
        }
        let lp = cPlus - dp / (2 * sigma2), lm = cMinus - dm / (2 * sigma2)
        let logp = max(lp, lm) + log1p(exp(-abs(lp - lm)))
        let rPlus = 1 / (1 + exp(lm - lp))
        if let grad {
            let rMinus = 1 - rPlus, c = -gradScale / sigma2
            muPlus.withUnsafeBufferPointer { mp in
                muMinus.withUnsafeBufferPointer { mm in
                    for i in 0..<d { grad[i] = c * (rPlus * (x[i] - mp[i]) + rMinus * (x[i] - mm[i])) }
                }
            }
        }
        return (logp, rPlus)
    }
}
