import Foundation
import Parallel
import Particles
import Synchronization
import Theory
import StageAPI
import StageSupport
import ModelInputs

/// Kind `particles`: the finite-d gradient flow with Monte-Carlo gradients
/// (model.md, "Finite-d simulations"), to overlay on the `ode` kind's curves.
/// The model params are the `ode` kind's (`ModelParams`: target, s, d,
/// weights, w, tempering, init, time), so one YAML block feeds both; the
/// Monte-Carlo settings are one extra group:
///
///     particles:
///       n: 256                                  # samples per component per step
///       dt: 0.01 | {early: 1e-3, until: 1, late: 1e-2}
///       seeds: [0, 1, 2]                        # init.mode fixed only; a random
///                                               # init uses init.seeds for both
///
/// Every run (d, seed) starts from exactly the overlaps the `ode` kind
/// computes from the same init block (Theory's `InitialCondition`; a random
/// start's draw depends on the cell (d, target) and seed only, not on the
/// weights or the tempering), realised
/// by vectors in R^d. Outputs: one tidy CSV, a row per (d, seed, t), the
/// `ode` kind's columns plus the KL's Monte-Carlo estimate and its standard
/// error; optionally a second CSV (name ending in `init.csv`) with the initial
/// overlaps of each run as realised by the vectors.
///
///     particles-fig2a:
///       kind: particles
///       outs: [artifacts/fig2/particles-mu2.csv]
///       params:
///         target: {mu: 2.0}
///         d: 1000
///         weights: fixed
///         init: {mode: fixed, m_plus: [1.0], m_minus: [0.5], orth2: [999, 999]}
///         time: {grid: linear, end: 100, points: 21}
///         particles: {n: 256, dt: 0.01, seeds: [0, 1, 2]}
///
/// Refused at validation if one run's vectors would exceed 4 GiB, the Euler
/// steps 1e9, or the table `max_memory_gb` (default 2).
public struct ParticlesStage: StageKind {
    public init() {}
    public let name = "particles"
    public let summary = "finite-d gradient flow with Monte-Carlo gradients (alphas, overlaps, w, KL, masses) on the ode kind's time grid"

    /// Per run, at most this much memory (vectors, per-block buffers).
    static let maxBytesPerRun = 4.0 * 1024 * 1024 * 1024
    static let maxSteps = 1e9

    public struct Config: Sendable {
        var target: Target, s: Double, dims: [Int], weights: WeightMode, tempering: Tempering
        var runs: [(seed: UInt64, ic: InitialCondition)], grid: TimeGrid, settings: ParticleSettings
        var output: String, initOutput: String?
    }

    public func validate(_ p: Params, stage: StageInfo) throws -> Config {
        let budget = try MemoryBudget(p)
        let target = try ModelParams.target(p)
        let s = try ModelParams.s(p), dims = try ModelParams.dimensions(p)
        let weights = try ModelParams.weights(p), tempering = try ModelParams.tempering(p)
        let initial = try ModelParams.initial(p, target: target, budget: budget)
        let grid = try ModelParams.timeGrid(p, budget: budget)

        let mc = try p.object("particles")
        let n = try mc.int("n")
        try mc.check("n", n, "must be in 1...1000000 (samples per component per step)") { $0 > 0 && $0 <= 1_000_000 }
        let dt = try stepSize(mc)
        let runs: [(seed: UInt64, ic: InitialCondition)]
        switch initial {
        case .fixed(let ic):
            runs = try SharedParams.seeds(mc, budget: budget).map { ($0, ic) }
        case .random:
            if mc.has("seeds") {
                throw ParamError(key: mc.fullKey("seeds"), "not with init.mode: random, whose init.seeds seed the Monte Carlo too")
            }
            runs = initial.conditions().map { ($0.seed!, $0.1) }
        }

        for d in dims {
            let bytes = ParticleSettings.memoryBytes(d: d, n: n)
            if bytes > Self.maxBytesPerRun {
                throw ParamError(key: mc.fullKey("n"), "d = \(d) with n = \(n) needs \(Int(bytes / 1_048_576)) MiB per run (at most \(Int(Self.maxBytesPerRun / 1_048_576)))")
            }
            if case .fixed(let ic) = initial {
                do { try ParticleSimulation.checkStart(target: target, d: d, initial: ic.state(target: target, d: d)) } catch let e as InitialStateError {
                    throw ParamError(key: p.fullKey("init"), "d = \(d): \(e)")
                }
            }
        }
        let steps = dt.steps(on: grid)
        if steps > Self.maxSteps { throw ParamError(key: mc.fullKey("dt"), "gives \(steps) Euler steps to time \(grid.times.last!) (at most 1e9)") }

        try budget.checkRows(Double(dims.count) * Double(runs.count) * Double(grid.times.count), columns: Self.columns.count,
                             key: p.fullKey("time"))
        let (out, initOut) = try outputs(stage)
        return Config(target: target, s: s, dims: dims, weights: weights, tempering: tempering, runs: runs, grid: grid,
                     settings: ParticleSettings(n: n, dt: dt), output: out, initOutput: initOut)
    }

