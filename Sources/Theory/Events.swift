import Foundation
import GSL

/// The first time a condition holds along a trajectory (e.g. the escape
/// time: the smaller mode mass first exceeds 0.1).
public struct Event: Sendable, Equatable {
    /// Located to within the requested tolerance: the condition is false at
    /// `t - bracket` and true at `t`.
    public let t: Double
    public let bracket: Double
    public let state: [Double]
}

extension OverlapIntegrator {
    /// Integrates from y0 at t = 0 until `condition(t, y)` first holds, or
    /// returns nil if it does not by `limit`. The crossing is bracketed by
    /// the adaptive steps, then bisected by re-integrating from the last
    /// state where it was false, until the bracket is below
    /// `max(absTol, relTol · t)`. (A condition that flips and flips back
    /// within one step is missed; cap the step with `maxStep` if that matters.)
    public func firstTime(from y0: [Double], limit: Double, absTol: Double = 1e-6, relTol: Double = 1e-9,
                          maxStep: Double = .infinity,
                          cancelled: () -> Bool = { false },
                          _ condition: (Double, [Double]) -> Bool) throws -> Event? {
        if condition(0, y0) { return Event(t: 0, bracket: 0, state: y0) }
        driver.reset()
        try? driver.setMaxStep(maxStep)
        defer { try? driver.setMaxStep(.infinity) }
        var t = 0.0, y = y0
        var steps = 0
        while t < limit {
            let (ta, ya) = (t, y)
            do { try driver.step(t: &t, toward: limit, y: &y) } catch { throw fail(error) }
            steps += 1
            if steps % 256 == 0, cancelled() { throw CancellationError() }
            if condition(t, y) { return try bisect(lo: (ta, ya), hi: (t, y), absTol: absTol, relTol: relTol, condition) }
        }
        return nil
    }

    private func bisect(lo: (Double, [Double]), hi: (Double, [Double]), absTol: Double, relTol: Double,
                        _ condition: (Double, [Double]) -> Bool) throws -> Event {
        var lo = lo, hi = hi
        while hi.0 - lo.0 > max(absTol, relTol * hi.0) {
            let mid = 0.5 * (lo.0 + hi.0)
            driver.reset()
            var t = lo.0, y = lo.1
            do { try driver.advance(t: &t, to: mid, y: &y) } catch { throw fail(error) }
            if condition(mid, y) { hi = (mid, y) } else { lo = (mid, y) }
        }
        return Event(t: hi.0, bracket: hi.0 - lo.0, state: hi.1)
    }
}
