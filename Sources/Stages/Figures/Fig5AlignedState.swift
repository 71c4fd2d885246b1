// fig5 — the mean-aligned state vs separation: fold, metastability, phase diagram (figures.md).
import Engine
import Foundation
import Plot

struct Fig5AlignedState: FigureDrawing {
    let name = "fig5"
    let sourceFile = "Sources/Stages/Figures/Fig5AlignedState.swift"

    struct Options { var branch: String, escape: String, phase: String }

    func options(_ o: Params) throws -> Options {
        Options(branch: try o.string("branch"), escape: try o.string("escape"), phase: try o.string("phase"))
    }

    func inputs(_ o: Options) -> [String] { [o.branch, o.escape, o.phase] }

    func draw(_ o: Options, _ input: FigureInput) throws -> (Figure, Metrics) {
        let branchAll = try input.csv(o.branch)
        let escape = try input.csv(o.escape)
        let phase = try input.csv(o.phase)
        var m = Metrics()
        var fig = Figure(width: FigureStyle.fullWidth, height: 390, rows: 2, cols: 2)

        // a: the aligned branch and its fold.
        let branch = try branchAll.filter([.row: "branch"])
        let fold = try branchAll.filter([.row: "fold"])
        let muC = try fold.doubles(.mu)[0]
        m["mu_c"] = muC
        m["mu_c_bracket"] = try fold.doubles(.muHi)[0] - fold.doubles(.muLo)[0]
        // The independent check: the extended system F = 0, det J = 0 solved for the fold.
        guard let muExtended = try branchAll.filter([.row: "fold_extended"]).doubles(.mu).first else {
            throw StageFailure("\(o.branch) has no fold_extended row (the extended system's fold): rerun the fixed-points stage that writes it")
        }
        m["mu_c_extended_system_gap"] = abs(muExtended - muC)
        let branchMu = try branch.doubles(.mu), branchAlphaPlus = try branch.doubles(.alphaPlus)
        let branchAlphaMinus = try branch.doubles(.alphaMinus)
        fig.panel(0, 0) { p in
            p.line(branchMu, branchAlphaPlus, label: "$\\alpha_{+}$", style: .color(FigureStyle.blue))
            p.line(branchMu, branchAlphaMinus, label: "$\\alpha_{-}$", style: LineStyle(color: FigureStyle.vermillion, dash: .dashed))
            p.vline(muC, style: LineStyle(color: .darkGray, width: 0.8, dash: .dotted))
            p.text("$|\\mu|_{c}$ = \(fixed(muC, 4))", x: muC + 0.06, y: 0.12, align: .left, size: 8)
            p.xLabel = "separation $|\\mu|$"
            p.yLabel = "aligned fixed point $\\alpha_{k}$"
            p.title = "fixed weights: the aligned state ends at a fold"
            p.yLimits = 0...1.3
            p.legend = .lowerRight
        }

        // b: escape time ~ exp(c |μ|²), fitted above the fold only (below it there
        // is no aligned state to escape from), and set against the two laws it
        // could be confused with, exp(c|μ|) and a power of |μ|.
        let mus = try escape.doubles(.mu), tEsc = try escape.doubles(.tEscape)
        let ok = zip(mus, tEsc).filter { $0.1.isFinite && $0.1 > 0 }
        let fitted = ok.filter { $0.0 > muC }, belowFold = ok.filter { $0.0 <= muC }
        let x = fitted.map { $0.0 * $0.0 }, y = fitted.map { log($0.1) }
        let fit = linearFit(x, y)
        m["escape_fit_c"] = fit.b
        m["escape_fit_r2"] = fit.r2
        m["escape_points"] = Double(fitted.count)
        m["escape_points_below_fold"] = Double(belowFold.count)
        // Both rivals have two parameters too, so the AIC gap is n·log(SSE_rival / SSE).
        let sse = residualSquares(x, y)
        let n = Double(fitted.count)
        m["escape_aic_gap_vs_exp_mu"] = n * log(residualSquares(fitted.map(\.0), y) / sse)
        m["escape_aic_gap_vs_power_law"] = n * log(residualSquares(fitted.map { log($0.0) }, y) / sse)
        fig.panel(0, 1) { p in
            p.yScale = .log
            p.scatter(x, fitted.map(\.1), label: "escape time (ODE, $d$ = 10)", marker: .circle, color: FigureStyle.blue)
            if !belowFold.isEmpty {
                p.scatter(belowFold.map { $0.0 * $0.0 }, belowFold.map(\.1), label: "below the fold (not fitted)", marker: .circle, color: .gray)
            }
            let xs = [x.min() ?? 0, x.max() ?? 1]
            p.line(xs, xs.map { exp(fit.a + fit.b * $0) }, label: "fit $\\propto e^{c|\\mu|^{2}}$, $c$ = \(fixed(fit.b, 3))",
                   style: LineStyle(color: .black, dash: .dashed))
            p.xLabel = "$|\\mu|^{2}$"
            p.yLabel = "escape time $t_{\\mathrm{esc}}$"
            p.title = "trainable weights: aligned state is metastable"
            p.legend = .upperLeft
        }

        // c, d: outcome fractions over |μ| × d.
        let d = try phase.distinct(.d).compactMap(Double.init)
        let mu = try phase.distinct(.mu).compactMap(Double.init)
        for (col, (weights, column, label)) in [("fixed", Column.pMeanAlignment, "$P$(mean alignment)"),
                                                 ("trainable", Column.pVanishingWeight, "$P$(vanishing weight)")].enumerated() {
            let rows = try phase.filter([.weights: weights])
            var z = Array(repeating: Array(repeating: Double.nan, count: d.count), count: mu.count)
            for (mi, mv) in mu.enumerated() {
                for (di, dv) in d.enumerated() {
                    let r = try rows.filter([.mu: mv.description, .d: dv.description])
                    if let v = try r.doubles(column).first { z[mi][di] = v }
                }
            }
            if weights == "fixed" {
                m["fixed_below_fold_max_p_alignment"] = zip(mu, z).filter { $0.0 < muC }.flatMap(\.1).max() ?? 0
            } else {
                // Where the target is bimodal enough for collapse to mean anything (|μ| ≥ 2).
                m["trainable_d1000_min_p_vanishing_weight"] = zip(mu, z).filter { $0.0 >= 2 }.map { $0.1[d.firstIndex(of: 1000) ?? 0] }.min() ?? 0
            }
            fig.panel(1, col) { p in
                p.heatmap(x: d, y: mu, z: z, range: 0...1)
                p.xScale = .log
                p.xLabel = "dimension $d$"
                p.yLabel = "separation $|\\mu|$"
                p.colorbarLabel = label
                p.title = "\(weights) weights, $T$ = 400"
                p.hline(muC, style: LineStyle(color: .white, width: 0.9, dash: .dashed))
            }
        }
        return (fig, m)
    }
}
