// Time per Euler step of the particle simulation (issue 4's benchmark):
// d = 1000, n = 256 per component, trainable weight, on 1 and 2 threads, and
// the share of a step spent drawing the 2·n·d normal variates.
// Run: swift run -c release particles-bench [d] [n] [steps]
//      swift run -c release particles-bench agree MU   (fig2's particles-vs-ODE check)
import Foundation
import Parallel
import Particles
import Theory

func wallNow() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
func cpuNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

let args = CommandLine.arguments
if args.count > 2 && args[1] == "agree" {
    try agreement(mu: Double(args[2])!)
    exit(0)
}
let d = args.count > 1 ? Int(args[1])! : 1000
let n = args.count > 2 ? Int(args[2])! : 256
let steps = args.count > 3 ? Int(args[3])! : 200
let reps = 5

let target = Target.symmetric(mu: 2)
let config = ModelConfig(target: target, weights: .trainable, d: d)
let initial = InitialCondition.fixed(cPlus: [1, 0], cMinus: [-0.5, 0],
                                     orthogonal: .chiSigma(plus: 1, minus: -1), theta: 0).state(target: target, d: d)

/// Best (minimum) over `reps` repetitions of `steps` steps: (wall, thread CPU) seconds per step.
func timeSteps(threads: Int) throws -> (wall: Double, cpu: Double) {
    let sim = try ParticleSimulation(config: config, settings: ParticleSettings(n: n, dt: .constant(1e-2)),
                                     initial: initial, seed: 1)
    try sim.advance(t: 0, h: 1e-2, threads: threads)  // warm-up
    var best = (wall: Double.infinity, cpu: Double.infinity)
    for _ in 0..<reps {
        let w0 = wallNow(), c0 = cpuNow()
        for _ in 0..<steps { try sim.advance(t: 0, h: 1e-2, threads: threads) }
        best.wall = min(best.wall, (wallNow() - w0) / Double(steps))
        best.cpu = min(best.cpu, (cpuNow() - c0) / Double(steps))
    }
    return best
}

/// The normals alone: 2·n·d variates per step from the same generator.
func timeNormals() -> Double {
    let src = NormalSource(seed: 1, stream: "bench")
    let buf = UnsafeMutablePointer<Double>.allocate(capacity: d)
    defer { buf.deallocate() }
    var best = Double.infinity, sink = 0.0
    for _ in 0..<reps {
        let c0 = cpuNow()
        for _ in 0..<steps { for _ in 0..<(2 * n) { src.fill(buf, count: d); sink += buf[0] } }
        best = min(best, (cpuNow() - c0) / Double(steps))
    }
    if sink.isNaN { print(sink) }
    return best
}

let one = try timeSteps(threads: 1)
let two = try timeSteps(threads: 2)
let normals = timeNormals()
func ms(_ s: Double) -> String { String(format: "%.3f ms", s * 1e3) }
print("particles-bench: d = \(d), n = \(n) per component, trainable weight, \(steps) steps × \(reps) reps (best)")
print("  1 thread : \(ms(one.wall)) per step wall, \(ms(one.cpu)) thread CPU")
print("  2 threads: \(ms(two.wall)) per step wall")
print("  normals  : \(ms(normals)) per step (\(2 * n * d) variates, \(String(format: "%.2f", normals / Double(2 * n * d) * 1e9)) ns each)" +
      " = \(String(format: "%.0f%%", 100 * normals / one.cpu)) of a 1-thread step")

// `particles-bench agree MU`: fig2's setting (d = 1000, fixed w = 1/2,
// m₊·e = 1, m₋·e = 0.5, orthogonal squared norms d-1, dt = 0.01, n = 256,
// seeds 0, 1, 2, T = 100): max |α_sim - α_ODE| per seed (figures.md: ≤ 0.02).
func agreement(mu: Double) throws {
    let d = 1000
    let target = Target.symmetric(mu: mu)
    let config = ModelConfig(target: target, weights: .fixed(0.5), d: d)
    let start = InitialCondition.fixed(cPlus: [1, 0], cMinus: [0.5, 0],
                                       orthogonal: .absolute(plus: Double(d - 1), minus: Double(d - 1), cross: 0), theta: 0)
        .state(target: target, d: d)
    let grid = TimeGrid.linear(end: 100, points: 21)
    let model = OverlapModel(config)
    let integ = try OverlapIntegrator(model: model, settings: SolverSettings())
    var odeRecords: [Observables] = []
    try integ.integrate(start.vector(trainable: false), grid: grid) { _, y in odeRecords.append(model.observables(y)) }
    let ode = odeRecords
    // The deterministic part: Euler with the same steps on the exact drift.
    var y = start.vector(trainable: false), eulerWorst = 0.0
    for i in 1..<grid.times.count {
        for _ in 0..<500 {
            let f = model.derivatives(0, y)
            for k in y.indices { y[k] += 0.01 * f[k] }
        }
        let o = model.observables(y)
        eulerWorst = max(eulerWorst, abs(o.alphaPlus - ode[i].alphaPlus), abs(o.alphaMinus - ode[i].alphaMinus))
    }
    print("fig2 |μ| = \(mu): Euler (dt = 0.01) on the exact drift vs ODE: max |Δα| = \(eulerWorst)")
    let worst = try parallelMap(count: 3, threads: 2) { seed -> Double in
        let sim = try ParticleSimulation(config: config, settings: ParticleSettings(n: 256, dt: .constant(0.01)),
                                         initial: start, seed: UInt64(seed))
        var w = 0.0
        try sim.run(grid: grid) { i, r in
            w = max(w, abs(r.observables.alphaPlus - ode[i].alphaPlus), abs(r.observables.alphaMinus - ode[i].alphaMinus))
        }
        return w
    }
    print("fig2 |μ| = \(mu), d = 1000, n = 256, dt = 0.01, T = 100: max |α_sim - α_ODE| per seed = \(worst); ODE α at T: \(ode.last!.alphaPlus), \(ode.last!.alphaMinus)")
}
