/// Where a line's steps sit relative to its points (like matplotlib's `drawstyle="steps-…"`).
public enum StepMode: Sendable, Equatable {
    /// The value at xᵢ holds until xᵢ₊₁ (`steps-post`): empirical CDFs, piecewise-constant data.
    case post
    /// The value at xᵢ holds from xᵢ₋₁ (`steps-pre`).
    case pre
    /// Steps halfway between points (`steps-mid`): histograms given bin centres.
    case mid
}

/// Which coordinates a text annotation uses.
public enum Coordinates: Sendable, Equatable {
    /// Data coordinates of the panel.
    case data
    /// Fractions of the plot area: (0, 0) bottom left, (1, 1) top right.
    case axes
}

/// Text alignment of an annotation relative to its anchor point.
public enum TextAlign: Sendable, Equatable {
    case left, center, right
    var anchor: TextRenderer.Anchor {
        switch self { case .left: return .start; case .center: return .middle; case .right: return .end }
    }
}

/// How values map to colours in heat maps and colour-mapped contours.
public enum ColorNorm: Sendable, Equatable {
    case linear
    /// log₁₀ of the value; values ≤ 0 are not drawn.
    case log
}

/// A heat map: a grid of values drawn as coloured cells.
public struct Heatmap: Sendable, Equatable {
    /// Cell centres (n values) or edges (n + 1 values), increasing.
    public var x: [Double]
    public var y: [Double]
    /// z[j][i] is the cell at column i (x) and row j (y). Non-finite cells are left empty.
    public var z: [[Double]]
    public var colormap: Colormap?
    /// The values mapped to the ends of the colormap (default: the finite data range).
    public var range: ClosedRange<Double>?
    public var norm: ColorNorm
}

/// Contour lines or filled contours of a gridded function.
public struct ContourSet: Sendable, Equatable {
    public var x: [Double]
    public var y: [Double]
    /// z[j][i] = f(x[i], y[j]).
    public var z: [[Double]]
    /// Levels, increasing (default: nice values spanning the data).
    public var levels: [Double]?
    public var filled: Bool
    /// One colour for all lines (default for line contours: the colormap by level).
    public var color: Color?
    public var colormap: Colormap?
    public var lineWidth: Double?
    public var dash: Dash
    public var opacity: Double
}

/// Everything a panel can draw.
enum MarkKind: Sendable, Equatable {
    case line(xs: [Double], ys: [Double], style: LineStyle, step: StepMode?)
    case scatter(xs: [Double], ys: [Double], marker: Marker, color: Color?)
    case errorBars(xs: [Double], ys: [Double], lower: [Double], upper: [Double], color: Color?, width: Double, cap: Double)
    case band(xs: [Double], lower: [Double], upper: [Double], color: Color?, opacity: Double?)
    case hline(y: Double, style: LineStyle)
    case vline(x: Double, style: LineStyle)
    case text(String, x: Double, y: Double, coordinates: Coordinates, align: TextAlign, color: Color?, size: Double?)
    case heatmap(Heatmap)
    case contour(ContourSet)
}

/// A mark with its legend label.
struct Mark: Sendable, Equatable {
    var kind: MarkKind
    var label: String?

    /// Drawing order like matplotlib's default z-orders: images and fills, then bands, then
    /// lines and points, then text. Marks of equal rank keep the order they were added in.
    var layer: Int {
        switch kind {
        case .heatmap: return 0
        case .contour(let c): return c.filled ? 0 : 2
        case .band: return 1
        case .hline, .vline, .line, .scatter, .errorBars: return 2
        case .text: return 3
        }
    }

    var name: String {
        let what: String
        switch kind {
        case .line: what = "line"
        case .scatter: what = "scatter"
        case .errorBars: what = "error bars"
        case .band: what = "band"
        case .hline: what = "hline"
        case .vline: what = "vline"
        case .text: what = "text"
        case .heatmap: what = "heatmap"
        case .contour: what = "contour"
        }
        return label.map { "\(what) “\($0)”" } ?? what
    }
}
