// fig5's analysis: the fold of the aligned branch, the escape-time law above it, and alignment below it.
import Foundation
import StageAPI
import StageSupport
import TableQuery

struct Fig5Data {
    /// The aligned branch with its `fold` and `fold_extended` rows; the escape times; the phase sweep.
    var branch: Table, escape: Table, phase: Table
}

/// The escape times above the fold fitted as log t = a + c|μ|², against the two laws it could be confused with.
struct EscapeFit {
    /// (|μ|, t_escape) of the points above the fold (fitted) and at or below it (shown, not fitted).
    var fitted: [(Double, Double)], belowFold: [(Double, Double)]
    var line: (a: Double, b: Double, r2: Double)
    /// Both rivals have two parameters too, so an AIC gap is n·log(SSE_rival / SSE).
    var aicGapVsExpMu: Double, aicGapVsPowerLaw: Double
}

enum Fig5Analysis {
    /// |μ|_c, the continuation's fold (its `fold` row).
    static func fold(_ d: Fig5Data) throws -> (mu: Double, lo: Double, hi: Double) {
        let f = try d.branch.selecting(.row, "fold")
        guard f.count == 1 else { throw AnalysisError("\(d.branch.name) has \(f.count) fold rows, not one") }
        guard let lo = try f.optionalDoubles(.muLo)[0], let hi = try f.optionalDoubles(.muHi)[0] else {
            throw AnalysisError("\(d.branch.name): the fold row has no bracket (mu_lo, mu_hi)")
        }
        return (try f.doubles(.mu)[0], lo, hi)
    }

    /// The fold found by the extended system F = 0, det J = 0 (the independent check).
    static func extendedFold(_ d: Fig5Data) throws -> Double {
        let f = try d.branch.selecting(.row, "fold_extended")
        guard f.count == 1 else {
            throw AnalysisError("\(d.branch.name) has no fold_extended row (the extended system's fold): rerun the fixed-points stage that writes it")
        }
        return try f.doubles(.mu)[0]
    }

    static func escapeFit(_ d: Fig5Data, muC: Double) throws -> EscapeFit {
        let mus = try d.escape.doubles(.mu), times = try d.escape.optionalDoubles(.tEscape)
        // Separations whose run did not escape before the limit have no time: not a point of the law.
        let escaped = zip(mus, times).compactMap { mu, t in t.map { (mu, $0) } }.filter { $0.1 > 0 }
        let fitted = escaped.filter { $0.0 > muC }, below = escaped.filter { $0.0 <= muC }
        guard fitted.count >= 3 else { throw AnalysisError("\(d.escape.name) has \(fitted.count) escape times above the fold; a fit needs 3") }
        let x = fitted.map { $0.0 * $0.0 }, y = fitted.map { log($0.1) }
        let sse = residualSquares(x, y), n = Double(fitted.count)
        return EscapeFit(fitted: fitted, belowFold: below, line: linearFit(x, y),
                         aicGapVsExpMu: n * log(residualSquares(fitted.map(\.0), y) / sse),
                         aicGapVsPowerLaw: n * log(residualSquares(fitted.map { log($0.0) }, y) / sse))
    }

    static func metrics(_ d: Fig5Data) -> Metrics {
        var m = Metrics()
        let fold = Result { try Fig5Analysis.fold(d) }
        m.compute("mu_c") { try fold.get().mu }
        m.compute("mu_c_bracket") { try fold.get().hi - fold.get().lo }
        m.compute("mu_c_extended_system_gap") { abs(try extendedFold(d) - fold.get().mu) }
        let fit = Result { try escapeFit(d, muC: try fold.get().mu) }
        m.compute("escape_fit_c") { try fit.get().line.b }
        m.compute("escape_fit_r2") { try fit.get().line.r2 }
        m.compute("escape_points") { Double(try fit.get().fitted.count) }
        m.compute("escape_points_below_fold") { Double(try fit.get().belowFold.count) }
        m.compute("escape_aic_gap_vs_exp_mu") { try fit.get().aicGapVsExpMu }
        m.compute("escape_aic_gap_vs_power_law") { try fit.get().aicGapVsPowerLaw }
        // Below the fold there is no aligned state: the highest P(mean alignment) over d there.
        m.compute("fixed_below_fold_max_p_alignment") {
            let muC = try fold.get().mu
            let below = try d.phase.selecting(.fixed).selecting([Condition(Column.mu.name, .range(lower: nil, lowerInclusive: false, upper: muC, upperInclusive: false))])
            return try Require.max(try below.doubles(.pMeanAlignment), "fixed-weight rows below |μ|_c = \(muC) in \(d.phase.name)")
        }
        return m
    }
}
