/// How panels are lettered.
public enum PanelLetters: Sendable, Equatable {
    /// Bold lower-case letters (a, b, c …) when the figure has more than one panel.
    case automatic
    /// Bold lower-case letters, always.
    case bold
    /// "(a)", "(b)" …, always.
    case parenthesized
    case none
}

/// A figure: a `rows × cols` grid of panels on a `width × height` page (points).
///
/// ```swift
/// var fig = Figure(width: 504, height: 220, rows: 1, cols: 2)
/// fig[0, 0].line(ts, alphaPlus, label: "$\\alpha_{+}$")
/// fig[0, 0].xScale = .log
/// let svg = try fig.svg()
/// ```
public struct Figure: Sendable, Equatable {
    public var width: Double
    public var height: Double
    public let rows: Int
    public let cols: Int
    public var theme: Theme
    /// Panels of one column share the x range; tick labels and x labels only on the bottom row.
    public var shareX = false
    /// Panels of one row share the y range; tick labels and y labels only on the left column.
    public var shareY = false
    public var panelLetters: PanelLetters = .automatic
    /// A title above all panels.
    public var title: String?
    /// Panels in row-major order.
    public var panels: [Panel]

    public init(width: Double = 504, height: Double = 360, rows: Int = 1, cols: Int = 1,
                theme: Theme = .default) {
        precondition(rows >= 1 && cols >= 1, "a figure needs at least one panel")
        precondition(width > 0 && height > 0 && width.isFinite && height.isFinite, "figure size must be positive")
        self.width = width; self.height = height; self.rows = rows; self.cols = cols
        self.theme = theme
        self.panels = Array(repeating: Panel(), count: rows * cols)
    }

    /// The panel at (row, col), counted from the top left. Out-of-range indices trap.
    public subscript(row: Int, col: Int) -> Panel {
        get { panels[index(row, col)] }
        set { panels[index(row, col)] = newValue }
        _modify { yield &panels[index(row, col)] }
    }

    /// Builds the panel at (row, col) in a closure: `fig.panel(0, 1) { $0.line(xs, ys) }`.
    public mutating func panel(_ row: Int, _ col: Int, _ build: (inout Panel) throws -> Void) rethrows {
        try build(&panels[index(row, col)])
    }

    private func index(_ row: Int, _ col: Int) -> Int {
        precondition(row >= 0 && row < rows && col >= 0 && col < cols,
                     "panel (\(row), \(col)) is outside the \(rows)×\(cols) grid")
        return row * cols + col
    }

    /// The figure as an SVG 1.1 document (UTF-8, LF line ends, trailing newline). The same
    /// figure always gives the same bytes.
    public func svg() throws -> String {
        try FigureRenderer(figure: self).render()
    }
}
