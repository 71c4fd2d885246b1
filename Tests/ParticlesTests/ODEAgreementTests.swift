import Foundation
import Parallel
@testable import Particles
import Theory
import XCTest

/// model.md, "Tests that must exist" 4: the particle simulation against the
/// ODE at d ≥ 500, started from the simulation's own initial overlaps.
final class ODEAgreementTests: XCTestCase {
    struct Deviation { var name: String; var dev: [[Double]] }  // dev[seed][time]

    /// Deviations sim - ODE of α₊, α₋ (and log w) per seed and grid time.
    static func deviations(_ config: ModelConfig, start: OverlapState, n: Int, dt: StepSize = .constant(0.01), seeds: [UInt64], grid: TimeGrid) throws -> [Deviation] {
        let runs = try parallelMap(count: seeds.count, threads: 2) { i in
            try particleRun(config, n: n, dt: dt, initial: start, seed: seeds[i], grid: grid)
        }
        var out = [Deviation(name: "alpha_plus", dev: []), Deviation(name: "alpha_minus", dev: [])]
        if config.weights.isTrainable { out.append(Deviation(name: "log_w", dev: [])) }
        for run in runs {
            let y0 = run[0].state.vector(trainable: config.weights.isTrainable)
            let ode = try odeRun(config, from: y0, grid: grid)
            out[0].dev.append(zip(run, ode).map { $0.observables.alphaPlus - $1.alphaPlus })
            out[1].dev.append(zip(run, ode).map { $0.observables.alphaMinus - $1.alphaMinus })
            if config.weights.isTrainable { out[2].dev.append(zip(run, ode).map { log($0.observables.w) - log($1.w) }) }
        }
        return out
    }

    static func report(_ label: String, _ devs: [Deviation]) {
        for d in devs {
            let worst = d.dev.flatMap { $0 }.map(abs).max()!
            print("\(label) \(d.name): max |sim - ODE| = \(worst)")
        }
    }

    /// Deterministic Euler on the overlap ODE with the particles' step plan:
    /// sim - ODE = (Euler - ODE) + Monte-Carlo noise, so this is the part of
    /// the deviation that no n removes.
    static func eulerBias(_ config: ModelConfig, from y0: [Double], dt: StepSize, grid: TimeGrid) throws -> [Observables] {
        let model = OverlapModel(config)
        let plan = StepPlan(grid: grid, dt: dt)
        var y = y0
        var out = [model.observables(y)]
        for pieces in plan.pieces {
            for p in pieces {
                for j in 0..<p.steps {
                    let f = model.derivatives(p.time(j), y)
                    for i in y.indices { y[i] += p.step * f[i] }
                }
            }
            out.append(model.observables(y))
        }
        return out
    }

    func checkWithinError(trainable: Bool) throws {
        let d = 500, seeds: [UInt64] = [1, 2, 3, 4, 5, 6]
        let grid = TimeGrid.linear(end: 20, points: 21)
        let target = Target.symmetric(mu: 2)
        let config = ModelConfig(target: target, weights: trainable ? .trainable : .fixed(0.5), d: d)
        let start = trainable ? fig3Start(target, d: d) : fig2Start(target, d: d)
        // fig3's schedule for trainable weights (w moves on a time ~1/√d).
        let dt = trainable ? StepSize(early: 1e-3, until: 1, late: 1e-2) : .constant(1e-2)
        let devs = try Self.deviations(config, start: start, n: 64, dt: dt, seeds: seeds, grid: grid)
        let ode = try odeRun(config, from: start.vector(trainable: trainable), grid: grid)
        let euler = try Self.eulerBias(config, from: start.vector(trainable: trainable), dt: dt, grid: grid)
        let bias: [[Double]] = [zip(euler, ode).map { $0.alphaPlus - $1.alphaPlus }, zip(euler, ode).map { $0.alphaMinus - $1.alphaMinus },
                                zip(euler, ode).map { log($0.w) - log($1.w) }]
        for (k, dv) in devs.enumerated() {
            var worst = 0.0, worstZ = 0.0
            for t in 1..<grid.times.count {
                let col = dv.dev.map { $0[t] }
                let se = sd(col) / Double(seeds.count).squareRoot()
                let z = abs(mean(col) - bias[k][t]) / se
                worstZ = max(worstZ, z)
                worst = max(worst, col.map(abs).max()!)
                // SE from 6 seeds: z follows Student's t with 5 dof (P(|t₅| > 5) ≈ 0.4%).
                XCTAssertLessThan(z, 5, "\(dv.name) at t = \(grid.times[t]): mean deviation \(mean(col)), Euler bias \(bias[k][t]), SE \(se)")
            }
            XCTAssertLessThan(worst, dv.name == "log_w" ? 0.05 : 0.05, dv.name)
            print("d = 500, n = 64, \(trainable ? "trainable" : "fixed") w, \(dv.name): max |sim - ODE| = \(worst), "
                  + "max |mean - ODE - Euler bias| / SE = \(worstZ), max |Euler bias| = \(bias[k].map(abs).max()!)")
        }
    }

    /// Fixed weights, fig2's start at d = 500, t ∈ [0, 20].
    func testFixedWeightsWithinMonteCarloError() throws { try checkWithinError(trainable: false) }

    /// Trainable weight, fig3's start at d = 500, t ∈ [0, 20].
    func testTrainableWeightWithinMonteCarloError() throws { try checkWithinError(trainable: true) }

    /// The Monte-Carlo part of the deviation shrinks like 1/√n: n = 64 vs
    /// 1024 (ratio √16 = 4 expected; with 2 seeds at n = 1024 the RMS itself is noisy), RMS over seeds and times of (sim - Euler),
    /// fixed weights, d = 500, t ∈ [0, 5] (n = 1024 is 16× the work).
    func testDeviationShrinksWithN() throws {
        let d = 500
        let grid = TimeGrid.linear(end: 5, points: 11)
        let target = Target.symmetric(mu: 2)
        let config = ModelConfig(target: target, weights: .fixed(0.5), d: d)
        let start = fig2Start(target, d: d)
        let euler = try Self.eulerBias(config, from: start.vector(trainable: false), dt: .constant(1e-2), grid: grid)
        func rms(n: Int, seeds: [UInt64]) throws -> Double {
            let runs = try parallelMap(count: seeds.count, threads: 2) { i in
                try particleRun(config, n: n, initial: start, seed: seeds[i], grid: grid)
            }
            var sum = 0.0, count = 0
            for run in runs {
                for (r, e) in zip(run, euler).dropFirst() {
                    sum += pow(r.observables.alphaPlus - e.alphaPlus, 2) + pow(r.observables.alphaMinus - e.alphaMinus, 2)
                    count += 2
                }
            }
            return (sum / Double(count)).squareRoot()
        }
        let small = try rms(n: 64, seeds: [11, 12, 13, 14]), large = try rms(n: 1024, seeds: [11, 12])
        print("d = 500, t ≤ 5: RMS deviation from Euler-on-ODE n = 64: \(small), n = 1024: \(large), ratio \(small / large) (√16 = 4 expected)")
        XCTAssertGreaterThan(small / large, 2.5)
    }
}
