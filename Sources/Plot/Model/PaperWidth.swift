/// Widths that fit a paper's columns. A figure resized to one is laid out again at that width:
/// text keeps its point size (the theme's), so a narrower figure gets less room, not smaller type.
public enum PaperWidth: Sendable, Equatable {
    /// One column of a two-column journal page: 3.4 in.
    case singleColumn
    /// The full text width of a two-column page: 7 in.
    case doubleColumn
    /// Any width, in inches.
    case inches(Double)

    /// The width in points (1 in = 72 pt).
    public var points: Double {
        switch self {
        case .singleColumn: 244.8   // 3.4 × 72, written exactly
        case .doubleColumn: 7 * 72
        case .inches(let w): w * 72
        }
    }

    /// `single`, `double` or a number of inches, as written in a pipeline; nil if none of these.
    public init?(_ text: String) {
        switch text {
        case "single": self = .singleColumn
        case "double": self = .doubleColumn
        default:
            guard let w = Double(text), w.isFinite, w > 0 else { return nil }
            self = .inches(w)
        }
    }
}

extension Figure {
    /// This figure at `width`; its height is `heightInches` if given, else it keeps its aspect ratio.
    public func resized(to width: PaperWidth, heightInches: Double? = nil) -> Figure {
        var f = self
        f.width = width.points
        f.height = heightInches.map { $0 * 72 } ?? height * width.points / self.width
        return f
    }
}
