import Engine

/// Every stage kind this binary knows (besides the engine's generic `shell`).
public enum StageKinds {
    public static var all: [any StageKind] {
        [
            FlowStage(),
            FigureKind(),
            ClaimsKind(),
            GalleryKind(),
        ]
    }
}
