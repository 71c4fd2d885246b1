import Foundation

/// The final-state outcome of a run (figures.md, "Collapse criterion"):
/// collapsed iff the smaller q-mass on a target mode, min(mass₊, mass₋), is
/// below 0.1; then *vanishing weight* if min(w, 1-w) < 0.05, else *mean
/// alignment*; otherwise *covered*.
public enum CollapseOutcome: String, Sendable, CaseIterable {
    case covered
    case meanAlignment = "mean_alignment"
    case vanishingWeight = "vanishing_weight"

    public static let massThreshold = 0.1
    public static let weightThreshold = 0.05

    public init(_ o: Observables) {
        if min(o.massPlus, o.massMinus) >= Self.massThreshold {
            self = .covered
        } else if min(o.w, 1 - o.w) < Self.weightThreshold {
            self = .vanishingWeight
        } else {
            self = .meanAlignment
        }
    }

    public var isCollapse: Bool { self != .covered }
}

/// Wilson score interval for a binomial proportion (95% by default).
public func wilsonInterval(successes k: Int, trials n: Int, z: Double = 1.959963984540054) -> (lo: Double, hi: Double) {
    guard n > 0 else { return (0, 1) }
    let n = Double(n), p = Double(k) / n, z2 = z * z
    let center = (p + z2 / (2 * n)) / (1 + z2 / n)
    let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / (1 + z2 / n)
    return (max(0, center - half), min(1, center + half))
}
