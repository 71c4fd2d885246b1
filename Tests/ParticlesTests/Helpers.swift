import Foundation
import Theory
@testable import Particles

/// A particle trajectory's records on a grid.
func particleRun(_ config: ModelConfig, n: Int, dt: StepSize = .constant(0.01), initial: OverlapState,
                 seed: UInt64, grid: TimeGrid, threads: Int = 1) throws -> [ParticleRecord] {
    let sim = try ParticleSimulation(config: config, settings: ParticleSettings(n: n, dt: dt), initial: initial, seed: seed)
    var out: [ParticleRecord] = []
    try sim.run(grid: grid, threads: threads) { _, r in out.append(r) }
    return out
}

/// The ODE's observables on the grid from a given start.
func odeRun(_ config: ModelConfig, from y0: [Double], grid: TimeGrid) throws -> [Observables] {
    let model = OverlapModel(config)
    let integ = try OverlapIntegrator(model: model, settings: SolverSettings(relative: 1e-10, absolute: 1e-12))
    var out: [Observables] = []
    try integ.integrate(y0, grid: grid) { _, y in out.append(model.observables(y)) }
    return out
}

/// fig2's start (figures.md): m₊·e = 1.0, m₋·e = 0.5, orthogonal parts of
/// squared norm d-1 each, orthogonal to each other.
func fig2Start(_ target: Target, d: Int) -> OverlapState {
    InitialCondition.fixed(cPlus: [1, 0], cMinus: [0.5, 0], orthogonal: .absolute(plus: Double(d - 1), minus: Double(d - 1), cross: 0),
                           theta: 0).state(target: target, d: d)
}

/// fig3's start: m₊·e = 1, m₋·e = -0.5, orthogonal norms (d-1)(1 ± √(2/d)), θ = 0.
func fig3Start(_ target: Target, d: Int) -> OverlapState {
    InitialCondition.fixed(cPlus: [1, 0], cMinus: [-0.5, 0], orthogonal: .chiSigma(plus: 1, minus: -1), theta: 0)
        .state(target: target, d: d)
}

func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
func sd(_ x: [Double]) -> Double {
    let m = mean(x)
    return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)).squareRoot()
}
