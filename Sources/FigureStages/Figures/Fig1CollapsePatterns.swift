// fig1 — collapse patterns in pictures: GMM (fixed, trainable weights) and RealNVP (d = 2, d = 16)
// density contours at four training times; black × are the target modes (figures.md).
import Foundation
import Plot
import StageAPI
import StageSupport
import TableQuery

struct Fig1CollapsePatterns: FigureDrawing {
    let name = "fig1"

    struct Options {
        var gmmFixed: String, gmmTrainable: String, gmmTimes: [Double]
        var flowD2Density: String, flowD16Samples: String, flowD16Seed: Int
        var extent: Double
    }

    func options(_ o: Params) throws -> Options {
        Options(gmmFixed: try o.string("gmm_fixed"), gmmTrainable: try o.string("gmm_trainable"), gmmTimes: try o.doubles("gmm_times"),
                flowD2Density: try o.string("flow_d2_density"), flowD16Samples: try o.string("flow_d16_samples"),
                flowD16Seed: try o.int("flow_d16_seed"), extent: try o.double("extent"))
    }

    func inputs(_ o: Options) -> [String] {
        [o.gmmFixed, o.gmmTrainable, o.flowD2Density, o.flowD16Samples]
    }

    /// The tables, each with its target's |μ| (from the stage that wrote it).
    struct Data {
        var options: Options
        var gmmFixed: (Table, Double), gmmTrainable: (Table, Double)
        var flowD2Density: (Table, Double), flowD16Samples: (Table, Double)
    }

    func load(_ o: Options, _ input: FigureInput) throws -> Data {
        func withMu(_ path: String, _ schema: [Column]) throws -> (Table, Double) {
            (try input.table(path, schema), try input.producerParams(of: path).object("target").double("mu"))
        }
        return Data(options: o, gmmFixed: try withMu(o.gmmFixed, Schema.trajectory), gmmTrainable: try withMu(o.gmmTrainable, Schema.trajectory),
                    flowD2Density: try withMu(o.flowD2Density, Schema.flowDensity), flowD16Samples: try withMu(o.flowD16Samples, Schema.flowSamples))
    }

    /// The mixtures' start sides: y's sign for each component (fixed: opposite sides; trainable: the same).
    static let fixedSigns = (1.0, -1.0), trainableSigns = (1.0, 1.0)

    func analyse(_ data: Data) -> Metrics {
        guard let t = data.options.gmmTimes.last else { return Metrics() }
        func final(_ gmm: (Table, Double), _ signs: (Double, Double)) -> Result<(MixtureState, Double), Error> {
            Result { (try Fig1Analysis.state(gmm.0, at: t, mu: gmm.1, ySign: signs), gmm.1) }
        }
        return Fig1Analysis.metrics(fixed: final(data.gmmFixed, Self.fixedSigns), trainable: final(data.gmmTrainable, Self.trainableSigns))
    }

    static let grid = 81

    /// The mixture's density on the grid.
    static func density(_ s: MixtureState, xAxis: [Double], yAxis: [Double]) -> [[Double]] {
        let (xp, yp) = s.plus, (xm, ym) = s.minus, w = s.w
        return yAxis.map { y in xAxis.map { x in
            w * exp(-0.5 * ((x - xp) * (x - xp) + (y - yp) * (y - yp))) / (2 * Double.pi)
                + (1 - w) * exp(-0.5 * ((x - xm) * (x - xm) + (y - ym) * (y - ym))) / (2 * Double.pi)
        } }
    }

    /// The grid of panels and how each is dressed.
    struct Layout {
        /// `top`: the upper y limit, high enough for every component's outermost contour.
        let times: [Double], extent: Double, top: Double, axis: [Double], yAxis: [Double]
        static let levels = [0.005, 0.02, 0.05, 0.1]
        var levels: [Double] { Self.levels }
        let rowNames = ["GMM, fixed $w$", "GMM, trainable $w$", "RealNVP, $d$ = 2", "RealNVP, $d$ = 16"]
        var cols: Int { times.count }

        func decorate(_ p: inout Panel, row: Int, col: Int, title: String, modes: Double) {
            p.scatter([-modes, modes], [0, 0], marker: .cross, color: .black)
            p.xLimits = -extent...extent
            p.yLimits = -extent...top
            if row == 0 { p.title = title }
            if row == 3 { p.xLabel = "$x_{1}$" }
        }
    }

    func draw(_ data: Data) throws -> Figure {
        let o = data.options, extent = o.extent
        let n = Self.grid
        // The panels show the components wherever they are: the limits reach the outermost contour
        // of the highest mean (a component of full weight reaches the lowest level at this radius).
        let radius = (-2 * log(2 * Double.pi * Layout.levels[0])).squareRoot()
        let highest = try [(data.gmmFixed, Self.fixedSigns), (data.gmmTrainable, Self.trainableSigns)].flatMap { gmm, signs in
            try gmm.0.isEmpty ? [] : o.gmmTimes.map { try Fig1Analysis.state(gmm.0, at: $0, mu: gmm.1, ySign: signs) }.map { max($0.plus.y, $0.minus.y) }
        }.max() ?? 0
        let top = max(extent + 2.5, highest + radius)
        let layout = Layout(times: o.gmmTimes, extent: extent, top: top,
                            axis: (0..<n).map { -extent + 2 * extent * Double($0) / Double(n - 1) },
                            yAxis: (0..<(n + 16)).map { -extent + (extent + top) * Double($0) / Double(n + 15) })
        var fig = Figure(width: FigureStyle.fullWidth, height: 600, rows: 4, cols: layout.cols)
        fig.shareX = true
        fig.shareY = true
        try gmmRows(data, layout, into: &fig)
        try flowDensityRow(data.flowD2Density, layout, into: &fig)
        try flowSamplesRow(data.flowD16Samples, seed: o.flowD16Seed, layout, into: &fig)
        return fig
    }

