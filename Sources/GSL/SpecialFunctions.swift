import CGSL

/// Distribution functions used by the Gaussian integrals and the tests.
public enum SpecialFunctions {
    /// Φ(x), the standard normal CDF (accurate in the lower tail).
    @inline(__always)
    public static func normalP(_ x: Double) -> Double { gsl_cdf_ugaussian_P(x) }

    /// 1 - Φ(x) = Φ(-x), accurate in the upper tail.
    @inline(__always)
    public static func normalQ(_ x: Double) -> Double { gsl_cdf_ugaussian_Q(x) }

    /// CDF of the χ² law with `nu` degrees of freedom.
    public static func chiSquaredP(_ x: Double, nu: Double) -> Double {
        GSLLibrary.prepare()
        return gsl_cdf_chisq_P(x, nu)
    }

    /// CDF of the Gamma(shape, scale) law.
    public static func gammaP(_ x: Double, shape: Double, scale: Double = 1) -> Double {
        GSLLibrary.prepare()
        return gsl_cdf_gamma_P(x, shape, scale)
    }
}

extension SpecialFunctions {
    /// P(X ≤ k) for X ~ Binomial(n, p).
    public static func binomialP(_ k: Int, p: Double, n: Int) -> Double {
        GSLLibrary.prepare()
        return gsl_cdf_binomial_P(UInt32(k), p, UInt32(n))
    }

    /// P(X > k) for X ~ Binomial(n, p), accurate in the upper tail.
    public static func binomialQ(_ k: Int, p: Double, n: Int) -> Double {
        GSLLibrary.prepare()
        return gsl_cdf_binomial_Q(UInt32(k), p, UInt32(n))
    }
}
