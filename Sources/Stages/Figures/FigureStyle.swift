// Shared look of the paper figures (sizes, colours, label conventions).
import Plot

enum FigureStyle {
    /// Width of a full-page figure, in points (7 in).
    static let fullWidth = 504.0
}
