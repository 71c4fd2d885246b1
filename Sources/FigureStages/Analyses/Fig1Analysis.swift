// fig1's analysis: where the mixture's means and weight are at the last drawn time.
import Foundation
import StageAPI
import StageSupport
import TableQuery

/// The two-Gaussian mixture at one time of an overlap-ODE trajectory in d = 2 (μ± = ±|μ| e₁): the
/// components' means in the plane and the weight w₊.
struct MixtureState { var plus: (x: Double, y: Double), minus: (x: Double, y: Double), w: Double }

enum Fig1Analysis {
    /// The means from the overlaps: x_k = a_{k+}/|μ|, y₊ = √(q₊₊ − x₊²) (sign of the start), y₋ from q₊₋ = x₊x₋ + y₊y₋.
    static func state(_ t: Table, at time: Double, mu: Double, ySign: (Double, Double)) throws -> MixtureState {
        func v(_ c: Column) throws -> Double { try t.value(c, where: .t, closestTo: time) }
        let xp = try v(.aPp) / mu, xm = try v(.aMp) / mu
        let yp = ySign.0 * max(0, try v(.qPp) - xp * xp).squareRoot()
        let ym = abs(yp) > 1e-9 ? (try v(.qPm) - xp * xm) / yp : ySign.1 * max(0, try v(.qMm) - xm * xm).squareRoot()
        return MixtureState(plus: (xp, yp), minus: (xm, ym), w: try v(.w))
    }

    /// The distance from a point to the nearer of the two modes (±|μ|, 0).
    static func distanceToModes(_ p: (x: Double, y: Double), mu: Double) -> Double {
        min(((p.x - mu) * (p.x - mu) + p.y * p.y).squareRoot(), ((p.x + mu) * (p.x + mu) + p.y * p.y).squareRoot())
    }

    /// `fixed` and `trainable`: the mixtures at the last drawn time, with their targets' |μ|.
    static func metrics(fixed: Result<(MixtureState, Double), Error>, trainable: Result<(MixtureState, Double), Error>) -> Metrics {
        var m = Metrics()
        m.compute("gmm_fixed_final_x_plus") { let (s, mu) = try fixed.get(); return s.plus.x / mu }
        m.compute("gmm_fixed_final_x_minus") { let (s, mu) = try fixed.get(); return s.minus.x / mu }
        m.compute("gmm_trainable_final_min_weight") { let (s, _) = try trainable.get(); return min(s.w, 1 - s.w) }
        // The component whose weight vanished is left far from both modes; the other fits one.
        m.compute("gmm_trainable_dead_mean_distance_to_modes") { let (s, mu) = try trainable.get(); return distanceToModes(s.plus, mu: mu) }
        m.compute("gmm_trainable_live_mean_distance_to_mode") { let (s, mu) = try trainable.get(); return distanceToModes(s.minus, mu: mu) }
        return m
    }
}