    func stepSize(_ mc: Params) throws -> StepSize {
        guard let raw = mc.raw("dt") else { throw ParamError(key: mc.fullKey("dt"), "is required (the Euler step, or {early, until, late})") }
        let positive = "must be > 0 (an Euler step)"
        if case .object = raw {
            let o = try mc.object("dt")
            let early = try o.double("early"), until = try o.double("until"), late = try o.double("late")
            try o.check("early", early, positive) { $0 > 0 && $0.isFinite }
            try o.check("late", late, positive) { $0 > 0 && $0.isFinite }
            try o.check("until", until, "must be ≥ 0 (when the step changes from early to late)") { $0 >= 0 && $0.isFinite }
            return StepSize(early: early, until: until, late: late)
        }
        let dt = try mc.double("dt")
        try mc.check("dt", dt, positive) { $0 > 0 && $0.isFinite }
        return .constant(dt)
    }

    func outputs(_ stage: StageInfo) throws -> (String, String?) {
        let outs = stage.outs
        guard outs.allSatisfy({ $0.hasSuffix(".csv") }), (1...2).contains(outs.count) else {
            throw ParamError(key: "outs", "this kind writes one CSV of trajectories and optionally one of initial overlaps (a name ending in init.csv)")
        }
        if outs.count == 1 { return (outs[0], nil) }
        let inits = outs.filter { $0.hasSuffix("init.csv") }
        guard inits.count == 1 else {
            throw ParamError(key: "outs", "with two outputs, exactly one must end in init.csv (the initial overlaps)")
        }
        return (outs.first { $0 != inits[0] }!, inits[0])
    }

    static let columns = Schema.particles

    /// Runs at once (outer) and threads per run (inner) for `runs` runs on
    /// `threads` threads: the split with the shortest expected makespan,
    /// ⌈runs/outer⌉ rounds each sped up by the inner threads. A run's sample
    /// blocks scale at about 0.88 per extra thread (particles-bench: 1.75 ms
    /// per step on 1 thread, 0.99 on 2), so 3 runs on 2 threads go one after
    /// another on both (3/1.77 rounds) rather than 2 + 1 (2 rounds, one
    /// thread idle in the second).
    static func split(runs: Int, threads: Int) -> (outer: Int, inner: Int) {
        let p = max(1, threads), j = max(1, runs)
        var best = (outer: min(p, j), inner: max(1, p / j)), bestTime = Double.infinity
        for outer in stride(from: min(p, j), through: 1, by: -1) {
            let inner = p / outer
            let speedup = 1 + 0.85 * Double(inner - 1)
            let time = Double((j + outer - 1) / outer) / speedup
            if time < bestTime - 1e-9 { best = (outer, inner); bestTime = time }
        }
        return best
    }
    static let initColumns = Schema.particleInits

    public func run(_ su: Config, in ctx: StageContext) throws {
        let jobs = su.dims.flatMap { d in su.runs.map { (d: d, seed: $0.seed, ic: $0.ic) } }
        // Runs in parallel, each spreading its sample blocks over the threads
        // left; either way the bits are the same (see ParticleSimulation).
        let (outer, inner) = Self.split(runs: jobs.count, threads: ctx.parallelism)
        let total = Double(jobs.count * su.grid.times.count)
        let done = Mutex(0)
        let results = try cancellable {
            try parallelMap(count: jobs.count, threads: outer, cancelled: { ctx.isCancelled }) { j in
                let (d, seed, ic) = jobs[j]
                let config = ModelConfig(target: su.target, s: su.s, weights: su.weights, tempering: su.tempering, d: d)
                var table = CSVTable(columns: Self.columns)
                var initRow: [Column: CSVTable.Cell] = [:]
                let at = "d = \(d), seed = \(seed)"
                do {
                    let sim = try ParticleSimulation(config: config, settings: su.settings,
                                                     initial: ic.state(target: su.target, d: d), seed: seed)
                    initRow = [.d: .int(d), .seed: .int(Int(seed))]
                    for (c, v) in zip(Schema.particleInits.dropFirst(2), sim.overlaps.vector(trainable: true)) { initRow[c] = .double(v) }
                    try sim.run(grid: su.grid, threads: inner, cancelled: { ctx.isCancelled }) { _, r in
                        let y = r.state.vector(trainable: false)
                        var row: [Column: CSVTable.Cell] = [.d: .int(d), .seed: .int(Int(seed)), .t: .double(r.t)]
                        for (c, v) in zip(Schema.particles.dropFirst(3), r.observables.values + y + [r.klMC, r.klMCStdErr]) { row[c] = .double(v) }
                        table.append(row)
                        let k = done.withLock { $0 += 1; return $0 }
                        ctx.progress(Double(k) / total, "\(k)/\(Int(total)) records")
                    }
                } catch let e as ParticleFailure {
                    throw StageFailure("\(at): \(e)")
                } catch let e as InitialStateError {
                    throw StageFailure("\(at): \(e)")
                }
                return (table, initRow)
            }
        }
        try ctx.checkCancellation()
        var all = CSVTable(columns: Self.columns), inits = CSVTable(columns: Self.initColumns)
        for (t, row) in results {
            all.append(contentsOf: t)
            inits.append(row)
        }
        try all.write(to: try ctx.output(su.output))
        if let path = su.initOutput { try inits.write(to: try ctx.output(path)) }
    }
}

/// Its bytes depend on the platform (see `SciencePlatform`).
extension ParticlesStage { public func platform(_ params: Params, stage: StageInfo) throws -> [PlatformFact] { SciencePlatform.facts } }
