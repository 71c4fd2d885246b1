// fig5 — the mean-aligned state vs separation: fold, metastability, phase diagram (figures.md).
import Foundation
import Plot
import StageAPI
import StageSupport
import TableQuery

struct Fig5AlignedState: FigureDrawing {
    let name = "fig5"

    struct Options { var branch: String, escape: String, phase: String }

    func options(_ o: Params) throws -> Options {
        Options(branch: try o.string("branch"), escape: try o.string("escape"), phase: try o.string("phase"))
    }

    func inputs(_ o: Options) -> [String] { [o.branch, o.escape, o.phase] }

    func load(_ o: Options, _ input: FigureInput) throws -> Fig5Data {
        Fig5Data(branch: try input.table(o.branch, Schema.branch), escape: try input.table(o.escape, Schema.escape),
                 phase: try input.table(o.phase, Schema.sweep(tempered: false)))
    }

    func analyse(_ data: Fig5Data) -> Metrics { Fig5Analysis.metrics(data) }

    func draw(_ data: Fig5Data) throws -> Figure {
        var fig = Figure(width: FigureStyle.fullWidth, height: 390, rows: 2, cols: 2)
        // Without a fold row there is nothing to mark (the claims on it fail, saying why).
        let muC = try? Fig5Analysis.fold(data).mu
        try drawBranch(data, muC: muC, into: &fig)
        if let muC, let fit = try? Fig5Analysis.escapeFit(data, muC: muC) { drawEscape(fit, into: &fig) }
        try drawPhase(data, muC: muC, into: &fig)
        return fig
    }

    /// a: the aligned branch and its fold.
    func drawBranch(_ data: Fig5Data, muC: Double?, into fig: inout Figure) throws {
        let branch = try data.branch.selecting(.row, "branch")
        let mu = try branch.doubles(.mu), ap = try branch.doubles(.alphaPlus), am = try branch.doubles(.alphaMinus)
        fig.panel(0, 0) { p in
            p.line(mu, ap, label: "$\\alpha_{+}$", style: .color(FigureStyle.blue))
            p.line(mu, am, label: "$\\alpha_{-}$", style: LineStyle(color: FigureStyle.vermillion, dash: .dashed))
            if let muC {
                p.vline(muC, style: LineStyle(color: .darkGray, width: 0.8, dash: .dotted))
                p.text("$|\\mu|_{c}$ = \(fixed(muC, 4))", x: muC + 0.06, y: 0.12, align: .left, size: 8)
            }
            p.xLabel = "separation $|\\mu|$"
            p.yLabel = "aligned fixed point $\\alpha_{k}$"
            p.title = "fixed weights: the aligned state ends at a fold"
            p.yLimits = 0...1.3
            p.legend = .lowerRight
        }
    }

    /// b: escape time ~ exp(c |μ|²), fitted above the fold only (below it there is no aligned state to escape from).
    func drawEscape(_ fit: EscapeFit, into fig: inout Figure) {
        let x = fit.fitted.map { $0.0 * $0.0 }
        fig.panel(0, 1) { p in
            p.yScale = .log
            p.scatter(x, fit.fitted.map(\.1), label: "escape time (ODE, $d$ = 10)", marker: .circle, color: FigureStyle.blue)
            if !fit.belowFold.isEmpty {
                p.scatter(fit.belowFold.map { $0.0 * $0.0 }, fit.belowFold.map(\.1), label: "below the fold (not fitted)", marker: .circle, color: .gray)
            }
            let xs = [x.min()!, x.max()!]
            p.line(xs, xs.map { exp(fit.line.a + fit.line.b * $0) }, label: "fit $\\propto e^{c|\\mu|^{2}}$, $c$ = \(fixed(fit.line.b, 3))",
                   style: LineStyle(color: .black, dash: .dashed))
            p.xLabel = "$|\\mu|^{2}$"
            p.yLabel = "escape time $t_{\\mathrm{esc}}$"
            p.title = "trainable weights: aligned state is metastable"
            p.legend = .upperLeft
        }
    }

    /// c, d: outcome fractions over |μ| × d.
    func drawPhase(_ data: Fig5Data, muC: Double?, into fig: inout Figure) throws {
        let d = try data.phase.distinctInts(.d).map(Double.init), mu = try data.phase.distinctDoubles(.mu)
        for (col, (weights, column, label)) in [(WeightsMode.fixed, Column.pMeanAlignment, "$P$(mean alignment)"),
                                                 (.trainable, Column.pVanishingWeight, "$P$(vanishing weight)")].enumerated() {
            let rows = try data.phase.selecting(weights)
            guard !rows.isEmpty else { continue }  // no cells: an empty panel
            var z = Array(repeating: Array(repeating: Double.nan, count: d.count), count: mu.count)
            for (m, (dv, v)) in zip(try rows.doubles(.mu), zip(try rows.doubles(.d), try rows.doubles(column))) {
                if let i = mu.firstIndex(of: m), let j = d.firstIndex(of: dv) { z[i][j] = v }
            }
            fig.panel(1, col) { p in
                p.heatmap(x: d, y: mu, z: z, range: 0...1)
                p.xScale = .log
                p.xLabel = "dimension $d$"
                p.yLabel = "separation $|\\mu|$"
                p.colorbarLabel = label
                p.title = "\(weights.rawValue) weights, $T$ = 400"
                if let muC { p.hline(muC, style: LineStyle(color: .white, width: 0.9, dash: .dashed)) }
            }
        }
    }
}
