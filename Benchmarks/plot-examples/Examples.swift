import Foundation
import Plot

/// The gallery: small figures that together use every mark type, scale and text feature.
/// Data are analytic or from a fixed-seed SplitMix64 stream, so the files are reproducible.
enum Examples {
    static let all: [(String, @Sendable () throws -> Figure)] = [
        ("lines", lines),
        ("log-axes", logAxes),
        ("markers-errorbars", markersAndErrorBars),
        ("heatmap-contours", heatmapAndContours),
        ("histogram-2d", histogram2D),
        ("density-grid", densityGrid),
        ("awkward-ranges", awkwardRanges),
    ]

    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func normal() -> Double {
            let u = Swift.max(uniform(), 1e-300), v = uniform()
            return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * .pi * v)
        }
    }

    static func linspace(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
        (0..<n).map { a + (b - a) * Double($0) / Double(n - 1) }
    }
    static func logspace(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
        linspace(a, b, n).map { Foundation.pow(10, $0) }
    }

    /// Overlap dynamics: solid/dashed/dotted lines, markers on lines, a band, a step line,
    /// reference lines and an annotation; Greek labels with sub/superscripts.
    static func lines() -> Figure {
        var fig = Figure(width: 504, height: 210, rows: 1, cols: 2)
        let t = linspace(0, 100, 2001)
        let ap = t.map { 1 - 0.08 * Foundation.exp(-$0 / 10) }
        let am = t.map { 0.5 + 0.5 * Foundation.tanh(($0 - 30) / 8) * -1 - 0.2 * Foundation.exp(-$0 / 5) }
        fig[0, 0].line(t, ap, label: "$\\alpha_{+}$ (ODE)")
        fig[0, 0].line(t, am, label: "$\\alpha_{-}$ (ODE)", style: .dashed)
        var rng = SplitMix64(state: 7)
        let ts = stride(from: 0.0, through: 100, by: 5).map { $0 }
        let sim = ts.map { 1 - 0.08 * Foundation.exp(-$0 / 10) + 0.01 * rng.normal() }
        fig[0, 0].scatter(ts, sim, label: "particles, $d = 1000$", marker: .hollowCircle, color: Palette.okabeIto[0])
        fig[0, 0].band(t, lower: am.map { $0 - 0.06 }, upper: am.map { $0 + 0.06 }, color: Palette.okabeIto[1])
        fig[0, 0].hline(0)
        fig[0, 0].vline(30, style: LineStyle(color: .gray, width: 0.8, dash: .dotted))
        fig[0, 0].text("one mean escapes", x: 32, y: 0.62, color: .darkGray)
        fig[0, 0].xLabel = "time $t$"
        fig[0, 0].yLabel = "overlap $\\alpha_{k} = m_{k}\\cdot\\mu/|\\mu|^{2}$"
        fig[0, 0].title = "$|\\mu| = 2$: transient alignment"

        let d = [2.0, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
        let shades: [(Double, String)] = [(100, "$T = 100$"), (400, "$T = 400$"), (1600, "$T = 1600$")]
        for (k, (T, label)) in shades.enumerated() {
            let p = d.map { 1 / (1 + Foundation.pow(40 / $0, 1.4) * 400 / T) }
            let color = Palette.okabeIto[2].mixed(with: .white, 0.55 - 0.27 * Double(k))
            fig[0, 1].line(d, p, label: label, style: LineStyle(color: color, marker: Marker(.circle, size: 3.5)))
            fig[0, 1].band(d, lower: p.map { Swift.max(0, $0 - 0.05) }, upper: p.map { Swift.min(1, $0 + 0.05) }, opacity: 0.18)
        }
        let fixed = d.map { $0 < 20 ? 0.02 * $0 / 20 : 0.5 - 0.4 * Foundation.exp(-$0 / 80) }
        fig[0, 1].step(d, fixed, label: "fixed weights (step)", style: LineStyle(color: .black, width: 1.2), mode: .mid)
        fig[0, 1].hline(0.5, style: LineStyle(color: .gray, width: 0.8, dash: .dashDot))
        fig[0, 1].xScale = .log
        fig[0, 1].yLimits = 0...1.05
        fig[0, 1].xLabel = "dimension $d$"
        fig[0, 1].yLabel = "$P_{\\mathrm{collapse}}$"
        fig[0, 1].title = "trainable weights"
        return fig
    }

    /// Log axes over many decades, minor ticks, a symlog axis, log-log power laws.
    static func logAxes() -> Figure {
        var fig = Figure(width: 504, height: 200, rows: 1, cols: 3)
        let t = logspace(-2, 2.6, 400)
        fig[0, 0].line(t, t.map { 3e-3 * Foundation.exp(-Foundation.pow($0 / 8, 1.3)) + 1e-7 }, label: "$d = 1000$")
        fig[0, 0].line(t, t.map { 3e-3 / (1 + $0 / 30) }, label: "$d = 100$", style: .dashed)
        fig[0, 0].line(t, t.map { 2e-3 * (1 + 0.3 * Foundation.sin(Foundation.log($0 + 1))) }, label: "$d = 10$", style: .dotted)
        fig[0, 0].hline(1e-3, style: .reference)
        fig[0, 0].xScale = .log
        fig[0, 0].yScale = .log
        fig[0, 0].xLabel = "time $t$"
        fig[0, 0].yLabel = "weight $w(t)$"
        fig[0, 0].yLimits = 1e-7...3e-3

        let mu2 = linspace(4, 12.25, 12)
        let tEsc = mu2.map { 3 * Foundation.exp(0.62 * $0) }
        fig[0, 1].scatter(mu2, tEsc, label: "escape time", marker: .square)
        fig[0, 1].line(mu2, mu2.map { 3 * Foundation.exp(0.62 * $0) }, label: "fit $\\propto e^{c|\\mu|^{2}}$, $c = 0.62$", style: LineStyle(color: .black, width: 1, dash: .dashed))
        fig[0, 1].yScale = .log
        fig[0, 1].xLabel = "$|\\mu|^{2}$"
        fig[0, 1].yLabel = "$t_{\\mathrm{escape}}$"
        fig[0, 1].legend = .upperLeft

        let x = linspace(-200, 200, 801)
        fig[0, 2].line(x, x.map { $0 * Foundation.exp(-Swift.abs($0) / 80) })
        fig[0, 2].xScale = .symlog(linearThreshold: 1)
        fig[0, 2].xLabel = "symlog $x$"
        fig[0, 2].yLabel = "$x\\,e^{-|x|/80}$"
        return fig
    }

    /// Every marker shape, error bars (absolute Wilson-style intervals), scatter of a cloud.
    static func markersAndErrorBars() -> Figure {
        var fig = Figure(width: 504, height: 200, rows: 1, cols: 2)
        for (k, shape) in MarkerShape.allCases.enumerated() {
            let xs = linspace(0, 9, 10)
            let ys = xs.map { Double(k) + 0.3 * Foundation.sin($0 + Double(k)) }
            fig[0, 0].line(xs, ys, label: shape.rawValue,
                           style: LineStyle(width: 1, marker: Marker(shape, size: 5, filled: k % 2 == 0)))
        }
        fig[0, 0].legend = .outsideRight
        fig[0, 0].xLabel = "index"
        fig[0, 0].yLabel = "shape"
        fig[0, 0].title = "markers: circle, square, triangle, diamond, ×, +"

        let d = [2.0, 4, 8, 16, 32]
        let n = 12.0
        for (k, (name, rate)) in [("far start ($c = 3$)", 0.9), ("near identity ($c = 0.01$)", 0.0)].enumerated() {
            let p = d.map { Swift.min(1, Swift.max(0, rate * (Foundation.log2($0) - 2) / 3)) }
            let (lo, hi) = wilson(p.map { ($0 * n).rounded() }, n: n)
            let xs = d.map { $0 * (k == 0 ? 0.97 : 1.03) }
            fig[0, 1].line(xs, p, label: name, style: LineStyle(marker: k == 0 ? .circle : .square))
            fig[0, 1].errorBars(xs, p, lower: lo, upper: hi)
        }
        var rng = SplitMix64(state: 42)
        var cx: [Double] = [], cy: [Double] = []
        for _ in 0..<40 { cx.append(2 * Foundation.pow(2, 4 * rng.uniform())); cy.append(0.5 + 0.08 * rng.normal()) }
        fig[0, 1].scatter(cx, cy, label: "scatter", marker: Marker(.plus, size: 4, color: .gray, lineWidth: 0.8))
        fig[0, 1].xScale = .log
        fig[0, 1].xTicks = d
        fig[0, 1].yLimits = -0.05...1.05
        fig[0, 1].xLabel = "dimension $d$"
        fig[0, 1].yLabel = "collapse fraction"
        return fig
    }

    static func wilson(_ k: [Double], n: Double) -> ([Double], [Double]) {
        let z = 1.959963984540054
        var lo: [Double] = [], hi: [Double] = []
        for ki in k {
            let p = ki / n
            let den = 1 + z * z / n
            let c = (p + z * z / (2 * n)) / den
            let h = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / den
            lo.append(c - h); hi.append(c + h)
        }
        return (lo, hi)
    }

    /// A heat map on a log axis with a colour bar and a baseline marker; filled contours with
    /// a discrete colour bar and contour lines on top.
    static func heatmapAndContours() -> Figure {
        var fig = Figure(width: 504, height: 220, rows: 1, cols: 2)
        let beta0 = [0.01, 0.03, 0.1, 0.3]
        let tau = [10.0, 30, 100, 300, 1000, 3000, 10000]
        let z = beta0.map { b in tau.map { t in 0.5 / (1 + Foundation.pow(t / 300, 1.2) * Foundation.pow(0.3 / b, 0.8)) } }
        fig[0, 0].heatmap(x: tau, y: beta0, z: z, range: 0...0.5)
        fig[0, 0].xScale = .log
        fig[0, 0].yScale = .log
        fig[0, 0].scatter([10], [0.3], label: "no annealing", marker: Marker(.cross, size: 7, color: .white, lineWidth: 1.5))
        fig[0, 0].xLabel = "schedule length $\\tau$"
        fig[0, 0].yLabel = "$\\beta_{0}$"
        fig[0, 0].colorbarLabel = "$P_{\\mathrm{collapse}}$"
        fig[0, 0].title = "power tempering"
        fig[0, 0].legend = .none

        let xs = linspace(-5, 5, 81), ys = linspace(-4, 4, 65)
        let g = ys.map { y in xs.map { x in
            Foundation.exp(-((x - 3) * (x - 3) + y * y) / 2) + 0.6 * Foundation.exp(-((x + 3) * (x + 3) + y * y) / 1.5)
                + 0.15 * Foundation.exp(-(x * x + (y - 2.5) * (y - 2.5)) / 0.8)
        } }
        fig[0, 1].filledContour(x: xs, y: ys, z: g, levels: linspace(0.05, 1.05, 11))
        fig[0, 1].contour(x: xs, y: ys, z: g, levels: [0.1, 0.3, 0.5, 0.7, 0.9], color: .white, lineWidth: 0.6)
        fig[0, 1].scatter([-3, 3], [0, 0], marker: Marker(.cross, size: 7, color: .black, lineWidth: 1.5))
        fig[0, 1].equalAspect = true
        fig[0, 1].xLabel = "$x\\cdot e$"
        fig[0, 1].yLabel = "$x\\cdot e_{2}$"
        fig[0, 1].colorbarLabel = "density $q(x)$"
        fig[0, 1].title = "filled contours"
        return fig
    }

    /// A 2-D histogram of samples (a density estimated from samples, as for a flow's marginal):
    /// 80 × 60 cells, drawn as one embedded PNG, with a log colour norm and × at the modes.
    static func histogram2D() -> Figure {
        var fig = Figure(width: 504, height: 220, rows: 1, cols: 2)
        var rng = SplitMix64(state: 2024)
        let nx = 80, ny = 60
        let xEdges = linspace(-6, 6, nx + 1), yEdges = linspace(-4.5, 4.5, ny + 1)
        var counts = [[Double]](repeating: [Double](repeating: 0, count: nx), count: ny)
        for k in 0..<60_000 {
            let mode = k % 10 < 8 ? 3.0 : -3.0
            let x = mode + rng.normal() * (mode > 0 ? 0.8 : 0.6), y = rng.normal() * 1.1 + 0.15 * x
            let i = Int(((x + 6) / 12 * Double(nx)).rounded(.down)), j = Int(((y + 4.5) / 9 * Double(ny)).rounded(.down))
            if i >= 0 && i < nx && j >= 0 && j < ny { counts[j][i] += 1 }
        }
        let density = counts.map { row in row.map { $0 == 0 ? Double.nan : $0 / 60_000 / (0.15 * 0.15) } }
        fig[0, 0].heatmap(x: xEdges, y: yEdges, z: density, norm: .log)
        fig[0, 0].scatter([-3, 3], [0, 0], marker: Marker(.cross, size: 7, color: .black, lineWidth: 1.5))
        fig[0, 0].equalAspect = true
        fig[0, 0].xLabel = "$x\\cdot e/|\\mu|$ (×3)"
        fig[0, 0].yLabel = "$x\\cdot e_{2}$"
        fig[0, 0].colorbarLabel = "density (empty bins blank)"
        fig[0, 0].title = "2-D histogram, log colour scale"

        let centres = (0..<nx).map { (xEdges[$0] + xEdges[$0 + 1]) / 2 }
        let marginal = (0..<nx).map { i in (0..<ny).reduce(0.0) { $0 + counts[$1][i] } / 60_000 / 0.15 }
        fig[0, 1].step(centres, marginal, label: "histogram", mode: .mid)
        fig[0, 1].line(centres, centres.map { 0.8 * Foundation.exp(-($0 - 3) * ($0 - 3) / 1.28) / (0.8 * (2 * Double.pi).squareRoot())
                                               + 0.2 * Foundation.exp(-($0 + 3) * ($0 + 3) / 0.72) / (0.6 * (2 * Double.pi).squareRoot()) },
                       label: "exact marginal", style: LineStyle(color: .black, width: 1, dash: .dashed))
        fig[0, 1].xLabel = "$x\\cdot e$"
        fig[0, 1].yLabel = "marginal density"
        return fig
    }

    /// A fig1-like grid: rows of models × columns of times, density contours with × at the
    /// target modes, shared axes and panel letters.
    static func densityGrid() -> Figure {
        var fig = Figure(width: 504, height: 260, rows: 2, cols: 4)
        fig.shareX = true
        fig.shareY = true
        fig.title = "Evolution of $q_{t}$ (contours) towards the target modes (×)"
        let xs = linspace(-6, 6, 61), ys = linspace(-5, 5, 51)
        let times = [0.0, 5, 20, 100]
        for (c, t) in times.enumerated() {
            for r in 0..<2 {
                let s = Swift.min(1, t / 20)
                let m1 = (r == 0 ? -1 + 4 * s : 3 * s, 0.5 * (1 - s))
                let m2 = (r == 0 ? 1 + 2 * s : -3 * s, -0.5 * (1 - s))
                let w2 = r == 0 ? 0.5 : 0.5
                let z = ys.map { y in xs.map { x in
                    (1 - w2) * Foundation.exp(-((x - m1.0) * (x - m1.0) + (y - m1.1) * (y - m1.1)) / 2)
                        + w2 * Foundation.exp(-((x - m2.0) * (x - m2.0) + (y - m2.1) * (y - m2.1)) / 2)
                } }
                fig[r, c].contour(x: xs, y: ys, z: z, levels: [0.05, 0.15, 0.3, 0.45], lineWidth: 0.9)
                fig[r, c].scatter([-3, 3], [0, 0], marker: Marker(.cross, size: 6, color: .black, lineWidth: 1.4))
                fig[r, c].equalAspect = true
                if r == 0 { fig[r, c].title = "$t = \(Int(t))$" }
                if r == 1 { fig[r, c].xLabel = "$x_{1}$" }
                if c == 0 { fig[r, c].yLabel = r == 0 ? "fixed $w$: $x_{2}$" : "RealNVP: $x_{2}$" }
            }
        }
        return fig
    }

    /// Tick edge cases: a narrow range around zero, tiny and huge magnitudes (multipliers),
    /// a single value, and NaN gaps in a line.
    static func awkwardRanges() -> Figure {
        var fig = Figure(width: 504, height: 300, rows: 2, cols: 2)
        let x = linspace(-0.013, 0.021, 200)
        fig[0, 0].line(x, x.map { $0 * $0 * 1e3 })
        fig[0, 0].xLabel = "$x$ (narrow range)"
        fig[0, 0].yLabel = "$10^{3} x^{2}$"
        let tiny = linspace(0, 1, 50)
        fig[0, 1].line(tiny, tiny.map { 3e-6 * Foundation.sin(6 * $0) + 4e-6 })
        fig[0, 1].line(tiny, tiny.map { 2.5e5 * $0 }.map { $0 / 1e11 }, style: .dashed)
        fig[0, 1].xLabel = "$x$"
        fig[0, 1].yLabel = "tiny values"
        fig[1, 0].scatter([2.5], [7], label: "a single point")
        fig[1, 0].xLabel = "$x$"
        fig[1, 0].yLabel = "$y$"
        let xs = linspace(0, 10, 101)
        let ys = xs.map { v -> Double in (4...5).contains(v) ? .nan : (v > 8 && v < 8.5 ? .infinity : 1.2e5 * Foundation.sin(v)) }
        fig[1, 1].line(xs, ys, label: "NaN/∞ break the line")
        fig[1, 1].xLabel = "$x$"
        fig[1, 1].yLabel = "large values"
        fig[1, 1].legend = .best
        return fig
    }
}
