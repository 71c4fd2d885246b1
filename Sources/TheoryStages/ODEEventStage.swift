import Foundation
import Parallel
import Theory
import StageAPI
import StageSupport
import ModelInputs

/// Kind `ode-escape` (fig5b): for each |μ|, integrate the overlap system
/// from a fixed start until the smaller q-mode mass first exceeds a
/// threshold (the escape from the mean-aligned state), located by
/// bisection to max(time_abs_tol, time_rel_tol·t), or report none by
/// `limit`. One CSV row per |μ|. Long horizons: keep the default msbdf.
///
///     fig5b-escape:
///       kind: ode-escape
///       outs: [artifacts/fig5/escape.csv]
///       params:
///         target: {mu: [2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5]}
///         d: 10
///         weights: trainable
///         init: {mode: fixed, alpha_plus: 1.05, alpha_minus: 0.95}
///         event: {min_mass_above: 0.1, limit: 1e8, time_rel_tol: 1e-9}
public struct ODEEventStage: StageKind {
    public init() {}
    public let name = "ode-escape"
    public let summary = "first time the smaller mode mass exceeds a threshold (escape time), per |μ|"

    public struct Config: Sendable {
        var mus: [Double], rho: Double, sp2: Double, s: Double, d: Int, weights: WeightMode
        /// The start for each |μ| (alpha_* scale with μ₊).
        var starts: [InitialCondition], threshold: Double, limit: Double, absTol: Double, relTol: Double
        var solver: SolverSettings, output: String
    }

    public func validate(_ p: Params, stage: StageInfo) throws -> Config {
        let budget = try MemoryBudget(p)
        let (mus, rho, sp2) = try ModelParams.separations(p)
        let dims = try ModelParams.dimensions(p)
        guard dims.count == 1 else { throw ParamError(key: p.fullKey("d"), "must be a single dimension for this kind") }
        let e = try p.object("event")
        let threshold = try e.double("min_mass_above", default: 0.1)
        try e.check("min_mass_above", threshold, "must be in (0, 0.5)") { $0 > 0 && $0 < 0.5 }
        let limit = try e.double("limit")
        try e.check("limit", limit, "must be > 0") { $0 > 0 && $0.isFinite }
        let absTol = try e.double("time_abs_tol", default: 1e-6)
        try e.check("time_abs_tol", absTol, "must be > 0") { $0 > 0 }
        let relTol = try e.double("time_rel_tol", default: 1e-9)
        try e.check("time_rel_tol", relTol, "must be > 0") { $0 > 0 && $0 < 1 }
        let s = try ModelParams.s(p), weights = try ModelParams.weights(p)
        let starts = try mus.map { mu in
            guard case .fixed(let ic) = try ModelParams.initial(p, target: .symmetric(mu: mu, rho: rho, sigmaP2: sp2), budget: budget) else {
                throw ParamError(key: "init.mode", "must be fixed for escape times")
            }
            return ic
        }
        return Config(mus: mus, rho: rho, sp2: sp2, s: s, d: dims[0], weights: weights,
                      starts: starts, threshold: threshold, limit: limit, absTol: absTol, relTol: relTol,
                      solver: try ModelParams.solver(p), output: try ModelParams.singleCSVOutput(stage))
    }

    public func run(_ su: Config, in ctx: StageContext) throws {
        let total = su.mus.count
        let rows = try cancellable {
            try parallelMap(count: total, threads: ctx.parallelism, cancelled: { ctx.isCancelled },
                            completed: { ctx.progress(Double($0) / Double(total), "\($0)/\(total) separations") }) { i -> [Column: CSVTable.Cell] in
                let mu = su.mus[i]
                let target = Target.symmetric(mu: mu, rho: su.rho, sigmaP2: su.sp2)
                let ic = su.starts[i]
                let model = OverlapModel(ModelConfig(target: target, s: su.s, weights: su.weights, d: su.d))
                let y0 = ic.state(target: target, d: su.d).vector(trainable: su.weights.isTrainable)
                do {
                    let integ = try OverlapIntegrator(model: model, settings: su.solver)
                    let ev = try integ.firstTime(from: y0, limit: su.limit, absTol: su.absTol, relTol: su.relTol,
                                                 cancelled: { ctx.isCancelled }) { _, y in
                        let o = model.observables(y)
                        return min(o.massPlus, o.massMinus) > su.threshold
                    }
                    // No escape before the limit: the row says so with empty cells.
                    guard let ev else { return [.mu: .double(mu), .tEscape: .empty, .bracket: .empty, .alphaPlus: .empty, .alphaMinus: .empty, .w: .empty] }
                    let o = model.observables(ev.state)
                    return [.mu: .double(mu), .tEscape: .double(ev.t), .bracket: .double(ev.bracket),
                            .alphaPlus: .double(o.alphaPlus), .alphaMinus: .double(o.alphaMinus), .w: .double(o.w)]
                } catch let e as IntegrationFailure {
                    throw StageFailure("|μ| = \(mu): \(e)")
                }
            }
        }
        try ctx.checkCancellation()
        var table = CSVTable(columns: Schema.escape)
        for r in rows { table.append(r) }
        try table.write(to: try ctx.output(su.output))
    }
}

/// Its bytes depend on the platform (see `SciencePlatform`).
extension ODEEventStage { public func platform(_ params: Params, stage: StageInfo) throws -> [PlatformFact] { SciencePlatform.facts } }
