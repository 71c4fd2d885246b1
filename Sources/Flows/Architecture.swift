import Random

/// The conditioner's nonlinearity.
public enum Activation: String, Sendable, CaseIterable {
    case tanh, relu
}

/// What a RealNVP flow looks like: dimension, coupling layers, conditioner.
public struct FlowArchitecture: Sendable, Equatable {
    public var dim: Int
    public var couplingLayers: Int
    /// Widths of the conditioner's hidden layers (e.g. [64, 64]).
    public var hidden: [Int]
    public var activation: Activation
    /// c: the conditioner's last layer starts with weights ~ N(0, c²/H).
    /// c = 0.01 is near the identity; c = 3 is a far start.
    public var lastLayerScale: Double

    public init(dim: Int, couplingLayers: Int = 8, hidden: [Int] = [64, 64], activation: Activation = .tanh,
                lastLayerScale: Double = 0.01) {
        self.dim = dim
        self.couplingLayers = couplingLayers
        self.hidden = hidden
        self.activation = activation
        self.lastLayerScale = lastLayerScale
    }

    /// The conditioning (identity) coordinates of each coupling layer; the other
    /// coordinates are transformed. d = 2: alternating {0}, {1}, {0}, ... For
    /// d > 2: each pair of layers uses a fresh random subset of ⌊d/2⌋
    /// coordinates and then its complement (partial Fisher–Yates on `rng`).
    public func conditioningSets(rng: inout Xoshiro256) -> [[Int]] {
        precondition(dim >= 2)
        if dim == 2 { return (0..<couplingLayers).map { [$0 % 2] } }
        var sets: [[Int]] = []
        let k = dim / 2
        while sets.count < couplingLayers {
            var idx = Array(0..<dim)
            for i in 0..<k { idx.swapAt(i, i + rng.nextInt(below: dim - i)) }
            let subset = idx[0..<k].sorted()
            sets.append(subset)
            if sets.count < couplingLayers {
                sets.append((0..<dim).filter { !subset.contains($0) })
            }
        }
        return sets
    }
}
