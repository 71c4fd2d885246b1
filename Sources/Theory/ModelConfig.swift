import Annealing

/// How the mixture weight w = w₊ behaves (model.md, "Setting").
public enum WeightMode: Sendable, Equatable {
    /// w frozen at the given value (mean alignment in isolation).
    case fixed(Double)
    /// w = σ(θ), θ̇ = -w(1-w) ∂w L (vanishing weight).
    case trainable

    public var isTrainable: Bool { self == .trainable }
}

/// A tempering schedule β(t) from β₀ to 1 over τ, then 1 (model.md,
/// "Extensions"): the shared `Annealing` type, shapes constant, linear
/// (default), exponential, geometric; `BetaSchedule.constant` is β ≡ 1.
public typealias BetaSchedule = AnnealingSchedule

/// Tempering of the target during the flow (model.md, "Extensions").
public enum Tempering: Sendable, Equatable {
    case none
    /// Target p^β: every target term of the gradients × β(t).
    case power(BetaSchedule)
    /// Target variance σp²/β(t).
    case variance(BetaSchedule)
}

/// Everything the closed overlap system depends on besides its state.
/// (The tempered target at a time: `temperedTarget(at:)`, the one rule the
/// overlap ODE, the vector flow and the particles share.)
public struct ModelConfig: Sendable, Equatable {
    public var target: Target
    /// Variance s of each variational component.
    public var s: Double
    public var weights: WeightMode
    public var tempering: Tempering
    /// The dimension d: enters the dynamics only through the initial
    /// condition, and the KL value through its d-dependent constant.
    public var d: Int

    public init(target: Target, s: Double = 1, weights: WeightMode, tempering: Tempering = .none, d: Int) {
        self.target = target
        self.s = s
        self.weights = weights
        self.tempering = tempering
        self.d = d
    }
}

extension ModelConfig {
    /// The target at time t under the tempering (model.md, "Extensions"): its
    /// component variance (σp²/β(t) under variance tempering, else σp²) and the
    /// factor on its terms of the gradients (β(t) under power tempering, else 1).
    @inline(__always)
    public func temperedTarget(at t: Double) -> (sigmaP2: Double, factor: Double) {
        let sp2 = target.sigmaP2
        switch tempering {
        case .none: return (sp2, 1)
        case .power(let b): return (sp2, b.beta(t))
        case .variance(let b): return (sp2 / b.beta(t), 1)
        }
    }
}
