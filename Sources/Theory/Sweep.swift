/// One cell of a collapse-statistics sweep: a model, the random starts, and
/// the times at which the state is classified.
public struct SweepCell: Sendable {
    public var config: ModelConfig
    public var tau: Double
    public var theta0: Double
    public var sampler: RandomInitSampler
    public var seeds: [UInt64]
    /// Increasing classification times (one trajectory serves them all).
    public var endTimes: [Double]

    public init(config: ModelConfig, tau: Double = 1, theta0: Double = 0, sampler: RandomInitSampler = .exact,
                seeds: [UInt64], endTimes: [Double]) {
        self.config = config
        self.tau = tau
        self.theta0 = theta0
        self.sampler = sampler
        self.seeds = seeds
        self.endTimes = endTimes
    }
}

/// Counts of each outcome at one end time.
public struct OutcomeCounts: Sendable, Equatable {
    public var covered = 0, meanAlignment = 0, vanishingWeight = 0
    public var total: Int { covered + meanAlignment + vanishingWeight }
    public var collapsed: Int { meanAlignment + vanishingWeight }
    public mutating func add(_ o: CollapseOutcome) {
        switch o {
        case .covered: covered += 1
        case .meanAlignment: meanAlignment += 1
        case .vanishingWeight: vanishingWeight += 1
        }
    }
}

/// The final observables of one seed at each end time.
public struct SweepRun: Sendable {
    public let seed: UInt64
    public let finals: [Observables]
}

extension SweepCell {
    /// Integrates one seed's trajectory through the end times.
    public func run(seedIndex i: Int, settings: SolverSettings) throws -> SweepRun {
        let model = OverlapModel(config)
        let integ = try OverlapIntegrator(model: model, settings: settings)
        let y0 = InitialCondition.random(tau: tau, theta: theta0, sampler: sampler, seed: seeds[i])
            .state(target: config.target, d: config.d).vector(trainable: config.weights.isTrainable)
        var finals: [Observables] = []
        try integ.integrate(y0, grid: TimeGrid(times: [0] + endTimes)) { k, y in
            if k > 0 { finals.append(model.observables(y)) }
        }
        return SweepRun(seed: seeds[i], finals: finals)
    }

    /// Outcome counts per end time, from runs in seed order.
    public static func tally(_ runs: [SweepRun], endTimes: Int) -> [OutcomeCounts] {
        var counts = Array(repeating: OutcomeCounts(), count: endTimes)
        for r in runs { for (k, o) in r.finals.enumerated() { counts[k].add(CollapseOutcome(o)) } }
        return counts
    }
}
