// fig4 — collapse probability vs dimension, fixed vs trainable weights (figures.md).
import Engine
import Plot

struct Fig4CollapseVsDimension: FigureDrawing {
    let name = "fig4"
    let sourceFile = "Sources/Stages/Figures/Fig4CollapseVsDimension.swift"

    struct Options { var sweep: String, tMain: Double }

    func options(_ o: Params) throws -> Options {
        Options(sweep: try o.string("sweep"), tMain: try o.double("t_main", default: 400))
    }

    func inputs(_ o: Options) -> [String] { [o.sweep] }

    func draw(_ o: Options, _ input: FigureInput) throws -> (Figure, Metrics) {
        let sweep = try input.csv(o.sweep)
        let tMain = o.tMain
        let mus = try sweep.distinct(.mu).compactMap(Double.init)
        let ends = try sweep.distinct(.tEnd).compactMap(Double.init)
        var fig = Figure(width: FigureStyle.fullWidth, height: 200, rows: 1, cols: mus.count)
        fig.shareY = true
        let trainColors = FigureStyle.shades(FigureStyle.green, ends.count)
        var m = Metrics()
        var fixedMu2 = 0.0, fixedLargeLo = 1.0, fixedLargeHi = 0.0, fixedLargePoints = 0, fixedMu25LargestD = 0.0, fixedMu25AtLargestD = Double.nan, trainSmallMu2 = 0.0, trainLargeVW = 1.0
        for (k, mu) in mus.enumerated() {
            let rows = try sweep.rows(.mu, mu)
            try fig.panel(0, k) { p in
                p.title = "$|\\mu|$ = \(fixed(mu, 1))"
                p.xScale = .log
                p.xLabel = "dimension $d$"
                if k == 0 { p.yLabel = "$P_{\\mathrm{collapse}}$" }
                p.yLimits = -0.02...1.02
                let fixedRows = try rows.filter([.weights: "fixed"]).rows(.tEnd, tMain)
                let d = try fixedRows.doubles(.d)
                p.band(d, lower: try fixedRows.doubles(.pCollapseLo), upper: try fixedRows.doubles(.pCollapseHi), color: .darkGray, opacity: 0.15)
                p.line(d, try fixedRows.doubles(.pCollapse), label: "fixed weights, $T$ = \(Int(tMain))",
                       style: LineStyle(color: .black, dash: .dashed, marker: .square))
                for (j, t) in ends.enumerated() {
                    let tr = try rows.filter([.weights: "trainable"]).rows(.tEnd, t)
                    let c = trainColors[j]
                    p.band(try tr.doubles(.d), lower: try tr.doubles(.pCollapseLo), upper: try tr.doubles(.pCollapseHi), color: c, opacity: 0.18)
                    p.line(try tr.doubles(.d), try tr.doubles(.pCollapse), label: "trainable, $T$ = \(Int(t))",
                           style: LineStyle(color: c, marker: .circle))
                }
                p.hline(0.5)
                p.legend = k == 0 ? .centerRight : .none
            }
            // Metrics for the claims.
            let f = try rows.filter([.weights: "fixed"])
            for (d, (t, pc)) in zip(try f.doubles(.d), zip(try f.doubles(.tEnd), try f.doubles(.pCollapse))) {
                if mu == 2.0 { fixedMu2 = max(fixedMu2, pc) }
                // ≈ 1/2 is checked per point (independent draws per cell) at the plotted T only
                // (other end times reuse the same runs), well above the fold (|μ| ≥ 3), where
                // P has reached its plateau by d = 1000; nearer the fold (|μ| = 2.5) it still
                // rises at d = 5000, so there only the largest d is checked.
                if mu >= 3, d >= 1000, t == tMain {
                    fixedLargeLo = min(fixedLargeLo, pc); fixedLargeHi = max(fixedLargeHi, pc); fixedLargePoints += 1
                }
                if mu == 2.5, t == tMain, d >= fixedMu25LargestD { (fixedMu25LargestD, fixedMu25AtLargestD) = (d, pc) }
            }
            let tr = try rows.filter([.weights: "trainable"]).rows(.tEnd, tMain)
            for (d, (pc, vw)) in zip(try tr.doubles(.d), zip(try tr.doubles(.pCollapse), try tr.doubles(.pVanishingWeight))) {
                if mu == 2.0, d <= 20 { trainSmallMu2 = max(trainSmallMu2, pc) }
                if d >= 500 { trainLargeVW = min(trainLargeVW, vw) }
            }
        }
        m["fixed_mu2_max_p_collapse"] = fixedMu2
        m["fixed_large_d_min_p_collapse"] = fixedLargeLo
        m["fixed_large_d_max_p_collapse"] = fixedLargeHi
        m["fixed_large_d_points"] = Double(fixedLargePoints)
        m["fixed_mu2.5_largest_d_p_collapse"] = fixedMu25AtLargestD
        m["trainable_mu2_small_d_max_p_collapse"] = trainSmallMu2
        m["trainable_large_d_min_p_vanishing_weight"] = trainLargeVW
        return (fig, m)
    }
}
