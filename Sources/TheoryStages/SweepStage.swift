import Foundation
import Parallel
import Theory
import Annealing
import StageAPI
import StageSupport
import ModelInputs

/// Kind `ode-sweep`: collapse statistics (figures.md fig4, fig5c, fig7).
/// Over |μ| × d × weight mode (× tempering β₀ × τ × shape), integrate every seed's
/// random start to each end time and classify it (Theory `CollapseOutcome`: collapsed
/// iff min(mass₊, mass₋) < 0.1; vanishing weight if min(w, 1-w) < 0.05, else
/// mean alignment; otherwise covered). With tempering, end times count from
/// the schedule's end (T = τ + end). Tempering: {mode: none | power | variance,
/// beta0: [..], tau: [..], shape: linear | [linear, exponential, geometric, constant]}
/// (beta0, tau, shape: one value or a list; shape default linear); tempered
/// sweeps get a `shape` column after `tau`. Outs: a summary CSV (counts, fractions, Wilson 95%
/// intervals) and optionally a second CSV with every run's final state.
///
/// Draws: seed k's start depends on the seed and the cell's model, d and the
/// target (|μ|, ρ, σp²), by Theory's `InitialCondition.stream(target:d:)`:
/// every (d, |μ|) draws an independent sample, while fixed and trainable
/// weights and every tempering schedule of one (d, |μ|), the untempered
/// baseline included, share the same starts (paired comparisons); the `ode`
/// and `particles` kinds give seed k the same start at the same (d, |μ|).
///
/// Rows: cell by cell, nested weights (outermost, in the order listed), then
/// |μ|, then d, then β₀, τ, shape (innermost); within a cell the summary has a
/// row per end time, the per-run CSV a row per (end time, seed). A cell's rows
/// depend only on that cell, so one stage over a grid writes, byte for byte,
/// the concatenation (headers dropped after the first) of one stage per cell
/// in that order, e.g. a matrix `weights × mu × d` (last axis fastest) with
/// singleton lists `weights: ["${weights}"]`, `target: {mu: ["${mu}"]}`,
/// `d: ["${d}"]` (for tempered sweeps: `beta0`, `tau` likewise; the `shape`
/// column appears in every tempered cell, so do not mix tempered and untempered
/// cells in one gather).
///
///     sweep-fig4:
///       kind: ode-sweep
///       outs: [artifacts/fig4/collapse.csv]
///       params:
///         target: {mu: [2.0, 2.5, 3.5]}
///         d: [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
///         weights: [fixed, trainable]
///         init: {tau: 1, seeds: {from: 0, count: 200}}
///         end_times: [100, 400, 1600]
///
/// Refused at validation if the runs' results or tables would exceed `max_memory_gb` (default 2).
public struct SweepStage: StageKind {
    public init() {}
    public let name = "ode-sweep"
    public let summary = "collapse statistics of the overlap ODE over seeds × d × |μ| × weights (× tempering), with Wilson intervals"

    public struct Config: Sendable {
        var cells: [(weights: WeightsMode, mu: Double, d: Int, tempering: Tempering, cell: SweepCell)]
        var endTimes: [Double], solver: SolverSettings, summary: String, runs: String?
    }

