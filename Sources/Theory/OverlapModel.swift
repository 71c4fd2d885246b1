import Foundation

/// The closed overlap ODE (model.md, "The closed low-dimensional system"),
/// 7 equations, 8 with a trainable logit weight, exact for every d:
///
///     ȧ_kb = w_k [ (π_k/s)(a_kb - a_k̄b) - (c/σp²)(a_kb - R^p_k T_+b - (1-R^p_k) T_-b) ]
///     Q̇_kl = F_kl + F_lk
///     F_kl = w_k [ (π_k/s)(Q_kl - Q_k̄l) - (c/σp²)(Q_kl - R^p_k a_l+ - (1-R^p_k) a_l-) ]
///     θ̇    = -w(1-w) ∂w L                                    ("Weight dynamics")
///
/// with π₊ = 1 - R^q₊, π₋ = R^q₋ ("Mean dynamics"), c = β(t) under power
/// tempering (else 1) and σp² → σp²/β(t) under variance tempering
/// ("Extensions"). R^q, R^p, P^q, P^p are the Gaussian integrals at the
/// (M, S) of "Responsibilities reduce to 1-D Gaussian integrals".
public struct OverlapModel: Sendable {
    public let config: ModelConfig
    let integrals: GaussianIntegrals
    /// R^p, P^p as functions of M alone at the target's own σp² (their width
    /// S^p is then constant), when S^p is in the split regime; else nil.
    /// Variance tempering moves σp² while β(t) < 1 and uses the direct rules then.
    let targetIntegrals: FixedWidthIntegrals?

    public init(_ config: ModelConfig, integrals: GaussianIntegrals = .shared) {
        self.config = config
        self.integrals = integrals
        targetIntegrals = FixedWidthIntegralsCache.shared.table(S: Self.targetWidth(config, sigmaP2: config.target.sigmaP2))
    }

    /// S^p = √s |Δ| / σp², the width of h_p under φ_k (σp² tempered or not).
    @inline(__always)
    static func targetWidth(_ config: ModelConfig, sigmaP2: Double) -> Double {
        (config.s * config.target.delta2).squareRoot() / sigmaP2
    }

    public var dimension: Int { config.weights.isTrainable ? 8 : 7 }

    /// The responsibilities' integrals at a state, for a target variance σp².
    struct Responsibilities {
        var w: Double, wMinus: Double, lambda: Double
        var rqP: Double, rqM: Double, rpP: Double, rpM: Double
        var pqP = 0.0, pqM = 0.0, ppP = 0.0, ppM = 0.0
    }

    @inline(__always)
    func responsibilities(_ y: UnsafeBufferPointer<Double>, sigmaP2: Double, softplus: Bool) -> Responsibilities {
        let cfg = config, tg = cfg.target, s = cfg.s
        let w: Double, wm: Double, lambda: Double
        switch cfg.weights {
        case .fixed(let w0):
            w = w0; wm = 1 - w0; lambda = log(w0 / (1 - w0))
        case .trainable:
            let th = y[7]
            w = GaussianIntegrals.logistic(th); wm = GaussianIntegrals.logistic(-th); lambda = th
        }
        let d2 = max(y[4] - 2 * y[5] + y[6], 0)
        let sq = (d2 / s).squareRoot()
        let mqP = lambda + d2 / (2 * s), mqM = lambda - d2 / (2 * s)
        let sp = Self.targetWidth(cfg, sigmaP2: sigmaP2)
        let half = 0.5 * (tg.tPP - tg.tMM)
        let ell = tg.logOdds
        let mpP = ell + ((y[0] - y[1]) - half) / sigmaP2
        let mpM = ell + ((y[2] - y[3]) - half) / sigmaP2
        var r = Responsibilities(w: w, wMinus: wm, lambda: lambda, rqP: 0, rqM: 0, rpP: 0, rpM: 0)
        // Target side: the interpolant at the model's own σp², else direct.
        let tabulated = sigmaP2 == tg.sigmaP2 ? targetIntegrals : nil
        if softplus {
            let a = integrals.all(mqP, sq), b = integrals.all(mqM, sq)
            let c = tabulated?.all(mpP) ?? integrals.all(mpP, sp), e = tabulated?.all(mpM) ?? integrals.all(mpM, sp)
            r.rqP = a.sigma; r.rqM = b.sigma; r.rpP = c.sigma; r.rpM = e.sigma
            r.pqP = a.softplus; r.pqM = b.softplus; r.ppP = c.softplus; r.ppM = e.softplus
        } else {
            r.rqP = integrals.sigma(mqP, sq); r.rqM = integrals.sigma(mqM, sq)
            r.rpP = tabulated?.sigma(mpP) ?? integrals.sigma(mpP, sp)
            r.rpM = tabulated?.sigma(mpM) ?? integrals.sigma(mpM, sp)
        }
        return r
    }

