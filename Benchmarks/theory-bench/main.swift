// Release benchmark of the Theory module (issue 3):
//   swift build -c release --product theory-bench && .build/release/theory-bench [--quick]
// Prints: one trajectory t ∈ [0, 400] (d = 1000, trainable weight, random
// start, rtol 1e-8) per stepper, RHS evaluations per second, a long horizon
// near a fixed point (t to 1e6), and a fig4-sized sweep (13 200 trajectories
// to t = 1600) on 1 and 2 threads.
import Foundation
import GSL
import Parallel
import Theory

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
let quick = CommandLine.arguments.contains("--quick")
/// `--atol X` overrides the sweep's absolute tolerance (default 1e-10).
let sweepAtol = CommandLine.arguments.firstIndex(of: "--atol").map { Double(CommandLine.arguments[$0 + 1])! } ?? 1e-10

print("== one trajectory: d = 1000, trainable w, random start (τ = 1), |μ| = 2.5, t ∈ [0, 400], rtol 1e-8, atol 1e-10")
let target = Target.symmetric(mu: 2.5)
// The model tabulates its target-side integrals once (FixedWidthIntegrals,
// shared per width); time that apart from the trajectories.
_ = GaussianIntegrals.shared  // the direct rules (built lazily once per process)
let tBuild = now()
_ = FixedWidthIntegrals(S: 5)
print("  target-side interpolant at S^p = 5 (built once per process and width): \(String(format: "%.3f", (now() - tBuild) * 1e3)) ms")
let model = OverlapModel(ModelConfig(target: target, weights: .trainable, d: 1000))
for stepper in [ODEStepper.msbdf, .rk8pd, .rkf45, .rkck] {
    let integ = try OverlapIntegrator(model: model, settings: SolverSettings(stepper: stepper, relative: 1e-8, absolute: 1e-10))
    var times: [Double] = [], finals: [Double] = []
    let n = 40
    for seed in 0..<n {
        let y0 = InitialCondition.random(tau: 1, theta: 0, sampler: .exact, seed: UInt64(seed)).state(target: target, d: 1000)
            .vector(trainable: true)
        let t0 = now()
        let y = try integ.finalState(y0, end: 400)
        times.append(now() - t0)
        if seed == 0 { finals = model.observables(y).values }
    }
    let evals = Double(integ.rhsEvaluations) / Double(n), total = times.reduce(0, +)
    print("  \(stepper.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) median \(String(format: "%.3f", median(times) * 1e3)) ms/trajectory "
          + "(min \(String(format: "%.3f", times.min()! * 1e3))), "
          + "\(Int(evals)) RHS evals (\(Int(Double(integ.steps) / Double(n))) steps, \(integ.jacobianEvaluations / n) Jacobians), "
          + "\(String(format: "%.2f", Double(integ.rhsEvaluations) / total / 1e6)) M evals/s; seed 0 final (α₊, α₋, w, KL) = \(finals.prefix(4).map { String(format: "%.9g", $0) })")
}

print("== long horizon near the aligned fixed point: fixed w, |μ| = 3, d = 10, start α = (1.05, 0.95), t to 1e6")
do {
    let t3 = Target.symmetric(mu: 3)
    let m = OverlapModel(ModelConfig(target: t3, weights: .fixed(0.5), d: 10))
    let y0 = InitialCondition.fixed(cPlus: [3.15, 0], cMinus: [2.85, 0], orthogonal: .absolute(plus: 0, minus: 0, cross: 0), theta: 0)
        .state(target: t3, d: 10).vector(trainable: false)
    for stepper in [ODEStepper.msbdf, .rk8pd] {
        let integ = try OverlapIntegrator(model: m, settings: SolverSettings(stepper: stepper, maxSteps: 5_000_000))
        let end = stepper == .msbdf ? 1e6 : 1e4
        let t0 = now()
        let y = try integ.finalState(y0, end: end)
        let o = m.observables(y)
        print("  \(stepper.rawValue): t = 0…\(end): \(String(format: "%.1f", (now() - t0) * 1e3)) ms, \(integ.rhsEvaluations) RHS evals, "
              + "final α = (\(String(format: "%.6f", o.alphaPlus)), \(String(format: "%.6f", o.alphaMinus)))")
    }
    // Trainable weight, escape from the aligned state (fig5b): first t with min mass > 0.1.
    let mt = OverlapModel(ModelConfig(target: t3, weights: .trainable, d: 10))
    let integ = try OverlapIntegrator(model: mt, settings: SolverSettings())
    let y1 = InitialCondition.fixed(cPlus: [3.15, 0], cMinus: [2.85, 0], orthogonal: .absolute(plus: 0, minus: 0, cross: 0), theta: 0)
        .state(target: t3, d: 10).vector(trainable: true)
    let t0 = now()
    let ev = try integ.firstTime(from: y1, limit: 1e7) { _, y in
        let o = mt.observables(y)
        return min(o.massPlus, o.massMinus) > 0.1
    }
    print("  trainable escape (msbdf): t_escape = \(ev.map { String($0.t) } ?? "none by 1e7") in \(String(format: "%.1f", (now() - t0) * 1e3)) ms, \(integ.rhsEvaluations) RHS evals")
}

