import Annealing
import Flows
import Foundation
import Synchronization
import StageAPI
import StageSupport

/// Stage kind `flow`: RealNVP normalizing flows trained by reverse KL on the
/// two-Gaussian target of model.md (modes ±mu·e₁), one run per seed, seeds in
/// parallel on ctx.parallelism threads with the same bytes for any -j.
///
/// Params (defaults in brackets); `target`, `tempering` and `seeds` are
/// the model kinds' groups (`ModelParams`), with the schedule's tau counted in
/// training steps:
///   d                     dimension (≥ 2)
///   target {mu, rho [0.5], sigma_p2 [1]}   |μ| (> 0), weight of the + mode, mode variance
///   seeds                 list of seed numbers, one run each (e.g. [1, 2, 3]), or {from, count}
///   layers [8], hidden [[64, 64]], activation [tanh | relu]
///   init_scale [0.01]     c: the conditioners' last layers start ~ N(0, c²/H)
///   steps [1500], batch [256], lr [1e-3], lr_decay [none | linear], clip_norm [none]
///   lr {base [1e-3], late_factor, from_step}   instead of a number: the rate base, times
///                         late_factor from update from_step on (e.g. {late_factor: 0.1, from_step: 1000})
///   tempering {mode: none | power | variance, beta0, tau, shape [linear]}   β: beta0 → 1 over
///                         tau steps, then 1; power: target p^β, variance: the mixture with variance σp²/β
///   log_every [10], eval_samples [4096]   metrics on a fixed evaluation batch
///   snapshots [[]], snapshot_samples [0]  steps at which to keep samples ...
///   grid {lo, hi, n}      ... and, for d = 2, log q on an n×n grid
///   precision [double | single]   what the flow's passes compute in: single runs the
///                         products and activations in Float (about 1.5× faster), with the
///                         parameters, Adam, the target's density and every sum over rows still
///                         double; use it only where a study has shown that the results the
///                         figure states do not depend on it (README, "Single precision")
///   max_memory_gb [2]     refused at validation if the batches, grids or tables would need more
///
///     fig6-flows-d16-far:
///       kind: flow
///       params: {d: 16, target: {mu: 4}, seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], init_scale: 3,
///                snapshots: [1500], snapshot_samples: 4096}
///       outs: [artifacts/flows/d16-far-metrics.csv, artifacts/flows/d16-far-samples.csv]
///     fig1-flow-d2:
///       kind: flow
///       params: {d: 2, target: {mu: 3}, seeds: [1], snapshots: [0, 100, 500, 1500],
///                grid: {lo: -6, hi: 6, n: 121}}
///       outs: [artifacts/flows/d2-metrics.csv, artifacts/flows/d2-density.csv]
///
/// Outputs are told apart by how their names end:
///   …metrics.csv (always): seed, step, beta, kl, kl_se, mass_plus, min_mass,
///     alpha_plus, alpha_minus, batch_loss, batch_loss_se — every log_every
///     steps and at the last, on the evaluation batch before that step's
///     update (batch_loss: the training batch of that step; empty at the last).
///   …samples.csv (iff snapshot_samples > 0): seed, step, x1, x2 — the first
///     two coordinates (x1 along μ) of the evaluation batch's images.
///   …density.csv (iff grid): seed, step, x1, x2, log_q, q.
public struct FlowStage: StageKind {
    public init() {}
    public var name: String { "flow" }
    public var summary: String { "RealNVP flows trained by reverse KL on the two-Gaussian target, per seed" }

    public func validate(_ params: Params, stage: StageInfo) throws -> FlowStageConfig {
        try FlowStageConfig(params, outs: stage.outs)
    }

    public func run(_ cfg: FlowStageConfig, in ctx: StageContext) throws {
        let total = Double(cfg.seeds.count * cfg.experiment.steps)
        let done = Atomic<Int>(0)
        let every = max(1, Int(total / 200))
        let results: [FlowExperiment.SeedResult]
        do {
            results = try cfg.experiment.runAll(seeds: cfg.seeds, threads: ctx.parallelism) {
                try ctx.checkCancellation()
                let n = done.wrappingAdd(1, ordering: .relaxed).newValue
                if n % every == 0 { ctx.progress(Double(n) / total, "\(n) of \(Int(total)) steps") }
            }
        } catch let f as FlowExperiment.Failure {
            throw StageFailure(f.description)
        }
        try writeMetrics(results, cfg, to: ctx.output(cfg.metricsOut))
        if let out = cfg.samplesOut { try writeSamples(results, cfg, to: ctx.output(out)) }
        if let out = cfg.densityOut { try writeDensity(results, cfg, to: ctx.output(out)) }
    }