    /// dy/dt at time t. Returns false on a non-finite state.
    public func derivatives(_ t: Double, _ y: UnsafeBufferPointer<Double>, _ f: UnsafeMutableBufferPointer<Double>) -> Bool {
        for v in y where !v.isFinite { return false }
        let cfg = config, tg = cfg.target, s = cfg.s
        let (sp2, c) = cfg.temperedTarget(at: t)
        let trainable = cfg.weights.isTrainable
        let r = responsibilities(y, sigmaP2: sp2, softplus: trainable)
        let app = y[0], apm = y[1], amp = y[2], amm = y[3], qpp = y[4], qpm = y[5], qmm = y[6]
        let piP = (1 - r.rqP) / s, piM = r.rqM / s  // π_k / s
        let ct = c / sp2
        let tpp = tg.tPP, tpm = tg.tPM, tmm = tg.tMM
        let w = r.w, wm = r.wMinus
        // ȧ_kb
        f[0] = w * (piP * (app - amp) - ct * (app - r.rpP * tpp - (1 - r.rpP) * tpm))
        f[1] = w * (piP * (apm - amm) - ct * (apm - r.rpP * tpm - (1 - r.rpP) * tmm))
        f[2] = wm * (piM * (amp - app) - ct * (amp - r.rpM * tpp - (1 - r.rpM) * tpm))
        f[3] = wm * (piM * (amm - apm) - ct * (amm - r.rpM * tpm - (1 - r.rpM) * tmm))
        // F_kl = ṁ_k·m_l
        let fpp = w * (piP * (qpp - qpm) - ct * (qpp - r.rpP * app - (1 - r.rpP) * apm))
        let fpm = w * (piP * (qpm - qmm) - ct * (qpm - r.rpP * amp - (1 - r.rpP) * amm))
        let fmp = wm * (piM * (qpm - qpp) - ct * (qpm - r.rpM * app - (1 - r.rpM) * apm))
        let fmm = wm * (piM * (qmm - qpm) - ct * (qmm - r.rpM * amp - (1 - r.rpM) * amm))
        f[4] = 2 * fpp
        f[5] = fpm + fmp
        f[6] = 2 * fmm
        if trainable {
            f[7] = -w * wm * weightGradient(y, r, sigmaP2: sp2, targetFactor: c)
        }
        return true
    }

    /// ∂w L (model.md, "Weight dynamics"), target bracket × c.
    @inline(__always)
    func weightGradient(_ y: UnsafeBufferPointer<Double>, _ r: Responsibilities, sigmaP2: Double, targetFactor c: Double) -> Double {
        let tg = config.target, s = config.s
        let d2 = max(y[4] - 2 * y[5] + y[6], 0)
        let distP = y[4] - 2 * y[1] + tg.tMM  // |m₊ - μ₋|²
        let distM = y[6] - 2 * y[3] + tg.tMM  // |m₋ - μ₋|²
        let qBracket = -d2 / (2 * s) + r.pqP - r.pqM
        let pBracket = -(distP - distM) / (2 * sigmaP2) + r.ppP - r.ppM
        return qBracket - c * pBracket
    }

    /// Convenience over arrays.
    public func derivatives(_ t: Double, _ y: [Double]) -> [Double] {
        var f = [Double](repeating: 0, count: y.count)
        y.withUnsafeBufferPointer { yb in f.withUnsafeMutableBufferPointer { _ = derivatives(t, yb, $0) } }
        return f
    }

    /// ∂w L at a state (β = 1), for tests and diagnostics.
    public func weightGradient(_ y: [Double]) -> Double {
        y.withUnsafeBufferPointer { yb in
            let r = responsibilities(yb, sigmaP2: config.target.sigmaP2, softplus: true)
            return weightGradient(yb, r, sigmaP2: config.target.sigmaP2, targetFactor: 1)
        }
    }
}
