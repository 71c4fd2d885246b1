import Foundation
import GSL

/// Stepper and error control for the overlap ODE.
public struct SolverSettings: Sendable, Equatable {
    public var stepper: ODEStepper
    public var tolerances: ODETolerances
    /// Safety net against a run that crawls: at most this many steps in one
    /// call (between two output times, or in one event search).
    public var maxSteps: Int

    /// The default: msbdf (Jacobian by forward differences). It agrees with
    /// rk8pd/rkf45/rkck to within the tolerances (d = 5000, `theory-bench
    /// --steppers`). Over the initial transient (t ≤ 400) rkck is ~25% faster;
    /// once the flow turns stiff msbdf wins: 2× at t ≤ 1600 (the sweeps'
    /// horizon) and by orders of magnitude near fixed points (t to 1e6),
    /// where the explicit ones crawl.
    public static let defaultStepper = ODEStepper.msbdf

    public init(stepper: ODEStepper = defaultStepper, relative: Double = 1e-8, absolute: Double = 1e-10,
                maxSteps: Int = 1_000_000) {
        self.stepper = stepper
        tolerances = ODETolerances(absolute: absolute, relative: relative)
        self.maxSteps = maxSteps
    }
}

/// Output times: 0 and then a linear or logarithmic grid.
public struct TimeGrid: Sendable, Equatable {
    public let times: [Double]
    public init(times: [Double]) { self.times = times }

    /// `points` equally spaced times from 0 to `end`, both included.
    public static func linear(end: Double, points: Int) -> TimeGrid {
        precondition(points >= 2 && end > 0)
        return TimeGrid(times: (0..<points).map { i in i == points - 1 ? end : end * Double(i) / Double(points - 1) })
    }

    /// 0, then `points` times log-spaced from `first` to `end`, both included.
    public static func logarithmic(first: Double, end: Double, points: Int) -> TimeGrid {
        precondition(points >= 2 && first > 0 && end > first)
        let a = log(first), b = log(end)
        var times: [Double] = [0, first]
        for i in 1..<(points - 1) {
            let f = Double(i) / Double(points - 1)
            times.append(exp(a + (b - a) * f))
        }
        times.append(end)
        return TimeGrid(times: times)
    }
}

/// The integration stopped: where, in which state, and why.
public struct IntegrationFailure: Error, Sendable, CustomStringConvertible {
    public let t: Double
    public let state: [Double]
    public let reason: String
    public var description: String {
        let named = zip(OverlapState.names, state).map { "\($0)=\($1)" }.joined(separator: ", ")
        return "integration failed at t = \(t) (state \(named)): \(reason)"
    }
}

/// Integrates one model, trajectory after trajectory (reuse it within a
/// thread; not thread-safe). Counters are cumulative.
public final class OverlapIntegrator {
    public let model: OverlapModel
    public let settings: SolverSettings
    let system: ODESystem
    let driver: ODEDriver

    public init(model: OverlapModel, settings: SolverSettings) throws {
        self.model = model
        self.settings = settings
        let m = model
        system = ODESystem(dimension: model.dimension) { t, y, f in m.derivatives(t, y, f) }
        driver = try ODEDriver(system: system, stepper: settings.stepper, tolerances: settings.tolerances,
                               maxStepsPerCall: settings.maxSteps)
    }

    public var rhsEvaluations: Int { system.rhsEvaluations }
    public var steps: Int { driver.steps }
    public var jacobianEvaluations: Int { system.jacobianEvaluations }

    func fail(_ e: ODEFailure) -> IntegrationFailure {
        IntegrationFailure(t: e.t, state: e.state, reason: e.reason)
    }

    /// From y0 at t = times[0] through every grid time; `observe(i, y)` at
    /// each. `cancelled` is polled between output times.
    public func integrate(_ y0: [Double], grid: TimeGrid, cancelled: () -> Bool = { false },
                          observe: (Int, [Double]) throws -> Void) throws {
        precondition(y0.count == model.dimension)
        driver.reset()
        var y = y0, t = grid.times[0]
        try observe(0, y)
        for i in 1..<grid.times.count {
            if cancelled() { throw CancellationError() }
            do { try driver.advance(t: &t, to: grid.times[i], y: &y) } catch { throw fail(error) }
            try observe(i, y)
        }
    }

    /// The state at time `end`, starting from y0 at 0.
    public func finalState(_ y0: [Double], end: Double) throws -> [Double] {
        driver.reset()
        var y = y0, t = 0.0
        do { try driver.advance(t: &t, to: end, y: &y) } catch { throw fail(error) }
        return y
    }
}