    func writeMetrics(_ results: [FlowExperiment.SeedResult], _ cfg: FlowStageConfig, to url: URL) throws {
        var t = CSVTable(columns: Schema.flowMetrics)
        for r in results {
            for row in r.log {
                let m = row.metrics
                t.append([.seed: .int(Int(r.seed)), .step: .int(row.step), .beta: .double(cfg.experiment.training.beta(atStep: row.step)),
                          .kl: .double(m.kl.mean), .klSe: .double(m.kl.standardError), .massPlus: .double(m.massPlus),
                          .minMass: .double(min(m.massPlus, 1 - m.massPlus)), .alphaPlus: .double(m.alphaPlus), .alphaMinus: .double(m.alphaMinus),
                          .batchLoss: row.batchLoss.map { .double($0.mean) } ?? .empty,
                          .batchLossSe: row.batchLoss.map { .double($0.standardError) } ?? .empty])
            }
        }
        try t.write(to: url)
    }

    func writeSamples(_ results: [FlowExperiment.SeedResult], _ cfg: FlowStageConfig, to url: URL) throws {
        var t = CSVTable(columns: Schema.flowSamples)
        let d = cfg.experiment.architecture.dim
        for r in results {
            for s in r.snapshots {
                for i in 0..<(s.samples.count / d) {
                    t.append([.seed: .int(Int(r.seed)), .step: .int(s.step), .x1: .double(s.samples[i * d]), .x2: .double(s.samples[i * d + 1])])
                }
            }
        }
        try t.write(to: url)
    }

    func writeDensity(_ results: [FlowExperiment.SeedResult], _ cfg: FlowStageConfig, to url: URL) throws {
        var t = CSVTable(columns: Schema.flowDensity)
        let g = cfg.experiment.grid!
        for r in results {
            for s in r.snapshots {
                for i in 0..<g.count {
                    for j in 0..<g.count {
                        let lq = s.logDensity[i * g.count + j]
                        t.append([.seed: .int(Int(r.seed)), .step: .int(s.step), .x1: .double(g.coordinate(i)), .x2: .double(g.coordinate(j)),
                                  .logQ: .double(lq), .q: .double(Foundation.exp(lq))])
                    }
                }
            }
        }
        try t.write(to: url)
    }
}

/// The `flow` params, read and checked (every key read here, so the engine
/// can flag the rest as unknown).
public struct FlowStageConfig: Sendable {
    var experiment: FlowExperiment
    var seeds: [UInt64]
    var metricsOut: String
    var samplesOut: String?
    var densityOut: String?

