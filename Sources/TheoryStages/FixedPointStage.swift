import Foundation
import GSL
import Theory
import StageAPI
import StageSupport
import ModelInputs

/// Kind `fixed-points` (fig5a): the mean-aligned on-axis fixed point of the
/// symmetric fixed-weight system, continued down in |μ| from `mu_start` to the
/// fold where the branch ends. One CSV: a row per branch point (α₊, α₋ and the
/// eigenvalues of the on-axis Jacobian), then a row `fold` with |μ|_c
/// (bracketed by continuation to `fold_tol`), then a row `fold_extended`: the
/// fold solved independently as a root of the extended system F = 0,
/// det J = 0 in (x₊, x₋, |μ|), started from the last full continuation step
/// above the fold (not from the bracket), so the two can be compared.
///
///     fig5a-branch:
///       kind: fixed-points
///       outs: [artifacts/fig5/branch.csv]
///       params: {target: {rho: 0.5, sigma_p2: 1}, w: 0.5, mu_start: 4, step: 0.02, fold_tol: 1e-7}
///
/// Refused at validation if the branch (mu_start / step points at most) would
/// exceed `max_memory_gb` (default 2); Ctrl-C stops the continuation.
public struct FixedPointStage: StageKind {
    public init() {}
    public let name = "fixed-points"
    public let summary = "aligned on-axis fixed points of the fixed-weight system vs |μ|, down to the fold |μ|_c"


    public struct Config: Sendable {
        var fp: AxisFixedPoints, muStart: Double, guess: SIMD2<Double>, step: Double, foldTol: Double, output: String
    }

    public func validate(_ p: Params, stage: StageInfo) throws -> Config {
        let budget = try MemoryBudget(p)
        let (rho, sp2) = try SharedParams.mixtureShape(try p.object("target", default: Value.Object()))
        let s = try ModelParams.s(p)
        let w = try p.double("w", default: 0.5)
        try p.check("w", w, "must be in (0, 1)") { $0 > 0 && $0 < 1 }
        let muStart = try p.double("mu_start", default: 4)
        try p.check("mu_start", muStart, "must be > 0") { $0 > 0 && $0.isFinite }
        let a = try p.doubles("alpha_guess", default: [1.05, 0.95])
        guard a.count == 2, a.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw ParamError(key: p.fullKey("alpha_guess"), "must be [α₊, α₋], both > 0 (an aligned start)")
        }
        let step = try p.double("step", default: 0.02)
        try p.check("step", step, "must be in (0, mu_start)") { $0 > 0 && $0 < muStart }
        let tol = try p.double("fold_tol", default: 1e-7)
        try p.check("fold_tol", tol, "must be in (0, step)") { $0 > 0 && $0 < step }
        // The branch keeps a point per full step down from mu_start (the fold is above 0).
        try budget.checkRows((muStart / step).rounded(.up) + 1, columns: Schema.branch.count, key: p.fullKey("step"))
        return Config(fp: AxisFixedPoints(rho: rho, sigmaP2: sp2, s: s, w: w), muStart: muStart,
                     guess: SIMD2(a[0], a[1]) * muStart, step: step, foldTol: tol, output: try ModelParams.singleCSVOutput(stage))
    }

    public func run(_ su: Config, in ctx: StageContext) throws {
        let (branch, fold): ([AxisFixedPoints.BranchPoint], AxisFixedPoints.Fold)
        do {
            (branch, fold) = try cancellable {
                try su.fp.continueToFold(from: su.muStart, guess: su.guess, step: su.step, foldTol: su.foldTol,
                                         cancelled: { ctx.isCancelled })
            }
        } catch is StageCancelled {
            throw StageCancelled()
        } catch {
            throw StageFailure("continuation of the aligned branch from |μ| = \(su.muStart) failed: \(error)")
        }
        let ext: (mu: Double, x: SIMD2<Double>)
        let start = branch.last!
        do { ext = try su.fp.foldByExtendedSystem(guess: start.x, mu: start.mu) } catch {
            throw StageFailure("the extended fold system did not converge from |μ| = \(start.mu): \(error)")
        }
        // How closely the two agree is fig5's claim; here only a root of a different fold is refused.
        guard abs(ext.mu - fold.hi) <= max(100 * su.step, 1e-3) else {
            throw StageFailure("fold mismatch: continuation brackets [\(fold.lo), \(fold.hi)], extended system gives \(ext.mu)")
        }
        var table = CSVTable(columns: Schema.branch)
        for p in branch {
            let e = p.eigenvalues
            table.append(Self.row("branch", mu: p.mu, alpha: (p.alpha.x, p.alpha.y), eigenvalues: e, bracket: nil))
        }
        let e = try Eigen.nonsymmetricEigenvalues(su.fp.jacobian(fold.x, mu: fold.hi), n: 2)
        table.append(Self.row("fold", mu: fold.hi, alpha: (fold.x.x / fold.hi, fold.x.y / fold.hi), eigenvalues: e, bracket: (fold.lo, fold.hi)))
        let ee = try Eigen.nonsymmetricEigenvalues(su.fp.jacobian(ext.x, mu: ext.mu), n: 2)
        table.append(Self.row("fold_extended", mu: ext.mu, alpha: (ext.x.x / ext.mu, ext.x.y / ext.mu), eigenvalues: ee, bracket: nil))
        try table.write(to: try ctx.output(su.output))
    }

    /// A row of the branch table (`Schema.branch`).
    static func row(_ kind: String, mu: Double, alpha: (Double, Double), eigenvalues e: [Eigen.Complex],
                    bracket: (Double, Double)?) -> [Column: CSVTable.Cell] {
        [.row: .text(kind), .mu: .double(mu), .alphaPlus: .double(alpha.0), .alphaMinus: .double(alpha.1),
         .eig1Re: .double(e[0].re), .eig1Im: .double(e[0].im), .eig2Re: .double(e[1].re), .eig2Im: .double(e[1].im),
         .muLo: bracket.map { .double($0.0) } ?? .empty, .muHi: bracket.map { .double($0.1) } ?? .empty]
    }
}

/// Its bytes depend on the platform (see `SciencePlatform`).
extension FixedPointStage { public func platform(_ params: Params, stage: StageInfo) throws -> [PlatformFact] { SciencePlatform.facts } }
