// fig1 — collapse patterns in pictures: GMM (fixed, trainable weights) and RealNVP (d = 2, d = 16)
// density contours at four training times; black × are the target modes (figures.md).
import Engine
import Foundation
import Plot

struct Fig1CollapsePatterns: FigureDrawing {
    let name = "fig1"
    let sourceFile = "Sources/Stages/Figures/Fig1CollapsePatterns.swift"

    struct Options {
        var gmmFixed: String, gmmTrainable: String, gmmTimes: [Double]
        var flowD2Density: String, flowD2Metrics: String, flowD16Samples: String, flowD16Metrics: String, flowD16Seed: Int
        var extent: Double
    }

    func options(_ o: Params) throws -> Options {
        Options(gmmFixed: try o.string("gmm_fixed"), gmmTrainable: try o.string("gmm_trainable"), gmmTimes: try o.doubles("gmm_times"),
                flowD2Density: try o.string("flow_d2_density"), flowD2Metrics: try o.string("flow_d2_metrics"),
                flowD16Samples: try o.string("flow_d16_samples"), flowD16Metrics: try o.string("flow_d16_metrics"),
                flowD16Seed: try o.int("flow_d16_seed"), extent: try o.double("extent"))
    }

    func inputs(_ o: Options) -> [String] {
        [o.gmmFixed, o.gmmTrainable, o.flowD2Density, o.flowD2Metrics, o.flowD16Samples, o.flowD16Metrics]
    }

    /// The separation |μ| of the target the stage writing `path` used.
    func separation(_ input: FigureInput, _ path: String) throws -> Double {
        try input.producerParams(of: path).object("target").double("mu")
    }

    static let grid = 81

    /// The mixture density on the grid, from the overlaps (d = 2, μ± = ±|μ| e₁):
    /// x_k = a_{k+}/|μ|, y₊ = √(q₊₊ − x₊²) (sign of the start), y₋ from q₊₋ = x₊x₋ + y₊y₋.
    func gmmDensity(_ csv: CSVReader, at t: Double, mu: Double, ySign: (Double, Double), xAxis: [Double], yAxis: [Double]) throws -> ([[Double]], (Double, Double), (Double, Double), Double) {
        func v(_ c: Column) throws -> Double { try csv.value(c, where: .t, closestTo: t) }
        let xp = try v(.aPp) / mu, xm = try v(.aMp) / mu
        let yp = ySign.0 * max(0, try v(.qPp) - xp * xp).squareRoot()
        let ym = abs(yp) > 1e-9 ? (try v(.qPm) - xp * xm) / yp : ySign.1 * max(0, try v(.qMm) - xm * xm).squareRoot()
        let w = try v(.w)
        let z = yAxis.map { y in xAxis.map { x in
            w * exp(-0.5 * ((x - xp) * (x - xp) + (y - yp) * (y - yp))) / (2 * Double.pi)
                + (1 - w) * exp(-0.5 * ((x - xm) * (x - xm) + (y - ym) * (y - ym))) / (2 * Double.pi)
        } }
        return (z, (xp, yp), (xm, ym), w)
    }

    /// The grid of panels and how each is dressed.
    struct Layout {
        let times: [Double], extent: Double, axis: [Double], yAxis: [Double]
        let levels = [0.005, 0.02, 0.05, 0.1]
        let rowNames = ["GMM, fixed $w$", "GMM, trainable $w$", "RealNVP, $d$ = 2", "RealNVP, $d$ = 16"]
        var cols: Int { times.count }

        func decorate(_ p: inout Panel, row: Int, col: Int, title: String, modes: Double) {
            p.scatter([-modes, modes], [0, 0], marker: .cross, color: .black)
            p.xLimits = -extent...extent
            p.yLimits = -extent...(extent + 2.5)
            if row == 0 { p.title = title }
            if row == 3 { p.xLabel = "$x_{1}$" }
        }
    }

    func draw(_ o: Options, _ input: FigureInput) throws -> (Figure, Metrics) {
        let extent = o.extent
        let n = Self.grid
        let layout = Layout(times: o.gmmTimes, extent: extent,
                            axis: (0..<n).map { -extent + 2 * extent * Double($0) / Double(n - 1) },
                            yAxis: (0..<(n + 16)).map { -extent + (2 * extent + 2.5) * Double($0) / Double(n + 15) })
        var m = Metrics()
        var fig = Figure(width: FigureStyle.fullWidth, height: 600, rows: 4, cols: layout.cols)
        fig.shareX = true
        fig.shareY = true
        try gmmRows(o, input, layout, into: &fig, &m)
        try flowDensityRow(o, input, layout, into: &fig)
        try flowSamplesRow(o, input, layout, into: &fig)
        let metrics16 = try input.csv(o.flowD16Metrics).filter([.seed: String(o.flowD16Seed)])
        m["flow_d16_final_min_mass"] = try metrics16.doubles(.minMass).last ?? .nan
        m["flow_d2_final_min_mass"] = try input.csv(o.flowD2Metrics).doubles(.minMass).last ?? .nan
        return (fig, m)
    }

