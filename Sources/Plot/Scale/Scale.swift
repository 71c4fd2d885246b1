import Foundation

/// How data values map to positions along an axis.
public enum Scale: Sendable, Equatable {
    /// Linear.
    case linear
    /// Base-10 logarithmic. Values ≤ 0 (and non-finite ones) cannot be placed and are skipped
    /// by every mark (a gap in a line, a missing marker); explicit limits ≤ 0 are an error.
    case log
    /// Symmetric log: linear within ±`linearThreshold`, logarithmic outside.
    case symlog(linearThreshold: Double)

    /// The scale's transform; positions are linear in the transformed value.
    func forward(_ v: Double) -> Double {
        switch self {
        case .linear: return v
        case .log: return Foundation.log10(v)
        case .symlog(let c):
            let a = Swift.abs(v)
            if a <= c { return v / c }
            return (v < 0 ? -1 : 1) * (1 + Foundation.log10(a / c))
        }
    }

    /// Whether `v` can be placed on this scale.
    func accepts(_ v: Double) -> Bool {
        switch self {
        case .log: return v.isFinite && v > 0
        default: return v.isFinite
        }
    }

    var isLog: Bool { if case .log = self { return true } else { return false } }
}

/// A scale fixed to a data interval and a pixel interval: the coordinate system of one axis.
struct AxisMap: Sendable {
    let scale: Scale
    let lo: Double, hi: Double          // data limits
    let p0: Double, p1: Double          // figure coordinates of lo and hi
    private let t0: Double, t1: Double

    init(scale: Scale, lo: Double, hi: Double, p0: Double, p1: Double) {
        self.scale = scale; self.lo = lo; self.hi = hi; self.p0 = p0; self.p1 = p1
        t0 = scale.forward(lo); t1 = scale.forward(hi)
    }

    /// Figure coordinate of a data value (nil if the scale cannot place it).
    func callAsFunction(_ v: Double) -> Double? {
        guard scale.accepts(v) else { return nil }
        let t = scale.forward(v)
        return p0 + (t - t0) / (t1 - t0) * (p1 - p0)
    }

    /// Figure coordinate of a fraction of the axis (0 = lo end, 1 = hi end).
    func fraction(_ f: Double) -> Double { p0 + f * (p1 - p0) }
}

extension Scale {
    /// Inverse of `forward`.
    func inverse(_ t: Double) -> Double {
        switch self {
        case .linear: return t
        case .log: return Foundation.pow(10, t)
        case .symlog(let c):
            let a = Swift.abs(t)
            if a <= 1 { return t * c }
            return (t < 0 ? -1 : 1) * c * Foundation.pow(10, a - 1)
        }
    }
}
