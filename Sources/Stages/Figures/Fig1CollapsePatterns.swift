// fig1 — collapse patterns in pictures: GMM (fixed, trainable weights) and RealNVP (d = 2, d = 16)
// density contours at four training times; black × are the target modes (figures.md).
import Engine
import Foundation
import Plot

struct Fig1CollapsePatterns: FigureDrawing {
    let name = "fig1"
    let sourceFile = "Sources/Stages/Figures/Fig1CollapsePatterns.swift"

    func validate(_ options: Params, deps: [String]) throws {
        for k in ["gmm_fixed", "gmm_trainable", "flow_d2_density", "flow_d2_metrics", "flow_d16_samples", "flow_d16_metrics"] { _ = try options.string(k) }
        _ = try options.doubles("gmm_times")
        _ = try options.double("gmm_mu"); _ = try options.double("flow_d16_mu")
        _ = try options.int("flow_d16_seed")
        _ = try options.double("extent")
    }

    static let grid = 81

    /// The mixture density on the grid, from the overlaps (d = 2, μ± = ±|μ| e₁):
    /// x_k = a_{k+}/|μ|, y₊ = √(q₊₊ − x₊²) (sign of the start), y₋ from q₊₋ = x₊x₋ + y₊y₋.
    func gmmDensity(_ csv: CSVReader, at t: Double, mu: Double, ySign: (Double, Double), xAxis: [Double], yAxis: [Double]) throws -> ([[Double]], (Double, Double), (Double, Double), Double) {
        func v(_ c: String) throws -> Double { try csv.value(c, where: "t", closestTo: t) }
        let xp = try v("a_pp") / mu, xm = try v("a_mp") / mu
        let yp = ySign.0 * max(0, try v("q_pp") - xp * xp).squareRoot()
        let ym = abs(yp) > 1e-9 ? (try v("q_pm") - xp * xm) / yp : ySign.1 * max(0, try v("q_mm") - xm * xm).squareRoot()
        let w = try v("w")
        let z = yAxis.map { y in xAxis.map { x in
            w * exp(-0.5 * ((x - xp) * (x - xp) + (y - yp) * (y - yp))) / (2 * Double.pi)
                + (1 - w) * exp(-0.5 * ((x - xm) * (x - xm) + (y - ym) * (y - ym))) / (2 * Double.pi)
        } }
        return (z, (xp, yp), (xm, ym), w)
    }

