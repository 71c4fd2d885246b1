import Foundation

/// What the figures plot at each time (model.md, "Objective value" and
/// "The closed low-dimensional system"), always against the untempered target.
public struct Observables: Sendable, Equatable {
    /// α_k = m_k·μ₊/|μ₊|² (symmetric target: +1 at μ₊, -1 at μ₋).
    public var alphaPlus: Double, alphaMinus: Double
    public var w: Double
    /// Reverse KL(q ‖ p) = L.
    public var kl: Double
    /// q-mass on each target mode: mass₊ = Σ_k w_k R^p_k.
    public var massPlus: Double, massMinus: Double

    public static let names = ["alpha_plus", "alpha_minus", "w", "kl", "mass_plus", "mass_minus"]
    public var values: [Double] { [alphaPlus, alphaMinus, w, kl, massPlus, massMinus] }
}

extension OverlapModel {
    public func observables(_ y: [Double]) -> Observables {
        y.withUnsafeBufferPointer { yb in
            let cfg = config, tg = cfg.target, s = cfg.s, sp2 = tg.sigmaP2
            let r = responsibilities(yb, sigmaP2: sp2, softplus: true)
            let d = Double(cfg.d)
            // E_φk[log q - log p] (model.md, "Objective value"); log(1-w) via
            // the logit for accuracy when w → 1.
            let logWm = cfg.weights.isTrainable ? -GaussianIntegrals.softplus(yb[7]) : log(r.wMinus)
            let constant = logWm - log(1 - tg.rho) + 0.5 * d * log(sp2 / s) - 0.5 * d + 0.5 * d * s / sp2
            let d2 = max(yb[4] - 2 * yb[5] + yb[6], 0)
            let distP = yb[4] - 2 * yb[1] + tg.tMM, distM = yb[6] - 2 * yb[3] + tg.tMM
            let fP = constant - d2 / (2 * s) + distP / (2 * sp2) + r.pqP - r.ppP
            let fM = constant + distM / (2 * sp2) + r.pqM - r.ppM
            let kl = r.w * fP + r.wMinus * fM
            let massPlus = r.w * r.rpP + r.wMinus * r.rpM
            return Observables(alphaPlus: yb[0] / tg.tPP, alphaMinus: yb[2] / tg.tPP, w: r.w, kl: kl,
                               massPlus: massPlus, massMinus: 1 - massPlus)
        }
    }
}
