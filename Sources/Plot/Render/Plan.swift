/// Everything decided about one panel before drawing: limits, which labels show, its colour
/// scale and legend, and (after layout) its rectangle and ticks.
struct PanelPlan: Sendable {
    let index: Int, row: Int, col: Int
    let panel: Panel
    let colors: [Color]
    var xLo: Double, xHi: Double, yLo: Double, yHi: Double
    var showXTickLabels = true, showYTickLabels = true
    var showXLabel = true, showYLabel = true
    var colorScale: ColorScale?
    var legend: [LegendEntry] = []
    var letter: String?

    var rect = Rect(x: 0, y: 0, width: 1, height: 1)
    var cellLeft = 0.0
    /// Top of the plot area before an equal-aspect shrink: letters align to it across a row.
    var rowTop = 0.0
    var xTicks = AxisTicks(ticks: [], multiplier: nil)
    var yTicks = AxisTicks(ticks: [], multiplier: nil)
    var colorbarTicks: AxisTicks?

    var place: String { "panel (\(row), \(col))" }

    var xMap: AxisMap { AxisMap(scale: panel.xScale, lo: xLo, hi: xHi, p0: rect.minX, p1: rect.maxX) }
    var yMap: AxisMap { AxisMap(scale: panel.yScale, lo: yLo, hi: yHi, p0: rect.maxY, p1: rect.minY) }

    /// The legend box size (points), or nil when there is no legend.
    func legendSize(_ theme: Theme) -> (Double, Double)? {
        guard panel.legend != .none, !legend.isEmpty else { return nil }
        return LegendRenderer.size(legend, theme: theme)
    }
}

/// Space a panel needs around its plot area (points).
struct Gutters: Sendable {
    var left = 0.0, right = 0.0, top = 0.0, bottom = 0.0
}
