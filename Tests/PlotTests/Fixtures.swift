import Foundation
@testable import Plot

/// Small figures used by several tests: together they use every mark type.
enum Fixtures {
    static func linspace(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
        (0..<n).map { a + (b - a) * Double($0) / Double(n - 1) }
    }

    /// Golden: two lines (solid, dashed), markers, a band, reference lines, Greek labels.
    static func goldenLines() -> Figure {
        var fig = Figure(width: 240, height: 160)
        let x = linspace(0, 10, 21)
        fig[0, 0].line(x, x.map { Foundation.sin($0) }, label: "$\\alpha_{+}$")
        fig[0, 0].band(x, lower: x.map { Foundation.sin($0) - 0.2 }, upper: x.map { Foundation.sin($0) + 0.2 })
        fig[0, 0].line(x, x.map { Foundation.cos($0) }, label: "$\\alpha_{-}$", style: LineStyle(dash: .dashed, marker: .square))
        fig[0, 0].hline(0)
        fig[0, 0].xLabel = "time $t$"
        fig[0, 0].yLabel = "$|\\mu|^{2}$ & <overlap>"
        fig[0, 0].title = "golden lines"
        return fig
    }

    /// Golden: a log-log panel and a heat map with a colour bar, panel letters.
    static func goldenLogHeatmap() -> Figure {
        var fig = Figure(width: 360, height: 150, rows: 1, cols: 2)
        let t = [1e-2, 1e-1, 1, 10, 100]
        fig[0, 0].line(t, t.map { 1e-3 / (1 + $0) }, label: "w")
        fig[0, 0].scatter(t, t.map { 2e-3 / (1 + $0) }, label: "sim", marker: .triangle)
        fig[0, 0].errorBars(t, t.map { 2e-3 / (1 + $0) }, lower: t.map { 1.5e-3 / (1 + $0) }, upper: t.map { 2.5e-3 / (1 + $0) })
        fig[0, 0].xScale = .log
        fig[0, 0].yScale = .log
        fig[0, 0].xLabel = "$t$"
        let z = [[0.0, 0.1, 0.2], [0.3, 0.4, 0.5]]
        fig[0, 1].heatmap(x: [10, 100, 1000], y: [0.01, 0.1], z: z)
        fig[0, 1].xScale = .log
        fig[0, 1].yScale = .log
        fig[0, 1].colorbarLabel = "$P$"
        return fig
    }

    /// Golden: contour lines, filled contours, × markers, a text annotation, a step line.
    static func goldenContours() -> Figure {
        var fig = Figure(width: 300, height: 150, rows: 1, cols: 2)
        let xs = linspace(-2, 2, 9), ys = linspace(-2, 2, 9)
        let z = ys.map { y in xs.map { x in x * x + y * y } }
        fig[0, 0].contour(x: xs, y: ys, z: z, levels: [0.5, 1, 2])
        fig[0, 0].scatter([0], [0], marker: .cross)
        fig[0, 0].text("×: mode", x: 0.05, y: 0.05, coordinates: .axes)
        fig[0, 0].equalAspect = true
        fig[0, 1].filledContour(x: xs, y: ys, z: z, levels: [0, 1, 2, 4, 8])
        fig[0, 1].step([-2, -1, 0, 1, 2], [1, -1, 0.5, 1.5, 0], style: LineStyle(color: .white), mode: .post)
        return fig
    }

    /// Every mark type and scale in one figure (rasterisation, validity, determinism).
    static func everything() -> Figure {
        var fig = Figure(width: 504, height: 320, rows: 2, cols: 3)
        fig.title = "Everything: α₊, $|\\mu|^{2}$, $10^{-3}$"
        let x = linspace(0, 10, 500)
        fig[0, 0].line(x, x.map { Foundation.sin($0) }, label: "solid")
        fig[0, 0].line(x, x.map { Foundation.cos($0) }, label: "dashed", style: .dashed)
        fig[0, 0].line(x, x.map { 0.5 * Foundation.sin(2 * $0) }, label: "dotted", style: .dotted)
        fig[0, 0].band(x, lower: x.map { Foundation.sin($0) - 0.1 }, upper: x.map { Foundation.sin($0) + 0.1 }, label: "solid")
        fig[0, 0].vline(5)
        fig[0, 0].hline(0)
        fig[0, 0].text("note", x: 5.2, y: 0.8)
        for (k, shape) in MarkerShape.allCases.enumerated() {
            fig[0, 1].scatter([Double(k)], [Double(k)], label: shape.rawValue, marker: Marker(shape, filled: k % 2 == 0))
        }
        fig[0, 1].errorBars([0, 1, 2], [0, 1, 2], err: [0.3, 0.2, 0.1], label: "err")
        fig[0, 1].legend = .outsideRight
        let d = [2.0, 10, 100, 1000, 5000]
        fig[0, 2].step(d, [0, 0.1, 0.5, 0.9, 1], label: "step")
        fig[0, 2].xScale = .log
        let t = linspace(-3, 2, 100).map { Foundation.pow(10, $0) }
        fig[1, 0].line(t, t.map { 1e-7 + 3e-3 * Foundation.exp(-$0) })
        fig[1, 0].xScale = .log
        fig[1, 0].yScale = .log
        let xs = linspace(-3, 3, 31), ys = linspace(-3, 3, 31)
        let z = ys.map { y in xs.map { x in Foundation.exp(-((x - 1) * (x - 1) + y * y)) + Foundation.exp(-((x + 1) * (x + 1) + y * y)) } }
        fig[1, 1].heatmap(x: xs, y: ys, z: z)
        fig[1, 1].contour(x: xs, y: ys, z: z, levels: [0.2, 0.5, 0.8], color: .white)
        fig[1, 1].colorbarLabel = "density"
        fig[1, 2].filledContour(x: xs, y: ys, z: z)
        fig[1, 2].scatter([-1, 1], [0, 0], marker: .cross)
        fig[1, 2].xScale = .symlog(linearThreshold: 1)
        return fig
    }

    static let all: [(String, @Sendable () -> Figure)] = [
        ("golden-lines", goldenLines), ("golden-log-heatmap", goldenLogHeatmap),
        ("golden-contours", goldenContours), ("everything", everything),
    ]
}
