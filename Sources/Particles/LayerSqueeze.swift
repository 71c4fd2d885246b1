import Foundation

/// The ziggurat's rejection step in one layer, mostly without `exp`.
///
/// The point (|x|, y) with y = f(a) + U·(f(b) − f(a)), f(t) = exp(−t²/2),
/// a = x[i+1] < |x| < b = x[i], is accepted when y < f(|x|). The plain form
/// tests `f1 + U·(f0 − f1) < 1` with f0 = f(b)/f(x), f1 = f(a)/f(x), two `exp`s.
/// On a layer where f is concave (b ≤ 1) it lies above its chord and below its
/// tangents at a and b; where it is convex (a ≥ 1), the other way round. A
/// point below the lower bound is accepted and one above the upper bound
/// rejected without `exp`; only the thin gap between them (and the one layer
/// holding the inflection at 1) needs the plain form.
///
/// The bounds are used with a margin of 1e-12 (f ≤ 1): the plain form's
/// rounding moves its test by a few 1e-16 relative, and the bounds' own by
/// less, so a point decided by the bounds is decided the same way by the
/// plain form, and the variates are those of the plain form bit for bit
/// (`NormalSourceTests` checks both against it).
enum LayerSqueeze {
    static let margin = 1e-12

    /// The decision of the plain form, from the bounds where they settle it.
    @inline(__always)
    static func accepts(x: Double, outer b: Double, inner a: Double, fOuter fb: Double, fInner fa: Double,
                        uniform: Double) -> Bool {
        if let decided = bounds(x: x, outer: b, inner: a, fOuter: fb, fInner: fa, uniform: uniform) {
            return decided
        }
        return plain(x: x, outer: b, inner: a, uniform: uniform)
    }

    /// true (accept) or false (reject) when the point is clear of the bounds'
    /// gap by the margin, nil otherwise.
    @inline(__always)
    static func bounds(x: Double, outer b: Double, inner a: Double, fOuter fb: Double, fInner fa: Double,
                       uniform: Double) -> Bool? {
        let t = abs(x)
        guard a <= t, t <= b else { return nil }
        let y = fa + uniform * (fb - fa)
        let chord = fa + (t - a) * ((fb - fa) / (b - a))
        // f'(s) = −s·f(s): the tangents at the two edges.
        let tangentA = fa - a * fa * (t - a)
        let tangentB = fb - b * fb * (t - b)
        let lower: Double, upper: Double
        if b <= 1 {
            lower = chord
            upper = min(tangentA, tangentB)
        } else if a >= 1 {
            lower = max(tangentA, tangentB)
            upper = chord
        } else {
            return nil
        }
        if y < lower - margin { return true }
        if y > upper + margin { return false }
        return nil
    }

    /// The plain form: two `exp`s.
    @inline(never)
    static func plain(x: Double, outer b: Double, inner a: Double, uniform: Double) -> Bool {
        let f0 = exp(-0.5 * (b * b - x * x))
        let f1 = exp(-0.5 * (a * a - x * x))
        return f1 + uniform * (f0 - f1) < 1.0
    }
}
