import StageAPI
import TheoryStages
import ParticleStages
import FlowStages
import FigureStages
import ClaimStages
import GalleryStages

/// Every stage kind this binary knows (besides the engine's generic `shell`).
public enum StageKinds {
    public static var all: [any StageKind] {
        [
            // Theory: the overlap ODE of model.md.
            ODEStage(),
            SweepStage(),
            FixedPointStage(),
            ODEEventStage(),
            // Finite-d simulations (Monte-Carlo gradients).
            ParticlesStage(),
            // Normalizing flows.
            FlowStage(),
            // Figures, claims, gallery.
            FigureKind(),
            ClaimsKind(),
            GalleryKind(),
        ]
    }
}