    init(_ p: Params, outs: [String]) throws {
        let budget = try MemoryBudget(p)
        let d = try p.check("d", p.int("d"), "must be ≥ 2") { $0 >= 2 }
        let (mu, rho, sigma2) = try SharedParams.symmetricTarget(p)
        let seeds = try SharedParams.seeds(p, budget: budget)
        let layers = try p.check("layers", p.int("layers", default: 8), "must be ≥ 1") { $0 >= 1 }
        let hidden = try p.ints("hidden", default: [64, 64])
        if hidden.isEmpty || hidden.contains(where: { $0 < 1 }) {
            throw ParamError(key: p.fullKey("hidden"), "must list at least one width, each ≥ 1, got \(hidden)")
        }
        let act = try p.choice("activation", Activation.allCases.map(\.rawValue), default: "tanh")
        let c = try p.check("init_scale", p.double("init_scale", default: 0.01), "must be ≥ 0") { $0 >= 0 && $0.isFinite }
        let steps = try p.check("steps", p.int("steps", default: 1500), "must be ≥ 1") { $0 >= 1 }
        let batch = try p.check("batch", p.int("batch", default: 256), "must be ≥ 1") { $0 >= 1 }
        let (lr, late) = try Self.learningRate(p, steps: steps)
        let decay = try p.choice("lr_decay", ["none", "linear"], default: "none")
        var clip: Double?
        if p.has("clip_norm") {
            clip = try p.check("clip_norm", p.double("clip_norm"), "must be > 0") { $0 > 0 }
        } else {
            _ = p.raw("clip_norm")
        }
        var beta0 = 1.0, temper = 0, temperMode = TemperMode.power, temperShape = AnnealingShape.linear
        if let (mode, schedule) = try SharedParams.temperingGroup(p) {
            guard schedule.tau == schedule.tau.rounded(), schedule.tau <= Double(Int32.max) else {
                throw ParamError(key: p.fullKey("tempering") + ".tau", "must be a whole number of training steps, got \(schedule.tau)")
            }
            (beta0, temper, temperMode, temperShape) = (schedule.beta0, Int(schedule.tau), TemperMode(rawValue: mode)!, schedule.shape)
        }
        let logEvery = try p.check("log_every", p.int("log_every", default: 10), "must be ≥ 1") { $0 >= 1 }
        let precision = FlowPrecision(rawValue: try p.choice("precision", FlowPrecision.allCases.map(\.rawValue),
                                                             default: "double"))!
        let evalCount = try p.check("eval_samples", p.int("eval_samples", default: 4096), "must be ≥ 1") { $0 >= 1 }
        let snapshots = try p.ints("snapshots", default: [])
        for s in snapshots where s < 0 || s > steps {
            throw ParamError(key: p.fullKey("snapshots"), "step \(s) is outside the run (0...\(steps))")
        }
        let sampleCount = try p.check("snapshot_samples", p.int("snapshot_samples", default: 0),
                                      "must be in 0...eval_samples (\(evalCount))") { $0 >= 0 && $0 <= evalCount }
        var grid: Grid2D?
        if p.has("grid") {
            let g = try p.object("grid")
            let lo = try g.double("lo"), hi = try g.double("hi")
            let n = try g.check("n", g.int("n"), "must be ≥ 2") { $0 >= 2 }
            if !(lo < hi) || !lo.isFinite || !hi.isFinite {
                throw ParamError(key: g.fullKey("hi"), "must be finite with lo < hi, got lo \(lo), hi \(hi)")
            }
            if d != 2 { throw ParamError(key: p.fullKey("grid"), "densities on a grid need d = 2 (d is \(d))") }
            grid = Grid2D(lo: lo, hi: hi, count: n)
        } else {
            _ = p.raw("grid")
        }
        if (grid != nil || sampleCount > 0) && snapshots.isEmpty {
            throw ParamError(key: p.fullKey("snapshots"), "must list steps when grid or snapshot_samples is given")
        }
        // Per seed: each coupling layer keeps its activations for the backward pass.
        let bytesPerSample = Double(d + 2 * hidden.reduce(0, +)) * Double(layers) * 8
        try budget.check(Double(batch), "samples per batch", bytesEach: bytesPerSample, key: p.fullKey("batch"))
        try budget.check(Double(evalCount), "evaluation samples", bytesEach: bytesPerSample, key: p.fullKey("eval_samples"))
        let runs = Double(seeds.count) * Double(snapshots.count)
        try budget.checkRows(Double(seeds.count) * (Double(steps / logEvery) + 2), columns: 11, key: p.fullKey("log_every"))
        try budget.checkRows(runs * Double(sampleCount), columns: 4, key: p.fullKey("snapshot_samples"))
        if let grid { try budget.checkRows(runs * Double(grid.count) * Double(grid.count), columns: 6, key: p.fullKey("grid") + ".n") }

        // Outputs, by the end of their names.
        func out(_ suffix: String) throws -> String? {
            let m = outs.filter { $0.hasSuffix(suffix) }
            if m.count > 1 { throw ParamError(key: "outs", "has several files ending in '\(suffix)': \(m)") }
            return m.first
        }
        for o in outs where !["metrics.csv", "samples.csv", "density.csv"].contains(where: { o.hasSuffix($0) }) {
            throw ParamError(key: "outs", "'\(o)': a flow stage writes files ending in metrics.csv, samples.csv or density.csv")
        }
        guard let metrics = try out("metrics.csv") else {
            throw ParamError(key: "outs", "must include a file ending in metrics.csv")
        }
        metricsOut = metrics
        samplesOut = try out("samples.csv")
        densityOut = try out("density.csv")
        if (samplesOut != nil) != (sampleCount > 0) {
            throw ParamError(key: p.fullKey("snapshot_samples"),
                             "a samples.csv output needs snapshot_samples > 0, and snapshot_samples needs one")
        }
        if (densityOut != nil) != (grid != nil) {
            throw ParamError(key: p.fullKey("grid"), "a density.csv output needs a grid, and a grid needs one")
        }

        let arch = FlowArchitecture(dim: d, couplingLayers: layers, hidden: hidden, activation: Activation(rawValue: act)!,
                                    lastLayerScale: c)
        let adam = Adam.Config(learningRate: lr, clipNorm: clip, decaySteps: decay == "linear" ? steps : nil, lateStep: late)
        experiment = FlowExperiment(
            architecture: arch, target: .symmetric(dim: d, mu: mu, rho: rho, sigma2: sigma2),
            training: TrainingConfig(batch: batch, adam: adam, beta0: beta0, temperSteps: temper,
                                     temperMode: temperMode, temperShape: temperShape, precision: precision),
            steps: steps, logEvery: logEvery, evalCount: evalCount, snapshotSteps: snapshots.sorted(),
            sampleCount: sampleCount, grid: grid)
        self.seeds = seeds
    }

    /// `lr`: a number (constant rate), or {base, late_factor, from_step}: the
    /// rate `base` until update `from_step`, then base·late_factor.
    static func learningRate(_ p: Params, steps: Int) throws -> (Double, Adam.Config.LateStep?) {
        func positive(_ o: Params, _ key: String, default value: Double? = nil) throws -> Double {
            try o.check(key, o.double(key, default: value), "must be > 0") { $0 > 0 && $0.isFinite }
        }
        guard case .object? = p.raw("lr") else { return (try positive(p, "lr", default: 1e-3), nil) }
        let o = try p.object("lr")
        let base = try positive(o, "base", default: 1e-3)
        let factor = try positive(o, "late_factor")
        let from = try o.check("from_step", o.int("from_step"), "must be in 0...steps (\(steps))") { $0 >= 0 && $0 <= steps }
        return (base, Adam.Config.LateStep(factor: factor, fromStep: from))
    }
}

/// Its bytes depend on the platform (see `SciencePlatform`).
extension FlowStage { public func platform(_ params: Params, stage: StageInfo) throws -> [PlatformFact] { SciencePlatform.facts } }
