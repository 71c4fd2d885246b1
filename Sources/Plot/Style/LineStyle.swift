/// The dash pattern of a stroke, scaled by its width like matplotlib's.
public enum Dash: Sendable, Equatable {
    case solid, dashed, dotted, dashDot
    /// A custom pattern in points (on, off, on, off, …).
    case custom([Double])

    func dashArray(width: Double) -> [Double]? {
        let w = Swift.max(width, 0.5)
        switch self {
        case .solid: return nil
        case .dashed: return [3.7 * w, 1.6 * w]
        case .dotted: return [1.0 * w, 1.65 * w]
        case .dashDot: return [6.4 * w, 1.6 * w, 1.0 * w, 1.6 * w]
        case .custom(let a): return a.isEmpty ? nil : a
        }
    }
}

/// Marker shapes. `cross` is ×, `plus` is +; both are stroked, the others filled (or hollow).
public enum MarkerShape: String, Sendable, Equatable, CaseIterable {
    case circle, square, triangle, diamond, cross, plus
}

/// A marker drawn at each data point.
public struct Marker: Sendable, Equatable {
    public var shape: MarkerShape
    /// Size (diameter of the circumscribed circle for circles; box side otherwise) in points.
    public var size: Double
    /// Filled with the series colour, or hollow (white inside).
    public var filled: Bool
    /// nil: the series colour.
    public var color: Color?
    /// Stroke width for × and + and for hollow outlines (points).
    public var lineWidth: Double

    public init(_ shape: MarkerShape = .circle, size: Double = 4.5, filled: Bool = true,
                color: Color? = nil, lineWidth: Double = 1.0) {
        self.shape = shape; self.size = size; self.filled = filled; self.color = color
        self.lineWidth = lineWidth
    }

    public static let circle = Marker(.circle)
    public static let square = Marker(.square, size: 4.2)
    public static let triangle = Marker(.triangle, size: 5)
    public static let diamond = Marker(.diamond, size: 5)
    public static let cross = Marker(.cross, size: 5, lineWidth: 1.2)
    public static let plus = Marker(.plus, size: 5.5, lineWidth: 1.2)
    public static let hollowCircle = Marker(.circle, filled: false)
}

/// How a line is stroked.
public struct LineStyle: Sendable, Equatable {
    /// nil: the next colour of the theme's palette (lines and scatters), or the colour of the
    /// previous series in the panel (bands and error bars, so a band follows its line).
    public var color: Color?
    /// nil: the theme's line width.
    public var width: Double?
    public var dash: Dash
    /// Markers at the vertices, if any.
    public var marker: Marker?
    public var opacity: Double

    public init(color: Color? = nil, width: Double? = nil, dash: Dash = .solid,
                marker: Marker? = nil, opacity: Double = 1) {
        self.color = color; self.width = width; self.dash = dash; self.marker = marker
        self.opacity = opacity
    }

    public static let solid = LineStyle()
    public static let dashed = LineStyle(dash: .dashed)
    public static let dotted = LineStyle(dash: .dotted)
    /// The default look of reference lines: thin, grey, dashed.
    public static let reference = LineStyle(color: .gray, width: 0.8, dash: .dashed)

    public static func color(_ c: Color) -> LineStyle { LineStyle(color: c) }
}
