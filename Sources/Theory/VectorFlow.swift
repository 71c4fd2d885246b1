import Foundation

/// The d-dimensional gradient flow on the vectors themselves, with the same
/// exact expectations (model.md, "Mean dynamics" and "Weight dynamics"):
///
///     ṁ_k = w_k [ (π_k/s)(m_k - m_k̄) - (c/σp²)(m_k - ν_k) ],  ν_k = R^p_k μ₊ + (1-R^p_k) μ₋
///     θ̇   = -w(1-w) ∂w L
///
/// The overlap system is its exact reduction, so the two must agree (test 3
/// of model.md); it also gives the exact-expectation flow in small d (fig1).
/// State: [m₊ (d), m₋ (d), θ]; the target lives in the first two coordinates
/// (μ± = (μ±.x, μ±.y, 0, …)), so d ≥ 2.
public struct VectorFlow: Sendable {
    public let model: OverlapModel
    public var d: Int { model.config.d }
    public var dimension: Int { 2 * d + 1 }

    public init(_ config: ModelConfig) {
        precondition(config.d >= 2)
        model = OverlapModel(config)
    }

    public func target(_ b: Int) -> [Double] {
        let mu = b == 0 ? model.config.target.muPlus : model.config.target.muMinus
        var v = [Double](repeating: 0, count: d)
        v[0] = mu.x
        v[1] = mu.y
        return v
    }

    /// The overlaps [a₊₊, a₊₋, a₋₊, a₋₋, Q₊₊, Q₊₋, Q₋₋, θ] of a vector state.
    public func overlaps(_ y: [Double]) -> [Double] {
        let mp = Array(y[0..<d]), mm = Array(y[d..<(2 * d)])
        let up = target(0), um = target(1)
        return [dot(mp, up), dot(mp, um), dot(mm, up), dot(mm, um), dot(mp, mp), dot(mp, mm), dot(mm, mm), y[2 * d]]
    }

    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// ṁ₊, ṁ₋ and θ̇ (θ̇ = 0 when the weight is fixed).
    public func derivatives(_ t: Double, _ y: [Double]) -> [Double] {
        let cfg = model.config, s = cfg.s
        let (sp2, c) = cfg.temperedTarget(at: t)
        // The responsibilities need only the overlaps.
        let ov = overlaps(y)
        let trainable = cfg.weights.isTrainable
        let r = ov.withUnsafeBufferPointer { model.responsibilities($0, sigmaP2: sp2, softplus: trainable) }
        let up = target(0), um = target(1)
        var f = [Double](repeating: 0, count: dimension)
        let piP = (1 - r.rqP) / s, piM = r.rqM / s
        for i in 0..<d {
            let mp = y[i], mm = y[d + i]
            let nuP = r.rpP * up[i] + (1 - r.rpP) * um[i]
            let nuM = r.rpM * up[i] + (1 - r.rpM) * um[i]
            f[i] = r.w * (piP * (mp - mm) - c / sp2 * (mp - nuP))
            f[d + i] = r.wMinus * (piM * (mm - mp) - c / sp2 * (mm - nuM))
        }
        if trainable {
            let g = ov.withUnsafeBufferPointer { model.weightGradient($0, r, sigmaP2: sp2, targetFactor: c) }
            f[2 * d] = -r.w * r.wMinus * g
        }
        return f
    }
}
