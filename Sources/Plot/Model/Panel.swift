/// Where a panel's legend goes.
public enum LegendPosition: Sendable, Equatable {
    /// Inside the plot area, in the corner or side that covers the fewest data (matplotlib's "best").
    case best
    case upperRight, upperLeft, lowerLeft, lowerRight, upperCenter, lowerCenter, centerLeft, centerRight
    /// Outside, to the right of the plot area (the layout makes room).
    case outsideRight
    /// No legend, even if marks have labels.
    case none
}

/// One plot area: scales, labels, and the marks drawn in it.
///
/// Marks are added with the mutating methods (`line`, `scatter`, `band`, …) and drawn in the
/// order of their kind (fills, bands, lines and points, text), then in the order added. Data
/// points with a non-finite coordinate — or a value ≤ 0 on a log axis — are skipped: a line
/// breaks there, a marker or cell is not drawn. Everything else that is wrong with the data
/// (mismatched lengths, a malformed grid) makes `Figure.svg()` throw.
public struct Panel: Sendable, Equatable {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var xScale: Scale = .linear
    public var yScale: Scale = .linear
    /// Fixed axis limits; nil: from the data with the theme's margin.
    public var xLimits: ClosedRange<Double>?
    public var yLimits: ClosedRange<Double>?
    /// Fixed tick positions (labels are formatted like automatic ones), or nil for automatic.
    public var xTicks: [Double]?
    public var yTicks: [Double]?
    public var legend: LegendPosition = .best
    /// Same scale for x and y in figure units (circles look round).
    public var equalAspect = false
    /// Shows a colour bar for the first colour-mapped mark (heat map or filled contour).
    public var showColorbar = true
    public var colorbarLabel: String?
    /// Light grid lines at the major ticks (default: the theme's).
    public var grid: Bool?

    var marks: [Mark] = []

    public init() {}

    /// A line through (xs[i], ys[i]); optionally stepped and with markers (`style.marker`).
    public mutating func line(_ xs: [Double], _ ys: [Double], label: String? = nil,
                              style: LineStyle = .solid, step: StepMode? = nil) {
        marks.append(Mark(kind: .line(xs: xs, ys: ys, style: style, step: step), label: label))
    }

    /// A line with a step `drawstyle`.
    public mutating func step(_ xs: [Double], _ ys: [Double], label: String? = nil,
                              style: LineStyle = .solid, mode: StepMode = .post) {
        line(xs, ys, label: label, style: style, step: mode)
    }

    /// Points, each drawn as `marker`.
    public mutating func scatter(_ xs: [Double], _ ys: [Double], label: String? = nil,
                                 marker: Marker = .circle, color: Color? = nil) {
        marks.append(Mark(kind: .scatter(xs: xs, ys: ys, marker: marker, color: color), label: label))
    }

    /// Vertical error bars from `lower[i]` to `upper[i]` at each x (absolute values, e.g. a
    /// Wilson interval), with caps. Colour: that of the previous series unless given.
    public mutating func errorBars(_ xs: [Double], _ ys: [Double], lower: [Double], upper: [Double],
                                   label: String? = nil, color: Color? = nil, width: Double = 1.0,
                                   capSize: Double = 2.5) {
        marks.append(Mark(kind: .errorBars(xs: xs, ys: ys, lower: lower, upper: upper, color: color,
                                           width: width, cap: capSize), label: label))
    }

    /// Symmetric error bars: ys[i] ± err[i].
    public mutating func errorBars(_ xs: [Double], _ ys: [Double], err: [Double], label: String? = nil,
                                   color: Color? = nil) {
        // Mismatched lengths surface as a clear error from svg().
        errorBars(xs, ys, lower: zip(ys, err).map { $0 - $1 }, upper: zip(ys, err).map { $0 + $1 },
                  label: label, color: color)
    }

    /// A shaded band between `lower` and `upper` (e.g. a confidence interval). Colour: that of
    /// the previous series unless given; opacity: the theme's `bandOpacity` unless given.
    public mutating func band(_ xs: [Double], lower: [Double], upper: [Double], label: String? = nil,
                              color: Color? = nil, opacity: Double? = nil) {
        marks.append(Mark(kind: .band(xs: xs, lower: lower, upper: upper, color: color, opacity: opacity),
                          label: label))
    }

    /// A horizontal reference line across the panel.
    public mutating func hline(_ y: Double, label: String? = nil, style: LineStyle = .reference) {
        marks.append(Mark(kind: .hline(y: y, style: style), label: label))
    }

    /// A vertical reference line across the panel.
    public mutating func vline(_ x: Double, label: String? = nil, style: LineStyle = .reference) {
        marks.append(Mark(kind: .vline(x: x, style: style), label: label))
    }

    /// A text annotation (rich-text markup) with its baseline at (x, y).
    public mutating func text(_ text: String, x: Double, y: Double, coordinates: Coordinates = .data,
                              align: TextAlign = .left, color: Color? = nil, size: Double? = nil) {
        marks.append(Mark(kind: .text(text, x: x, y: y, coordinates: coordinates, align: align,
                                      color: color, size: size), label: nil))
    }

    /// A heat map of z[j][i] over cell centres or edges `x`, `y`.
    public mutating func heatmap(x: [Double], y: [Double], z: [[Double]], colormap: Colormap? = nil,
                                 range: ClosedRange<Double>? = nil, norm: ColorNorm = .linear) {
        marks.append(Mark(kind: .heatmap(Heatmap(x: x, y: y, z: z, colormap: colormap, range: range,
                                                 norm: norm)), label: nil))
    }

    /// Contour lines of z[j][i] = f(x[i], y[j]) (marching squares). One colour for all lines,
    /// or the colormap by level.
    public mutating func contour(x: [Double], y: [Double], z: [[Double]], levels: [Double]? = nil,
                                 label: String? = nil, color: Color? = nil, colormap: Colormap? = nil,
                                 lineWidth: Double? = nil, dash: Dash = .solid, opacity: Double = 1) {
        marks.append(Mark(kind: .contour(ContourSet(x: x, y: y, z: z, levels: levels, filled: false,
                                                    color: color, colormap: colormap, lineWidth: lineWidth,
                                                    dash: dash, opacity: opacity)), label: label))
    }

    /// Filled contours: the bands between consecutive levels, coloured by the colormap (values
    /// above the last level take the top band's colour; values below the first are not filled).
    public mutating func filledContour(x: [Double], y: [Double], z: [[Double]], levels: [Double]? = nil,
                                       colormap: Colormap? = nil, opacity: Double = 1) {
        marks.append(Mark(kind: .contour(ContourSet(x: x, y: y, z: z, levels: levels, filled: true,
                                                    color: nil, colormap: colormap, lineWidth: nil,
                                                    dash: .solid, opacity: opacity)), label: nil))
    }

    /// True when nothing has been added.
    public var isEmpty: Bool { marks.isEmpty }
}