    func draw(_ input: FigureInput) throws -> (Figure, Metrics) {
        let o = input.options
        let times = try o.doubles("gmm_times")
        let mu = try o.double("gmm_mu"), mu16 = try o.double("flow_d16_mu"), extent = try o.double("extent")
        let n = Self.grid
        let axis = (0..<n).map { -extent + 2 * extent * Double($0) / Double(n - 1) }
        let yAxis = (0..<(n + 16)).map { -extent + (2 * extent + 2.5) * Double($0) / Double(n + 15) }
        var m = Metrics()
        let cols = times.count
        var fig = Figure(width: FigureStyle.fullWidth, height: 600, rows: 4, cols: cols)
        fig.shareX = true
        fig.shareY = true
        let levels = [0.005, 0.02, 0.05, 0.1]
        func decorate(_ p: inout Panel, row: Int, col: Int, title: String, modes: Double) {
            p.scatter([-modes, modes], [0, 0], marker: .cross, color: .black)
            p.xLimits = -extent...extent
            p.yLimits = -extent...(extent + 2.5)
            if row == 0 { p.title = title }
            if row == 3 { p.xLabel = "$x_{1}$" }
        }
        let rowNames = ["GMM, fixed $w$", "GMM, trainable $w$", "RealNVP, $d$ = 2", "RealNVP, $d$ = 16"]

        // Rows a, b: the two-Gaussian mixture (exact flow in d = 2, from the overlap ODE).
        for (row, (key, signs)) in [("gmm_fixed", (1.0, -1.0)), ("gmm_trainable", (1.0, 1.0))].enumerated() {
            let csv = try input.csv(try o.string(key))
            var positions: [((Double, Double), (Double, Double), Double)] = []
            for (c, t) in times.enumerated() {
                let (z, mp, mm, w) = try gmmDensity(csv, at: t, mu: mu, ySign: signs, xAxis: axis, yAxis: yAxis)
                positions.append((mp, mm, w))
                fig.panel(row, c) { p in
                    p.contour(x: axis, y: yAxis, z: z, levels: levels, colormap: .viridis)
                    decorate(&p, row: row, col: c, title: "$t$ = \(Int(t))", modes: mu)
                    // The component means, even where a vanished weight leaves no contour.
                    p.scatter([mp.0], [mp.1], marker: .hollowCircle, color: FigureStyle.vermillion)
                    p.scatter([mm.0], [mm.1], marker: .hollowCircle, color: FigureStyle.blue)
                    if row == 1 { p.text("$w_{+}$ = \(w < 0.01 ? w.formatted3e : fixed(w, 2))", x: 0.04, y: 0.9, coordinates: .axes, size: 7) }
                    if c == 0 { p.yLabel = rowNames[row] }
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

        // Row c: RealNVP d = 2, model density on a grid at snapshot steps.
        let dens = try input.csv(try o.string("flow_d2_density"))
        let steps = try dens.distinct("step").compactMap(Double.init)
        for (c, s) in steps.prefix(cols).enumerated() {
            let r = try dens.rows("step", s)
            let x1 = try r.doubles("x1"), x2 = try r.doubles("x2"), q = try r.doubles("q")
            let g = Int(Double(q.count).squareRoot().rounded())
            guard g * g == q.count else { throw StageFailure("flow density grid is not square (\(q.count) points)") }
            let xs = (0..<g).map { x1[$0 * g] }, ys = (0..<g).map { x2[$0] }
            let z = (0..<g).map { j in (0..<g).map { i in q[i * g + j] } }
            fig.panel(2, c) { p in
                p.contour(x: xs, y: ys, z: z, levels: levels, colormap: .viridis)
                decorate(&p, row: 2, col: c, title: "step \(Int(s))", modes: mu)
                p.text("step \(Int(s))", x: 0.04, y: 0.9, coordinates: .axes, size: 7)
                if c == 0 { p.yLabel = rowNames[2] }
            }
        }

        // Row d: RealNVP d = 16 (far start): 2-D marginal (x·e, x·e₂) estimated from samples.
        let samples = try input.csv(try o.string("flow_d16_samples"))
        let seed = try o.int("flow_d16_seed")
        let mine = try samples.filter(["seed": String(seed)])
        let sSteps = try mine.distinct("step").compactMap(Double.init)
        let bins = 41, h = 2 * extent / Double(bins)
        let centres = (0..<bins).map { -extent + (Double($0) + 0.5) * h }
        for (c, s) in sSteps.prefix(cols).enumerated() {
            let r = try mine.rows("step", s)
            var z = Array(repeating: Array(repeating: 0.0, count: bins), count: bins)
            let x1 = try r.doubles("x1"), x2 = try r.doubles("x2")
            for (a, b) in zip(x1, x2) {
                let i = Int(((a + extent) / h).rounded(.down)), j = Int(((b + extent) / h).rounded(.down))
                if i >= 0, i < bins, j >= 0, j < bins { z[j][i] += 1 }
            }
            // Histogram → density, lightly smoothed (3×3 binomial kernel) so contours read.
            let norm = 1 / (Double(x1.count) * h * h)
            let k = [0.25, 0.5, 0.25]
            let smooth = (0..<bins).map { j in (0..<bins).map { i in
                var acc = 0.0
                for dj in -1...1 { for di in -1...1 {
                    let jj = min(max(j + dj, 0), bins - 1), ii = min(max(i + di, 0), bins - 1)
                    acc += k[dj + 1] * k[di + 1] * z[jj][ii]
                } }
                return acc * norm
            } }
            fig.panel(3, c) { p in
                p.contour(x: centres, y: centres, z: smooth, levels: levels, colormap: .viridis)
                decorate(&p, row: 3, col: c, title: "", modes: mu16)
                p.text("step \(Int(s))", x: 0.04, y: 0.9, coordinates: .axes, size: 7)
                if c == 0 { p.yLabel = rowNames[3] }
            }
        }
        let metrics16 = try input.csv(try o.string("flow_d16_metrics")).filter(["seed": String(seed)])
        m["flow_d16_final_min_mass"] = try metrics16.doubles("min_mass").last ?? .nan
        m["flow_d2_final_min_mass"] = try input.csv(try o.string("flow_d2_metrics")).doubles("min_mass").last ?? .nan
        return (fig, m)
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
