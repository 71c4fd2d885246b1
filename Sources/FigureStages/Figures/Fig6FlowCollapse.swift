// fig6 — normalizing flows collapse like the mixture does (figures.md).
import Foundation
import Plot
import StageAPI
import StageSupport
import TableQuery

struct Fig6FlowCollapse: FigureDrawing {
    let name = "fig6"

    /// `far`, `near` (metrics) and `farSamples` are path templates in `{d}`.
    struct Options { var dims: [Int], far: String, near: String, farSamples: String, panelBD: Int, panelCDims: [Int], smallDMax: Int, largeDMin: Int }

    func options(_ o: Params) throws -> Options {
        Options(dims: try o.ints("dims"), far: try o.string("far"), near: try o.string("near"), farSamples: try o.string("far_samples"),
                panelBD: try o.int("panel_b_d"), panelCDims: try o.ints("panel_c_dims"),
                smallDMax: try o.int("small_d_max"), largeDMin: try o.int("large_d_min"))
    }

    func inputs(_ o: Options) -> [String] {
        (o.dims + [o.panelBD]).flatMap { d in [o.far, o.near].map { path($0, d: d) } } + o.panelCDims.map { path(o.farSamples, d: $0) }
    }

    func path(_ template: String, d: Int) -> String { FigureInput.path(template, d: d) }

    func load(_ o: Options, _ input: FigureInput) throws -> Fig6Data {
        func metrics(_ template: String, _ d: Int) throws -> Table { try input.table(path(template, d: d), Schema.flowMetrics) }
        return Fig6Data(dims: o.dims, far: try o.dims.map { try metrics(o.far, $0) }, near: try o.dims.map { try metrics(o.near, $0) },
                        smallDMax: o.smallDMax, largeDMin: o.largeDMin, panelBD: o.panelBD, panelB: try metrics(o.far, o.panelBD),
                        samples: try o.panelCDims.map { d in
                            let p = path(o.farSamples, d: d)
                            return (d, try input.table(p, Schema.flowSamples), try input.producerParams(of: p).object("target").double("mu"))
                        })
    }

    func analyse(_ data: Fig6Data) -> Metrics { Fig6Analysis.metrics(data) }

    func draw(_ data: Fig6Data) throws -> Figure {
        var fig = Figure(width: FigureStyle.fullWidth, height: 190, rows: 1, cols: 3)
        try drawFractions(data, into: &fig)
        try drawDrains(data, into: &fig)
        try drawMarginals(data, into: &fig)
        return fig
    }

    /// a: collapse fraction vs d, far vs near-identity start, Wilson 95% intervals.
    func drawFractions(_ data: Fig6Data, into fig: inout Figure) throws {
        var seedCounts: [Int] = []
        try fig.panel(0, 0) { p in
            for (tables, label, color, marker) in [(data.far, "far start, $c$ = 3", FigureStyle.vermillion, Marker.circle),
                                                   (data.near, "near identity, $c$ = 0.01", FigureStyle.blue, Marker.square)] {
                // A cell without runs draws no point (its claims fail, saying why).
                let cells = try zip(data.dims, tables).compactMap { d, t in try t.isEmpty ? nil : (Double(d), Fig6Analysis.count(t)) }
                seedCounts += cells.map(\.1.seeds)
                p.line(cells.map(\.0), cells.map(\.1.fraction), label: label, style: LineStyle(color: color, marker: marker))
                p.errorBars(cells.map(\.0), cells.map(\.1.fraction), lower: cells.map(\.1.interval.lo), upper: cells.map(\.1.interval.hi), color: color)
            }
            p.xScale = .log
            p.xTicks = data.dims.map(Double.init)
            p.xLabel = "dimension $d$"
            p.yLabel = "fraction collapsed (Wilson 95%)"
            let (fewest, most) = (seedCounts.min() ?? 0, seedCounts.max() ?? 0)
            p.title = fewest == most ? "\(most) seeds per point" : "\(fewest)–\(most) seeds per point"
            p.yLimits = -0.03...1.3
            p.yTicks = [0, 0.2, 0.4, 0.6, 0.8, 1]
            p.legend = .upperLeft
        }
    }

    /// b: the minor mode drains early, while the KL is still large.
    func drawDrains(_ data: Fig6Data, into fig: inout Figure) throws {
        let threshold = Fig6Analysis.threshold
        try fig.panel(0, 1) { p in
            for (_, r) in try data.panelB.groups(by: .seed) {
                let steps = try r.doubles(.step), mins = try r.doubles(.minMass)
                let collapsed = (mins.last ?? 1) < threshold
                p.line(steps, mins.map { max($0, 1e-6) }, style: LineStyle(color: collapsed ? FigureStyle.vermillion : FigureStyle.blue, width: 0.8, opacity: 0.75))
            }
            p.hline(threshold)
            p.yScale = .log
            p.yLimits = 1e-6...1
            p.xLabel = "training step"
            p.yLabel = "smaller mode mass min($w_{+}$, $w_{-}$)"
            p.title = "$d$ = \(data.panelBD), far start: every seed"
        }
    }

    /// c: final marginal density of x·e/|μ|, per seed.
    func drawMarginals(_ data: Fig6Data, into fig: inout Figure) throws {
        let bins = 60, lo = -2.0, hi = 2.0, width = (hi - lo) / Double(bins)
        let centres = (0..<bins).map { lo + (Double($0) + 0.5) * width }
        try fig.panel(0, 2) { p in
            for (k, (d, samples, mu)) in data.samples.enumerated() {
                let last = try samples.doubles(.step).max() ?? 0
                let color = k == 0 ? FigureStyle.blue : FigureStyle.vermillion
                for (j, (_, r)) in try samples.groups(by: .seed).enumerated() {
                    var h = [Double](repeating: 0, count: bins), n = 0.0
                    for (x1, st) in zip(try r.doubles(.x1), try r.doubles(.step)) where st == last {
                        n += 1
                        let b = Int(((x1 / mu - lo) / width).rounded(.down))
                        if b >= 0 && b < bins { h[b] += 1 }
                    }
                    p.line(centres, h.map { $0 / (n * width) }, label: j == 0 ? "$d$ = \(d)" : nil,
                           style: LineStyle(color: color, width: 0.7, opacity: 0.6))
                }
            }
            p.vline(-1); p.vline(1)
            p.xLabel = "$x\\cdot e/|\\mu|$"
            p.yLabel = "density (final, per seed)"
            p.yLimits = 0...3
            p.legend = .upperCenter
        }
    }
}
