/// Errors raised while building or rendering a figure. Messages name the panel and the mark.
public enum PlotError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Malformed input (mismatched lengths, a grid of the wrong shape, …).
    case invalidData(String)
    /// An axis range that cannot be drawn: non-finite limits, or limits ≤ 0 on a log axis.
    case invalidRange(String)
    /// A panel index outside the figure's grid.
    case noSuchPanel(row: Int, col: Int)

    public var description: String {
        switch self {
        case .invalidData(let s): return "plot: invalid data: \(s)"
        case .invalidRange(let s): return "plot: invalid axis range: \(s)"
        case .noSuchPanel(let r, let c): return "plot: no panel at row \(r), column \(c)"
        }
    }
}