    /// Rows a, b: the two-Gaussian mixture (exact flow in d = 2, from the overlap ODE).
    func gmmRows(_ data: Data, _ layout: Layout, into fig: inout Figure) throws {
        for (row, ((table, mu), signs)) in [(data.gmmFixed, Self.fixedSigns), (data.gmmTrainable, Self.trainableSigns)].enumerated() where !table.isEmpty {
            for (c, t) in layout.times.enumerated() {
                let s = try Fig1Analysis.state(table, at: t, mu: mu, ySign: signs)
                let z = Self.density(s, xAxis: layout.axis, yAxis: layout.yAxis)
                fig.panel(row, c) { p in
                    p.contour(x: layout.axis, y: layout.yAxis, z: z, levels: layout.levels, colormap: .viridis)
                    layout.decorate(&p, row: row, col: c, title: "$t$ = \(Int(t))", modes: mu)
                    // The component means, even where a vanished weight leaves no contour.
                    p.scatter([s.plus.x], [s.plus.y], marker: .hollowCircle, color: FigureStyle.vermillion)
                    p.scatter([s.minus.x], [s.minus.y], marker: .hollowCircle, color: FigureStyle.blue)
                    if row == 1 { p.text("$w_{+}$ = \(s.w < 0.01 ? s.w.formatted3e : fixed(s.w, 2))", x: 0.04, y: 0.9, coordinates: .axes, size: 7) }
                    if c == 0 { p.yLabel = layout.rowNames[row] }
                }
            }
        }
    }

    /// Row c: RealNVP d = 2, model density on a grid at snapshot steps.
    func flowDensityRow(_ density: (Table, Double), _ layout: Layout, into fig: inout Figure) throws {
        let (dens, mu) = density
        for (c, s) in try dens.distinctInts(.step).prefix(layout.cols).enumerated() {
            let r = try dens.selecting(.step, s)
            let x1 = try r.doubles(.x1), x2 = try r.doubles(.x2), q = try r.doubles(.q)
            let g = Int(Double(q.count).squareRoot().rounded())
            guard g * g == q.count else { throw StageFailure("\(dens.name): the flow density grid at step \(s) is not square (\(q.count) points)") }
            let xs = (0..<g).map { x1[$0 * g] }, ys = (0..<g).map { x2[$0] }
            let z = (0..<g).map { j in (0..<g).map { i in q[i * g + j] } }
            fig.panel(2, c) { p in
                p.contour(x: xs, y: ys, z: z, levels: layout.levels, colormap: .viridis)
                layout.decorate(&p, row: 2, col: c, title: "step \(s)", modes: mu)
                p.text("step \(s)", x: 0.04, y: 0.9, coordinates: .axes, size: 7)
                if c == 0 { p.yLabel = layout.rowNames[2] }
            }
        }
    }

    /// Row d: RealNVP d = 16 (far start): 2-D marginal (x·e, x·e₂) estimated from samples.
    func flowSamplesRow(_ samples: (Table, Double), seed: Int, _ layout: Layout, into fig: inout Figure) throws {
        let (table, mu16) = samples
        let mine = try table.selecting(.seed, seed)
        let extent = layout.extent, bins = 41, h = 2 * extent / Double(bins)
        let centres = (0..<bins).map { -extent + (Double($0) + 0.5) * h }
        for (c, s) in try mine.distinctInts(.step).prefix(layout.cols).enumerated() {
            let r = try mine.selecting(.step, s)
            let smooth = Self.smoothedDensity(try r.doubles(.x1), try r.doubles(.x2), bins: bins, extent: extent)
            fig.panel(3, c) { p in
                p.contour(x: centres, y: centres, z: smooth, levels: layout.levels, colormap: .viridis)
                layout.decorate(&p, row: 3, col: c, title: "", modes: mu16)
                p.text("step \(s)", x: 0.04, y: 0.9, coordinates: .axes, size: 7)
                if c == 0 { p.yLabel = layout.rowNames[3] }
            }
        }
    }

    /// Histogram of (x1, x2) on bins × bins cells over [-extent, extent]², as a
    /// density, lightly smoothed (3×3 binomial kernel) so contours read.
    static func smoothedDensity(_ x1: [Double], _ x2: [Double], bins: Int, extent: Double) -> [[Double]] {
        let h = 2 * extent / Double(bins)
        var z = Array(repeating: Array(repeating: 0.0, count: bins), count: bins)
        for (a, b) in zip(x1, x2) {
            let i = Int(((a + extent) / h).rounded(.down)), j = Int(((b + extent) / h).rounded(.down))
            if i >= 0, i < bins, j >= 0, j < bins { z[j][i] += 1 }
        }
        let norm = 1 / (Double(x1.count) * h * h)
        let k = [0.25, 0.5, 0.25]
        return (0..<bins).map { j in (0..<bins).map { i in
            var acc = 0.0
            for dj in -1...1 { for di in -1...1 {
                let jj = min(max(j + dj, 0), bins - 1), ii = min(max(i + di, 0), bins - 1)
                acc += k[dj + 1] * k[di + 1] * z[jj][ii]
            } }
            return acc * norm
        } }
    }
}

extension Double {
    /// "8.6×10⁻⁴"-style text for small numbers (markup for Plot).
    var formatted3e: String {
        var e = 0, x = self
        while x < 1 && x > 0 { x *= 10; e -= 1 }
        return "\(fixed(x, 1))×10^{\(e)}"
    }
}
