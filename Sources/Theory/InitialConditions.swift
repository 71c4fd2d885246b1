import Foundation
import Random

/// Squared norms of the means' parts orthogonal to span{μ±} in a fixed start.
public enum OrthogonalParts: Sendable, Equatable {
    /// |u₊|², |u₋|², u₊·u₋ given directly.
    case absolute(plus: Double, minus: Double, cross: Double)
    /// |u_k|² = n (1 + σ_k √(2/d)) with n = d - rank, u₊ ⊥ u₋: σ_k standard
    /// deviations away from the χ² mean (figures.md, fig3: σ = ±1).
    case chiSigma(plus: Double, minus: Double)
}

/// How the state starts (model.md, "The closed low-dimensional system").
public enum InitialCondition: Sendable, Equatable {
    /// Means with the given coordinates in the target plane's basis (e₁, e₂),
    /// plus orthogonal parts; θ(0).
    case fixed(cPlus: SIMD2<Double>, cMinus: SIMD2<Double>, orthogonal: OrthogonalParts, theta: Double)
    /// m_k(0) ~ N(0, τ² I_d), independent; θ(0).
    case random(tau: Double, theta: Double, sampler: RandomInitSampler, seed: UInt64)
}

public enum RandomInitSampler: String, Sendable, CaseIterable {
    /// The statistics from their exact joint law (Bartlett): cost O(1) in d.
    case exact
    /// The d-dimensional vectors themselves: cost O(d) (for small d / checks).
    case vectors
}

extension InitialCondition {
    /// The RNG stream of a random start: seed k's start depends on the seed
    /// and its *cell*, the model it starts (the dimension d and the target:
    /// μ±, ρ, σp²), so every cell of a sweep draws an independent sample. It
    /// does not depend on anything else: fixed and trainable weights, every
    /// annealing schedule and the untempered baseline, the `ode`, `ode-sweep`,
    /// `ode-escape` and `particles` kinds all get the same start for the same
    /// (cell, seed), so their comparisons stay paired. (s and the init scale τ
    /// are not part of the cell: τ scales the same draws.)
    ///
    /// The label, canonical and exact: `theory.init d=<d> target=<b₁>,…,<b₆>`,
    /// d in decimal and bᵢ the IEEE-754 bits, 16 lower-case hex digits, of
    /// μ₊.x, μ₊.y, μ₋.x, μ₋.y, ρ, σp² (−0 as +0); e.g. d = 1000, |μ| = 3:
    /// `theory.init d=1000 target=4008000000000000,0000000000000000,c008000000000000,0000000000000000,3fe0000000000000,3ff0000000000000`.
    public static func stream(target: Target, d: Int) -> String {
        let bits = [target.muPlus.x, target.muPlus.y, target.muMinus.x, target.muMinus.y, target.rho, target.sigmaP2].map { x -> String in
            let h = String((x + 0).bitPattern, radix: 16)
            return String(repeating: "0", count: 16 - h.count) + h
        }
        return "theory.init d=\(d) target=" + bits.joined(separator: ",")
    }

    public func state(target: Target, d: Int) -> OverlapState {
        switch self {
        case let .fixed(cPlus, cMinus, orth, theta):
            let n = Double(d - target.rank)
            let (uPP, uPM, uMM): (Double, Double, Double)
            switch orth {
            case let .absolute(p, m, c): (uPP, uPM, uMM) = (p, c, m)
            case let .chiSigma(p, m):
                let sd = (2 / Double(d)).squareRoot()
                (uPP, uPM, uMM) = (n * (1 + p * sd), 0, n * (1 + m * sd))
            }
            return OverlapState(target: target, cPlus: cPlus, cMinus: cMinus, uPP: uPP, uPM: uPM, uMM: uMM, theta: theta)
        case let .random(tau, theta, sampler, seed):
            var rng = Xoshiro256(seed: seed, stream: Self.stream(target: target, d: d))
            switch sampler {
            case .exact: return Self.sampleExact(target: target, d: d, tau: tau, theta: theta, rng: &rng)
            case .vectors: return Self.sampleVectors(target: target, d: d, tau: tau, theta: theta, rng: &rng)
            }
        }
    }

    /// Span coordinates (r iid N(0, τ²) along an orthonormal basis of
    /// span{μ±}); the complement by the Bartlett decomposition:
    /// |u₊|² = τ²χ²_n, u₊·u₋ = |u₊| τ ξ, |u₋|² = τ²(ξ² + χ²_{n-1}), n = d - r.
    static func sampleExact(target: Target, d: Int, tau: Double, theta: Double, rng: inout Xoshiro256) -> OverlapState {
        let r = target.rank
        let (cP, cM) = spanCoordinates(target: target, tau: tau, rng: &rng)
        let n = d - r
        var uPP = 0.0, uPM = 0.0, uMM = 0.0
        if n > 0 {
            let chiN = rng.nextChiSquared(n)
            let xi = rng.nextNormal()
            let chiN1 = rng.nextChiSquared(n - 1)
            uPP = tau * tau * chiN
            uPM = tau * tau * chiN.squareRoot() * xi
            uMM = tau * tau * (xi * xi + chiN1)
        }
        return OverlapState(target: target, cPlus: cP, cMinus: cM, uPP: uPP, uPM: uPM, uMM: uMM, theta: theta)
    }

    static func spanCoordinates(target: Target, tau: Double, rng: inout Xoshiro256) -> (SIMD2<Double>, SIMD2<Double>) {
        if target.rank == 2 {
            let p = SIMD2(tau * rng.nextNormal(), tau * rng.nextNormal())
            let m = SIMD2(tau * rng.nextNormal(), tau * rng.nextNormal())
            return (p, m)
        }
        let e = target.lineDirection
        let p = tau * rng.nextNormal(), m = tau * rng.nextNormal()
        return (p * e, m * e)
    }

    /// The vectors in R^d, span{μ±} on the first r coordinates.
    static func sampleVectors(target: Target, d: Int, tau: Double, theta: Double, rng: inout Xoshiro256) -> OverlapState {
        let r = target.rank
        var mP = [Double](repeating: 0, count: d), mM = mP
        mP.withUnsafeMutableBufferPointer { rng.fillNormal($0) }
        mM.withUnsafeMutableBufferPointer { rng.fillNormal($0) }
        let toSpan = { (m: [Double]) -> SIMD2<Double> in
            r == 2 ? SIMD2(tau * m[0], tau * m[1]) : tau * m[0] * target.lineDirection
        }
        var uPP = 0.0, uPM = 0.0, uMM = 0.0
        for i in r..<d {
            uPP += mP[i] * mP[i]; uPM += mP[i] * mM[i]; uMM += mM[i] * mM[i]
        }
        let t2 = tau * tau
        return OverlapState(target: target, cPlus: toSpan(mP), cMinus: toSpan(mM),
                            uPP: t2 * uPP, uPM: t2 * uPM, uMM: t2 * uMM, theta: theta)
    }
}
