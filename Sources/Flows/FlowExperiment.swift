import Foundation
import Parallel
import Random
import Synchronization

/// A square grid [lo, hi]² with `count` points per axis (d = 2 densities).
public struct Grid2D: Sendable, Equatable {
    public var lo: Double
    public var hi: Double
    public var count: Int
    public init(lo: Double, hi: Double, count: Int) {
        self.lo = lo
        self.hi = hi
        self.count = count
    }
    public func coordinate(_ i: Int) -> Double {
        count == 1 ? lo : lo + (hi - lo) * Double(i) / Double(count - 1)
    }
}

/// One training run per seed, with what the figures need logged on the way.
/// Per seed, streams (seed, "flows.masks" / "flows.init" / "flows.batch" /
/// "flows.eval") are independent, so a seed's result never depends on which
/// other seeds run, in what order, or on how many threads.
public struct FlowExperiment: Sendable {
    public var architecture: FlowArchitecture
    public var target: GaussianMixtureTarget
    public var training: TrainingConfig
    public var steps: Int
    /// Metrics every `logEvery` steps (and at 0 and `steps`).
    public var logEvery: Int
    /// The fixed evaluation batch (ŵ₊, KL, α±).
    public var evalCount: Int
    /// Steps (0 = initialisation) at which to keep samples and densities.
    public var snapshotSteps: [Int]
    /// Samples kept per snapshot: the first images of the evaluation batch.
    public var sampleCount: Int
    /// Density grid at each snapshot (d = 2 only).
    public var grid: Grid2D?

    public init(architecture: FlowArchitecture, target: GaussianMixtureTarget, training: TrainingConfig,
                steps: Int, logEvery: Int = 10, evalCount: Int = 4096, snapshotSteps: [Int] = [],
                sampleCount: Int = 0, grid: Grid2D? = nil) {
        self.architecture = architecture
        self.target = target
        self.training = training
        self.steps = steps
        self.logEvery = logEvery
        self.evalCount = evalCount
        self.snapshotSteps = snapshotSteps
        self.sampleCount = sampleCount
        self.grid = grid
    }

    public struct LogRow: Sendable, Equatable {
        public var step: Int
        /// The training batch's loss at this step (nil at the final step, which takes none).
        public var batchLoss: Estimate?
        public var metrics: FlowMetrics
    }

    public struct Snapshot: Sendable, Equatable {
        public var step: Int
        /// sampleCount × d, row-major.
        public var samples: [Double]
        /// grid.count² log-densities, x-major (i·count + j ↔ (x_i, y_j)).
        public var logDensity: [Double]
    }

    public struct SeedResult: Sendable, Equatable {
        public var seed: UInt64
        public var log: [LogRow]
        public var snapshots: [Snapshot]
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The training loss became NaN or infinite at this step.
        case nonFiniteLoss(seed: UInt64, step: Int, value: Double)
        public var description: String {
            switch self {
            case .nonFiniteLoss(let seed, let step, let value):
                "seed \(seed): the loss became \(value) at step \(step)"
            }
        }
    }

    /// Trains one seed. `tick` is called after every step (for progress and
    /// cancellation: it may throw to stop).
    public func run(seed: UInt64, tick: () throws -> Void = {}) throws -> SeedResult {
        let flow = RealNVP(architecture, maskSeed: seed)
        let trainer = ReverseKLTrainer(flow: flow, target: target, config: training, seed: seed)
        let d = flow.dim
        var evalRNG = Xoshiro256(seed: seed, stream: "flows.eval")
        let evalZ = Buffer(evalCount * d)
        evalRNG.fillNormal(UnsafeMutableBufferPointer(start: evalZ.pointer, count: evalZ.count))
        let images = Buffer(evalCount * d)
        var gridPoints: Buffer?
        if let grid, d == 2 {
            let g = Buffer(grid.count * grid.count * 2)
            for i in 0..<grid.count {
                for j in 0..<grid.count {
                    g[2 * (i * grid.count + j)] = grid.coordinate(i)
                    g[2 * (i * grid.count + j) + 1] = grid.coordinate(j)
                }
            }
            gridPoints = g
        }
        var log: [LogRow] = [], snaps: [Snapshot] = []
        let snapSet = Set(snapshotSteps)
        for step in 0...steps {
            let logging = step % logEvery == 0 || step == steps
            let snapping = snapSet.contains(step)
            var metrics: FlowMetrics?
            if logging || snapping {
                metrics = trainer.evaluate(base: evalZ.pointer, count: evalCount, samples: images.pointer)
            }
            if snapping {
                var dens: [Double] = []
                if let gridPoints, let grid {
                    dens = [Double](repeating: 0, count: grid.count * grid.count)
                    dens.withUnsafeMutableBufferPointer {
                        trainer.logDensity(points: gridPoints.pointer, count: $0.count, into: $0.baseAddress!)
                    }
                }
                let k = min(sampleCount, evalCount)
                snaps.append(Snapshot(step: step, samples: Array(UnsafeBufferPointer(start: images.pointer, count: k * d)),
                                      logDensity: dens))
            }
            var loss: Estimate?
            if step < steps {
                let l = trainer.trainStep()
                guard l.mean.isFinite else { throw Failure.nonFiniteLoss(seed: seed, step: step, value: l.mean) }
                loss = l
            }
            if logging, let metrics { log.append(LogRow(step: step, batchLoss: loss, metrics: metrics)) }
            if step < steps { try tick() }
        }
        return SeedResult(seed: seed, log: log, snapshots: snaps)
    }

    /// Runs every seed on up to `threads` threads; results in the order of
    /// `seeds`, identical for any `threads`. The first error (in seed order)
    /// is rethrown.
    public func runAll(seeds: [UInt64], threads: Int, tick: @escaping @Sendable () throws -> Void = {}) throws
        -> [SeedResult]
    {
        try parallelMap(count: seeds.count, threads: threads) { i in try self.run(seed: seeds[i], tick: tick) }
    }
}