    public func validate(_ p: Params, stage: StageInfo) throws -> Config {
        let budget = try MemoryBudget(p)
        let (mus, rho, sp2) = try ModelParams.separations(p)
        let s = try ModelParams.s(p)
        let dims = try ModelParams.dimensions(p)
        let modes = try p.strings("weights").map { m in
            guard let mode = WeightsMode(rawValue: m) else {
                throw ParamError(key: p.fullKey("weights"), "entries must be fixed or trainable, got '\(m)'")
            }
            return mode
        }
        if modes.isEmpty { throw ParamError(key: p.fullKey("weights"), "must not be empty") }
        let w = try p.double("w", default: 0.5)
        try p.check("w", w, "must be in (0, 1)") { $0 > 0 && $0 < 1 }
        let i = try p.object("init")
        let tau = try i.double("tau", default: 1)
        try i.check("tau", tau, "must be > 0") { $0 > 0 && $0.isFinite }
        let theta = try i.double("theta", default: 0)
        try i.check("theta", theta, "must be finite") { $0.isFinite }
        let samplerName = try i.choice("sampler", RandomInitSampler.allCases.map(\.rawValue), default: "exact")
        let ends = try p.doubles("end_times")
        if ends.isEmpty { throw ParamError(key: p.fullKey("end_times"), "must not be empty") }
        for k in ends.indices {
            try p.check("end_times", ends[k], "must be > 0 and increasing") { $0 > 0 && $0.isFinite && (k == 0 || $0 > ends[k - 1]) }
        }
        var temperings: [Tempering] = [.none]
        if p.has("tempering") {
            let tp = try p.object("tempering")
            let mode = try tp.choice("mode", ["none", "power", "variance"])
            if mode != "none" {
                let b0s = try tp.doubles("beta0"), taus = try tp.doubles("tau")
                if b0s.isEmpty { throw ParamError(key: tp.fullKey("beta0"), "must not be empty") }
                if taus.isEmpty { throw ParamError(key: tp.fullKey("tau"), "must not be empty") }
                let names = try tp.strings("shape", default: [AnnealingShape.linear.rawValue])
                if names.isEmpty { throw ParamError(key: tp.fullKey("shape"), "must not be empty") }
                let shapes = try names.map { n in
                    guard let sh = AnnealingShape(rawValue: n) else {
                        throw ParamError(key: tp.fullKey("shape"),
                                         "entries must be one of \(AnnealingShape.allCases.map(\.rawValue).joined(separator: ", ")), got '\(n)'")
                    }
                    return sh
                }
                if Set(shapes).count != shapes.count { throw ParamError(key: tp.fullKey("shape"), "has duplicates") }
                temperings = try b0s.flatMap { b in
                    try taus.flatMap { tau in
                        try shapes.map { shape in
                            let sc = try SharedParams.schedule(tp, beta0: b, tau: tau, shape: shape)
                            return mode == "power" ? Tempering.power(sc) : .variance(sc)
                        }
                    }
                }
            }
        }
        let seeds = try SharedParams.seeds(i, budget: budget) { count in
            let runs = Double(modes.count * mus.count * dims.count * temperings.count) * Double(count) * Double(ends.count)
            try budget.check(runs, "final states", bytesEach: Double(Observables.names.count * 8), key: i.fullKey("seeds"))
            if stage.outs.count > 1 {
                try budget.checkRows(runs, columns: 10 + Observables.names.count, key: i.fullKey("seeds"))
            }
        }
        let solver = try ModelParams.solver(p)
        guard (1...2).contains(stage.outs.count), stage.outs.allSatisfy({ $0.hasSuffix(".csv") }) else {
            throw ParamError(key: "outs", "declare a summary CSV and optionally a per-run CSV (paths ending in .csv)")
        }
        var cells: [(WeightsMode, Double, Int, Tempering, SweepCell)] = []
        for mode in modes {
            for mu in mus {
                for d in dims {
                    for tempering in temperings {
                        let config = ModelConfig(target: .symmetric(mu: mu, rho: rho, sigmaP2: sp2), s: s,
                                                 weights: mode == .fixed ? .fixed(w) : .trainable, tempering: tempering, d: d)
                        let offset = Self.scheduleEnd(tempering)
                        cells.append((mode, mu, d, tempering,
                                      SweepCell(config: config, tau: tau, theta0: theta, sampler: RandomInitSampler(rawValue: samplerName)!,
                                                seeds: seeds, endTimes: ends.map { $0 + offset })))
                    }
                }
            }
        }
        return Config(cells: cells.map { (weights: $0.0, mu: $0.1, d: $0.2, tempering: $0.3, cell: $0.4) }, endTimes: ends,
                     solver: solver, summary: stage.outs[0], runs: stage.outs.count > 1 ? stage.outs[1] : nil)
    }

    static func scheduleEnd(_ t: Tempering) -> Double {
        switch t {
        case .none: 0
        case .power(let b), .variance(let b): b.tau
        }
    }

