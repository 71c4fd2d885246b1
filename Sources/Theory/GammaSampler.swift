import Foundation
import Random

/// Gamma and χ² variates on the project's RNG (Marsaglia & Tsang 2000, "A
/// simple method for generating gamma variables"): cost independent of the
/// shape, so a χ²_d draw costs the same at d = 5 and d = 5000.
extension Xoshiro256 {
    /// Gamma(shape, 1). For shape < 1, Gamma(shape + 1) · U^{1/shape}.
    public mutating func nextGamma(shape a: Double) -> Double {
        precondition(a > 0)
        if a < 1 {
            let g = nextGamma(shape: a + 1)
            return g * pow(nextOpenDouble(), 1 / a)
        }
        let d = a - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat {
                x = nextNormal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = nextOpenDouble()
            let x2 = x * x
            if u < 1 - 0.0331 * x2 * x2 { return d * v }  // squeeze
            if log(u) < 0.5 * x2 + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// χ² with `nu` degrees of freedom (0 for nu = 0).
    public mutating func nextChiSquared(_ nu: Int) -> Double {
        precondition(nu >= 0)
        return nu == 0 ? 0 : 2 * nextGamma(shape: 0.5 * Double(nu))
    }
}
