import Foundation
import Parallel
import Theory
import StageAPI
import StageSupport
import ModelInputs

/// Kind `ode`: trajectories of the closed overlap system (model.md), one
/// tidy CSV with a row per (d, seed, t). Params: see `ModelParams`; `d` may
/// be a list; `init.mode: random` runs every seed (in parallel; rows in
/// (d, seed) order whatever the scheduling). Seed k's random start depends on
/// its cell (d, target) and k only (`InitialCondition.stream(target:d:)`): the
/// same start for either weight mode, any tempering, and in `ode-sweep` and
/// `particles`.
///
///     ode-fig2a:
///       kind: ode
///       outs: [artifacts/fig2/ode-mu2.csv]
///       params:
///         target: {mu: 2.0}
///         d: 1000
///         weights: fixed
///         init: {mode: fixed, m_plus: [1.0], m_minus: [0.5], orth2: [999, 999]}
///         time: {grid: linear, end: 200, points: 401}
///
/// Refused at validation if the table would exceed `max_memory_gb` (default 2).
public struct ODEStage: StageKind {
    public init() {}
    public let name = "ode"
    public let summary = "trajectories of the overlap ODE (alphas, overlaps, w, KL, mode masses) on a time grid"

    public struct Config: Sendable {
        var target: Target, s: Double, dims: [Int], weights: WeightMode, tempering: Tempering
        var initial: ModelParams.Init, solver: SolverSettings, grid: TimeGrid, output: String
    }

    public func validate(_ p: Params, stage: StageInfo) throws -> Config {
        let budget = try MemoryBudget(p)
        let target = try ModelParams.target(p)
        let c = Config(target: target, s: try ModelParams.s(p), dims: try ModelParams.dimensions(p),
                       weights: try ModelParams.weights(p), tempering: try ModelParams.tempering(p),
                       initial: try ModelParams.initial(p, target: target, budget: budget), solver: try ModelParams.solver(p),
                       grid: try ModelParams.timeGrid(p, budget: budget), output: try ModelParams.singleCSVOutput(stage))
        try budget.checkRows(Double(c.dims.count) * Double(c.initial.count) * Double(c.grid.times.count), columns: Self.columns.count,
                             key: p.fullKey("time"))
        return c
    }

    static let columns = Schema.trajectory

    public func run(_ su: Config, in ctx: StageContext) throws {
        let runs = su.initial.conditions()
        let jobs = su.dims.flatMap { d in runs.map { (d, $0.seed, $0.1) } }
        let total = jobs.count
        let tables = try cancellable { try parallelMap(count: total, threads: ctx.parallelism, cancelled: { ctx.isCancelled },
                                     completed: { ctx.progress(Double($0) / Double(total), "\($0)/\(total) trajectories") }) { j in
            let (d, seed, ic) = jobs[j]
            let config = ModelConfig(target: su.target, s: su.s, weights: su.weights, tempering: su.tempering, d: d)
            let model = OverlapModel(config)
            var table = CSVTable(columns: Self.columns)
            do {
                let integ = try OverlapIntegrator(model: model, settings: su.solver)
                let y0 = ic.state(target: su.target, d: d).vector(trainable: su.weights.isTrainable)
                try integ.integrate(y0, grid: su.grid, cancelled: { ctx.isCancelled }) { k, y in
                    let o = model.observables(y)
                    var row: [Column: CSVTable.Cell] = [.d: .int(d), .seed: seed.map { .int(Int($0)) } ?? .empty, .t: .double(su.grid.times[k])]
                    for (c, v) in zip(Schema.observables + Schema.trajectory.suffix(7), o.values + y.prefix(7)) { row[c] = .double(v) }
                    table.append(row)
                }
            } catch let e as IntegrationFailure {
                throw StageFailure("d = \(d)\(seed.map { ", seed = \($0)" } ?? ""): \(e)")
            }
            return table
        } }
        try ctx.checkCancellation()
        var all = CSVTable(columns: Self.columns)
        for t in tables { all.append(contentsOf: t) }
        try all.write(to: try ctx.output(su.output))
    }
}

/// Its bytes depend on the platform (see `SciencePlatform`).
extension ODEStage { public func platform(_ params: Params, stage: StageInfo) throws -> [PlatformFact] { SciencePlatform.facts } }
