import Foundation

/// The shape of an annealing ramp β(t) from β₀ to 1 (see `AnnealingSchedule`).
public enum AnnealingShape: String, CaseIterable, Sendable {
    /// β₀ held until τ, then 1.
    case constant
    /// β₀ + (1 - β₀)·x, x = t/τ.
    case linear
    /// β₀ + (1 - β₀)·(1 - e^{-a x})/(1 - e^{-a}), a = `AnnealingSchedule.exponentialRate`:
    /// the exponential relaxation towards 1, normalised to reach 1 exactly at τ
    /// (equivalently 1 - (1 - β₀)(e^{-a x} - e^{-a})/(1 - e^{-a})). Fast early, slow late.
    case exponential
    /// β₀^{1 - x}: log β rises linearly from log β₀ to 0 (β grows by a
    /// constant factor per unit time). Slow early, fast late.
    case geometric
}

/// An annealing schedule (inverse temperature) β(t) rising from β₀ to 1 over a
/// time τ and then held at 1, shared by the ODE, particle and flow kinds (for
/// flows, t and τ count optimiser steps). With x = min(max(t/τ, 0), 1):
///
///     constant     β = β₀ for t < τ, 1 for t ≥ τ
///     linear       β = β₀ + (1 - β₀) x
///     exponential  β = β₀ + (1 - β₀) (1 - e^{-a x}) / (1 - e^{-a}),  a = 5
///     geometric    β = β₀^{1 - x}
///
/// Every shape gives β(0) = β₀ and β(t) = 1 for t ≥ τ exactly, and is
/// nondecreasing; β₀ = 1 gives β ≡ 1 (exactly 1, whatever the shape).
/// The linear shape is evaluated as β₀ + (1 − β₀)·x in that order: the
/// committed artifacts' bits depend on it.
public struct AnnealingSchedule: Sendable, Equatable {
    public var beta0: Double
    public var tau: Double
    public var shape: AnnealingShape

    /// The rate a of the exponential shape (e^{-5} ≈ 0.0067: about 99% of the
    /// rise is done by τ before the normalisation).
    public static let exponentialRate = 5.0

    public init(beta0: Double, tau: Double, shape: AnnealingShape = .linear) {
        self.beta0 = beta0
        self.tau = tau
        self.shape = shape
    }

    /// β ≡ 1 (no annealing).
    public static let constant = AnnealingSchedule(beta0: 1, tau: 1)

    /// β at time (or step) t.
    @inlinable
    public func beta(_ t: Double) -> Double {
        switch shape {
        case .linear:
            // This expression and order exactly: the artifacts' bits depend on it.
            return beta0 == 1 ? 1 : beta0 + (1 - beta0) * min(max(t / tau, 0), 1)
        case .constant:
            return beta0 == 1 || t >= tau ? 1 : beta0
        case .exponential:
            let x = min(max(t / tau, 0), 1)
            if beta0 == 1 || x >= 1 { return 1 }
            let a = Self.exponentialRate
            // (1 - e^{-a x})/(1 - e^{-a}) with expm1: 0 at x = 0, 1 at x = 1 exactly.
            return beta0 + (1 - beta0) * (expm1(-a * x) / expm1(-a))
        case .geometric:
            let x = min(max(t / tau, 0), 1)
            if beta0 == 1 || x >= 1 { return 1 }
            return pow(beta0, 1 - x)
        }
    }
}
