/// Fonts, sizes and colours of a figure. Every field can be overridden per figure
/// (`fig.theme.tickFontSize = 7`). Sizes are in points; the defaults suit a 7-inch
/// (504 pt) wide journal figure printed at 100 %.
public struct Theme: Sendable, Equatable {
    public var fontFamily = "DejaVu Sans, Arial, Helvetica, sans-serif"
    public var tickFontSize = 8.0
    public var labelFontSize = 9.0
    public var titleFontSize = 9.0
    public var legendFontSize = 8.0
    public var annotationFontSize = 8.0
    public var letterFontSize = 11.0

    public var palette = Palette.okabeIto
    public var colormap = Colormap.viridis
    public var background = Color.white
    public var textColor = Color.black
    public var axisColor = Color.black

    public var lineWidth = 1.5
    public var axisLineWidth = 0.8
    public var majorTickLength = 3.5
    public var minorTickLength = 2.0
    public var majorTickWidth = 0.8
    public var minorTickWidth = 0.6
    /// Gap between a tick and its label.
    public var tickLabelPad = 2.5
    /// Gap between tick labels and the axis label.
    public var labelPad = 4.0

    /// Draw light grid lines at the major ticks.
    public var grid = false
    public var gridColor = Color(hex: 0xE0E0E0)
    public var gridWidth = 0.5
    /// Draw only the left and bottom spines.
    public var openSpines = false

    /// Space around the whole figure, and between panels.
    public var outerPad = 5.0
    public var panelSpacing = 10.0
    /// Fractional padding added to auto-scaled data ranges (not to heat maps and contours).
    public var dataMargin = 0.04

    /// Band fill opacity when not given.
    public var bandOpacity = 0.25
    /// Polyline simplification tolerance in points (Ramer–Douglas–Peucker): well under a
    /// device pixel at 300 dpi (0.24 pt), so the drawing is unchanged.
    public var simplifyTolerance = 0.05

    /// Legend box.
    public var legendFrameColor = Color(hex: 0xCCCCCC)
    public var legendBackgroundOpacity = 0.85
    public var legendSampleLength = 16.0

    /// Colour bar width and the gap to its panel.
    public var colorbarWidth = 8.0
    public var colorbarPad = 6.0

    public init() {}

    /// The default light theme.
    public static let `default` = Theme()
}