    /// Rows a, b: the two-Gaussian mixture (exact flow in d = 2, from the overlap ODE).
    func gmmRows(_ o: Options, _ input: FigureInput, _ layout: Layout, into fig: inout Figure, _ m: inout Metrics) throws {
        for (row, (path, signs)) in [(o.gmmFixed, (1.0, -1.0)), (o.gmmTrainable, (1.0, 1.0))].enumerated() {
            let csv = try input.csv(path), mu = try separation(input, path)
            var positions: [((Double, Double), (Double, Double), Double)] = []
            for (c, t) in layout.times.enumerated() {
                let (z, mp, mm, w) = try gmmDensity(csv, at: t, mu: mu, ySign: signs, xAxis: layout.axis, yAxis: layout.yAxis)
                positions.append((mp, mm, w))
                fig.panel(row, c) { p in
                    p.contour(x: layout.axis, y: layout.yAxis, z: z, levels: layout.levels, colormap: .viridis)
                    layout.decorate(&p, row: row, col: c, title: "$t$ = \(Int(t))", modes: mu)
                    // The component means, even where a vanished weight leaves no contour.
                    p.scatter([mp.0], [mp.1], marker: .hollowCircle, color: FigureStyle.vermillion)
                    p.scatter([mm.0], [mm.1], marker: .hollowCircle, color: FigureStyle.blue)
                    if row == 1 { p.text("$w_{+}$ = \(w < 0.01 ? w.formatted3e : fixed(w, 2))", x: 0.04, y: 0.9, coordinates: .axes, size: 7) }
                    if c == 0 { p.yLabel = layout.rowNames[row] }
                }
            }
            let (mpT, mmT, wT) = positions[positions.count - 1]
            if row == 0 {
                m["gmm_fixed_final_x_plus"] = mpT.0 / mu
                m["gmm_fixed_final_x_minus"] = mmT.0 / mu
            } else {
                m["gmm_trainable_final_min_weight"] = min(wT, 1 - wT)
                // The component whose weight vanished is left far from both modes.
                m["gmm_trainable_dead_mean_distance_to_modes"] = min(((mpT.0 - mu) * (mpT.0 - mu) + mpT.1 * mpT.1).squareRoot(),
                                                                     ((mpT.0 + mu) * (mpT.0 + mu) + mpT.1 * mpT.1).squareRoot())
                m["gmm_trainable_live_mean_distance_to_mode"] = min(((mmT.0 - mu) * (mmT.0 - mu) + mmT.1 * mmT.1).squareRoot(),
                                                                     ((mmT.0 + mu) * (mmT.0 + mu) + mmT.1 * mmT.1).squareRoot())
            }
        }
    }

    /// Row c: RealNVP d = 2, model density on a grid at snapshot steps.
    func flowDensityRow(_ o: Options, _ input: FigureInput, _ layout: Layout, into fig: inout Figure) throws {
        let path = o.flowD2Density
        let dens = try input.csv(path), mu = try separation(input, path)
        let steps = try dens.distinct(.step).compactMap(Double.init)
        for (c, s) in steps.prefix(layout.cols).enumerated() {
            let r = try dens.rows(.step, s)
            let x1 = try r.doubles(.x1), x2 = try r.doubles(.x2), q = try r.doubles(.q)
            let g = Int(Double(q.count).squareRoot().rounded())
            guard g * g == q.count else { throw StageFailure("flow density grid is not square (\(q.count) points)") }
            let xs = (0..<g).map { x1[$0 * g] }, ys = (0..<g).map { x2[$0] }
            let z = (0..<g).map { j in (0..<g).map { i in q[i * g + j] } }
            fig.panel(2, c) { p in
                p.contour(x: xs, y: ys, z: z, levels: layout.levels, colormap: .viridis)
                layout.decorate(&p, row: 2, col: c, title: "step \(Int(s))", modes: mu)
                p.text("step \(Int(s))", x: 0.04, y: 0.9, coordinates: .axes, size: 7)
                if c == 0 { p.yLabel = layout.rowNames[2] }
            }
        }
    }

    /// Row d: RealNVP d = 16 (far start): 2-D marginal (x·e, x·e₂) estimated from samples.
    func flowSamplesRow(_ o: Options, _ input: FigureInput, _ layout: Layout, into fig: inout Figure) throws {
        let path = o.flowD16Samples
        let samples = try input.csv(path), mu16 = try separation(input, path)
        let mine = try samples.filter([.seed: String(o.flowD16Seed)])
        let sSteps = try mine.distinct(.step).compactMap(Double.init)
        let extent = layout.extent, bins = 41, h = 2 * extent / Double(bins)
        let centres = (0..<bins).map { -extent + (Double($0) + 0.5) * h }
        for (c, s) in sSteps.prefix(layout.cols).enumerated() {
            let r = try mine.rows(.step, s)
            let x1 = try r.doubles(.x1), x2 = try r.doubles(.x2)
            let smooth = Self.smoothedDensity(x1, x2, bins: bins, extent: extent)
            fig.panel(3, c) { p in
                p.contour(x: centres, y: centres, z: smooth, levels: layout.levels, colormap: .viridis)
                layout.decorate(&p, row: 3, col: c, title: "", modes: mu16)
                p.text("step \(Int(s))", x: 0.04, y: 0.9, coordinates: .axes, size: 7)
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