    static func describe(_ t: Tempering) -> (mode: String, beta0: Double, tau: Double, shape: String) {
        switch t {
        case .none: ("none", 1, 0, "none")
        case .power(let b): ("power", b.beta0, b.tau, b.shape.rawValue)
        case .variance(let b): ("variance", b.beta0, b.tau, b.shape.rawValue)
        }
    }

    public func run(_ su: Config, in ctx: StageContext) throws {
        let nSeeds = su.cells.first?.cell.seeds.count ?? 0
        let total = su.cells.count * nSeeds
        let runs = try cancellable {
            try parallelMap(count: total, threads: ctx.parallelism, cancelled: { ctx.isCancelled },
                            completed: { if $0 % 64 == 0 || $0 == total { ctx.progress(Double($0) / Double(total), "\($0)/\(total) runs") } }) { j in
                let c = su.cells[j / nSeeds]
                do { return try c.cell.run(seedIndex: j % nSeeds, settings: su.solver) } catch let e as IntegrationFailure {
                    throw StageFailure("weights \(c.weights), |μ| = \(c.mu), d = \(c.d), seed \(c.cell.seeds[j % nSeeds]): \(e)")
                }
            }
        }
        try ctx.checkCancellation()
        // A `shape` column (after tau) only in tempered sweeps: an
        // untempered sweep has no schedule whose shape could vary.
        let shapeColumn = su.cells.contains { $0.tempering != .none }
        var summary = CSVTable(schema: Schema.sweep(tempered: shapeColumn))
        var perRun = CSVTable(schema: Schema.sweepRuns(tempered: shapeColumn))
        for (ci, c) in su.cells.enumerated() {
            let cellRuns = Array(runs[(ci * nSeeds)..<((ci + 1) * nSeeds)])
            let counts = SweepCell.tally(cellRuns, endTimes: su.endTimes.count)
            let (tm, b0, tau, shape) = Self.describe(c.tempering)
            for (k, cnt) in counts.enumerated() {
                var key: [Column: CSVTable.Cell] = [.weights: .text(c.weights.rawValue), .mu: .double(c.mu), .d: .int(c.d), .tempering: .text(tm),
                                                    .beta0: .double(b0), .tau: .double(tau), .tEnd: .double(c.cell.endTimes[k])]
                if shapeColumn { key[.shape] = .text(shape) }
                var row = key.merging([.n: .int(cnt.total), .covered: .int(cnt.covered), .meanAlignment: .int(cnt.meanAlignment),
                                       .vanishingWeight: .int(cnt.vanishingWeight), .collapsed: .int(cnt.collapsed)]) { a, _ in a }
                for (x, (p, lo, hi)) in zip([cnt.collapsed, cnt.meanAlignment, cnt.vanishingWeight],
                                            [(Column.pCollapse, Column.pCollapseLo, Column.pCollapseHi),
                                             (.pMeanAlignment, .pMeanAlignmentLo, .pMeanAlignmentHi),
                                             (.pVanishingWeight, .pVanishingWeightLo, .pVanishingWeightHi)]) {
                    let (l, h) = wilsonInterval(successes: x, trials: cnt.total)
                    row[p] = .double(Double(x) / Double(cnt.total))
                    row[lo] = .double(l)
                    row[hi] = .double(h)
                }
                summary.append(row)
                for r in cellRuns {
                    var run = key
                    run[.seed] = .int(Int(r.seed))
                    run[.outcome] = .text(CollapseOutcome(r.finals[k]).rawValue)
                    for (c, v) in zip(Schema.observables, r.finals[k].values) { run[c] = .double(v) }
                    perRun.append(run)
                }
            }
        }
        try summary.write(to: try ctx.output(su.summary))
        if let runsPath = su.runs { try perRun.write(to: try ctx.output(runsPath)) }
    }
}

/// Its bytes depend on the platform (see `SciencePlatform`).
extension SweepStage { public func platform(_ params: Params, stage: StageInfo) throws -> [PlatformFact] { SciencePlatform.facts } }
