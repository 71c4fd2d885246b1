// fig4 — collapse probability vs dimension, fixed vs trainable weights (figures.md).
// Its claims are on the table itself (pipeline.yaml): no analysis.
import Plot
import StageAPI
import StageSupport
import TableQuery

struct Fig4CollapseVsDimension: FigureDrawing {
    let name = "fig4"

    struct Options { var sweep: String, tMain: Double }
    struct Data { var sweep: Table, tMain: Double }

    func options(_ o: Params) throws -> Options {
        Options(sweep: try o.string("sweep"), tMain: try o.double("t_main", default: 400))
    }

    func inputs(_ o: Options) -> [String] { [o.sweep] }

    func load(_ o: Options, _ input: FigureInput) throws -> Data {
        Data(sweep: try input.table(o.sweep, Schema.sweep(tempered: false)), tMain: o.tMain)
    }

    func analyse(_ data: Data) -> Metrics { Metrics() }

    func draw(_ data: Data) throws -> Figure {
        let sweep = data.sweep, tMain = data.tMain
        let mus = try sweep.distinctDoubles(.mu), ends = try sweep.distinctDoubles(.tEnd)
        var fig = Figure(width: FigureStyle.fullWidth, height: 200, rows: 1, cols: max(mus.count, 1))
        fig.shareY = true
        let trainColors = FigureStyle.shades(FigureStyle.green, ends.count)
        for (k, mu) in mus.enumerated() {
            let rows = try sweep.selecting(.mu, mu)
            let fixedRows = try rows.selecting(.fixed).selecting(.tEnd, tMain)
            let trainable = try rows.selecting(.trainable)
            try fig.panel(0, k) { p in
                p.title = "$|\\mu|$ = \(fixed(mu, 1))"
                p.xScale = .log
                p.xLabel = "dimension $d$"
                if k == 0 { p.yLabel = "$P_{\\mathrm{collapse}}$" }
                p.yLimits = -0.02...1.02
                let d = try fixedRows.doubles(.d)
                p.band(d, lower: try fixedRows.doubles(.pCollapseLo), upper: try fixedRows.doubles(.pCollapseHi), color: .darkGray, opacity: 0.15)
                p.line(d, try fixedRows.doubles(.pCollapse), label: "fixed weights, $T$ = \(Int(tMain))",
                       style: LineStyle(color: .black, dash: .dashed, marker: .square))
                for (j, t) in ends.enumerated() {
                    let tr = try trainable.selecting(.tEnd, t)
                    let c = trainColors[j]
                    p.band(try tr.doubles(.d), lower: try tr.doubles(.pCollapseLo), upper: try tr.doubles(.pCollapseHi), color: c, opacity: 0.18)
                    p.line(try tr.doubles(.d), try tr.doubles(.pCollapse), label: "trainable, $T$ = \(Int(t))",
                           style: LineStyle(color: c, marker: .circle))
                }
                p.hline(0.5)
                p.legend = k == 0 ? .centerRight : .none
            }
        }
        return fig
    }
}
