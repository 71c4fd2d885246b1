import Foundation
import Theory

/// The Euler step size: `early` until time `until`, then `late` (figures.md,
/// fig3: 1e-3 for t < 1, then 1e-2). `constant(dt)` is one size throughout.
public struct StepSize: Sendable, Equatable {
    public var early: Double
    public var until: Double
    public var late: Double
    public init(early: Double, until: Double, late: Double) {
        self.early = early
        self.until = until
        self.late = late
    }
    public static func constant(_ dt: Double) -> StepSize { StepSize(early: dt, until: 0, late: dt) }

    func size(at t: Double) -> Double { t < until ? early : late }
}

/// Which Euler steps lead from one output time to the next. Each interval
/// between output times (split at `until`) is cut into k equal steps of size
/// ≤ dt, k = ⌈length/dt⌉ (up to 1e-9 for rounding): exactly dt when the grid is
/// a multiple of it, and the records fall on the grid times themselves, as
/// the ODE's do, so the two overlay.
struct StepPlan: Sendable {
    struct Piece: Sendable {
        var start: Double, length: Double, steps: Int
        var step: Double { length / Double(steps) }
        func time(_ j: Int) -> Double { start + length * Double(j) / Double(steps) }
    }
    /// pieces[i]: the pieces from times[i] to times[i+1].
    let pieces: [[Piece]]
    let totalSteps: Int

    init(grid: TimeGrid, dt: StepSize) {
        var all: [[Piece]] = []
        var total = 0
        let times = grid.times
        for i in 0..<(times.count - 1) {
            let a = times[i], b = times[i + 1]
            var cuts = [a]
            if dt.until > a && dt.until < b { cuts.append(dt.until) }
            cuts.append(b)
            var pieces: [Piece] = []
            for c in 0..<(cuts.count - 1) {
                let start = cuts[c], length = cuts[c + 1] - cuts[c]
                let h = dt.size(at: start)
                let k = max(1, Int((length / h - 1e-9).rounded(.up)))
                pieces.append(Piece(start: start, length: length, steps: k))
                total += k
            }
            all.append(pieces)
        }
        pieces = all
        totalSteps = total
    }

    /// The number of steps without building the plan (for validation).
    static func countSteps(grid: TimeGrid, dt: StepSize) -> Double {
        var total = 0.0
        let times = grid.times
        for i in 0..<(times.count - 1) {
            let a = times[i], b = times[i + 1]
            var cuts = [a]
            if dt.until > a && dt.until < b { cuts.append(dt.until) }
            cuts.append(b)
            for c in 0..<(cuts.count - 1) {
                total += max(1, ((cuts[c + 1] - cuts[c]) / dt.size(at: cuts[c]) - 1e-9).rounded(.up))
            }
        }
        return total
    }
}

extension StepSize {
    /// How many Euler steps reach the end of `grid` (without building the plan).
    public func steps(on grid: TimeGrid) -> Double { StepPlan.countSteps(grid: grid, dt: self) }
}