if CommandLine.arguments.contains("--steppers") {
    // The default stepper's justification: speed per stepper on the stiff
    // d = 5000 case, on long fig4-style horizons, and agreement with a tight rk8pd.
    print("== steppers: d = 5000, trainable w, 20 random starts, |μ| = 2.5, rtol 1e-8, atol 1e-10")
    let m5 = OverlapModel(ModelConfig(target: target, weights: .trainable, d: 5000))
    let starts = (0..<20).map { InitialCondition.random(tau: 1, theta: 0, sampler: .exact, seed: UInt64($0)).state(target: target, d: 5000).vector(trainable: true) }
    for end in [400.0, 1600.0] {
        let tight = try OverlapIntegrator(model: m5, settings: SolverSettings(stepper: .rk8pd, relative: 1e-11, absolute: 1e-13))
        let refs = try starts.map { m5.observables(try tight.finalState($0, end: end)).values }
        for stepper in [ODEStepper.msbdf, .rk8pd, .rkf45, .rkck] {
            let integ = try OverlapIntegrator(model: m5, settings: SolverSettings(stepper: stepper))
            var worst = 0.0
            let t0 = now()
            for (y0, ref) in zip(starts, refs) {
                let o = m5.observables(try integ.finalState(y0, end: end)).values
                for (a, b) in zip(o, ref) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
            }
            print("  t ≤ \(Int(end)) \(stepper.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(format: "%.3f", (now() - t0) / 20 * 1e3)) ms/trajectory, "
                  + "\(integ.rhsEvaluations / 20) RHS evals; max relative deviation from rk8pd at rtol 1e-11: \(String(format: "%.1e", worst))")
        }
    }
}

if CommandLine.arguments.contains("--breakdown") {
    print("== per-cell cost (|μ| = 2.5, 20 seeds, t to 1600): ms per trajectory, RHS evals")
    for weights in [WeightMode.fixed(0.5), .trainable] {
        for d in [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] {
            let m = OverlapModel(ModelConfig(target: .symmetric(mu: 2.5), weights: weights, d: d))
            let integ = try OverlapIntegrator(model: m, settings: SolverSettings(absolute: sweepAtol))
            let t0 = now()
            for seed in 0..<20 {
                let y0 = InitialCondition.random(tau: 1, theta: 0, sampler: .exact, seed: UInt64(seed)).state(target: m.config.target, d: d)
                    .vector(trainable: weights.isTrainable)
                _ = try integ.finalState(y0, end: 1600)
            }
            print("  \(weights.isTrainable ? "trainable" : "fixed") d = \(d): \(String(format: "%.3f", (now() - t0) / 20 * 1e3)) ms, \(integ.rhsEvaluations / 20) evals")
        }
    }
}

print("== fig4-sized sweep: 11 d × 3 |μ| × 200 seeds × {fixed, trainable} = 13 200 trajectories to t = 1600 (classified at 100, 400, 1600)")
let dims = [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
let seeds = (0..<(quick ? 20 : 200)).map { UInt64($0) }
var cells: [SweepCell] = []
for weights in [WeightMode.fixed(0.5), .trainable] {
    for mu in [2.0, 2.5, 3.5] {
        for d in dims {
            cells.append(SweepCell(config: ModelConfig(target: .symmetric(mu: mu), weights: weights, d: d), seeds: seeds,
                                   endTimes: [100, 400, 1600]))
        }
    }
}
let total = cells.count * seeds.count
var reference: [OutcomeCounts] = []
for threads in [1, 2] {
    let t0 = now()
    let frozen = cells, nSeeds = seeds.count
    let runs = try parallelMap(count: total, threads: threads) { j in
        try frozen[j / nSeeds].run(seedIndex: j % nSeeds, settings: SolverSettings(absolute: sweepAtol))
    }
    let wall = now() - t0
    var counts: [OutcomeCounts] = []
    for c in cells.indices { counts += SweepCell.tally(Array(runs[(c * seeds.count)..<((c + 1) * seeds.count)]), endTimes: 3) }
    if threads == 1 { reference = counts }
    print("  \(threads) thread(s): \(total) trajectories in \(String(format: "%.2f", wall)) s "
          + "(\(String(format: "%.3f", wall / Double(total) * 1e3 * Double(threads))) ms CPU per trajectory); "
          + "same counts as 1 thread: \(counts == reference)")
}
