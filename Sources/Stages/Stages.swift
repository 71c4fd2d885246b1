import Engine

/// Every stage kind this binary knows.
public enum StageKinds {
    public static var all: [any StageKind] {
        [
            ODEStage(),
            SweepStage(),
            FixedPointStage(),
            ODEEventStage(),
            ParticlesStage(),
        ]
    }
}
