/// The state of the closed system (model.md, "The closed low-dimensional
/// system"): overlaps a_kb = m_k·μ_b, Q_kl = m_k·m_l, and θ when w trains.
/// Layout of the state vector: [a₊₊, a₊₋, a₋₊, a₋₋, Q₊₊, Q₊₋, Q₋₋, (θ)].
public struct OverlapState: Sendable, Equatable {
    public var aPP: Double, aPM: Double, aMP: Double, aMM: Double
    public var qPP: Double, qPM: Double, qMM: Double
    /// Logit of w; ignored when the weight is fixed.
    public var theta: Double

    public init(aPP: Double, aPM: Double, aMP: Double, aMM: Double,
                qPP: Double, qPM: Double, qMM: Double, theta: Double = 0) {
        self.aPP = aPP; self.aPM = aPM; self.aMP = aMP; self.aMM = aMM
        self.qPP = qPP; self.qPM = qPM; self.qMM = qMM
        self.theta = theta
    }

    /// Overlaps of means given by span coordinates c± (in the target plane's
    /// basis) plus orthogonal parts u± with |u₊|², u₊·u₋, |u₋|².
    public init(target: Target, cPlus: SIMD2<Double>, cMinus: SIMD2<Double>,
                uPP: Double, uPM: Double, uMM: Double, theta: Double = 0) {
        let dot = { (a: SIMD2<Double>, b: SIMD2<Double>) in (a * b).sum() }
        self.init(aPP: dot(cPlus, target.muPlus), aPM: dot(cPlus, target.muMinus),
                  aMP: dot(cMinus, target.muPlus), aMM: dot(cMinus, target.muMinus),
                  qPP: dot(cPlus, cPlus) + uPP, qPM: dot(cPlus, cMinus) + uPM,
                  qMM: dot(cMinus, cMinus) + uMM, theta: theta)
    }

    public static let names = ["a_pp", "a_pm", "a_mp", "a_mm", "q_pp", "q_pm", "q_mm", "theta"]

    public func vector(trainable: Bool) -> [Double] {
        let v = [aPP, aPM, aMP, aMM, qPP, qPM, qMM]
        return trainable ? v + [theta] : v
    }

    public init(_ v: [Double]) {
        self.init(aPP: v[0], aPM: v[1], aMP: v[2], aMM: v[3], qPP: v[4], qPM: v[5], qMM: v[6],
                  theta: v.count > 7 ? v[7] : 0)
    }

    /// |D|² = |m₊ - m₋|².
    public var d2: Double { qPP - 2 * qPM + qMM }
}
