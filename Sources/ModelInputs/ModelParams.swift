import GSL
import Theory
import StageAPI
import StageSupport

/// The params vocabulary shared by the model's stage kinds (`ode`,
/// `ode-sweep`, `fixed-points`, and later `particles`). Reading a group
/// validates it completely; kinds call these from `validate`, whose result `run` receives.
///
///     target:   {mu: 2.5, rho: 0.5, sigma_p2: 1}          # μ± = ±|μ| e₁, or
///               {mu_plus: [2, 0.5], mu_minus: [-1.5, 0.3], rho: .., sigma_p2: ..}
///     s: 1                                                  # variance of q's components
///     weights: fixed | trainable        w: 0.5              # w only when fixed
///     tempering: {mode: none | power | variance, beta0: 0.03, tau: 100,
///                 shape: linear | exponential | geometric | constant}   # shape default linear
///     init: {mode: fixed, m_plus: [1.0], m_minus: [0.5],    # coords on (e₁, e₂), or
///            alpha_plus: 1.05, alpha_minus: 0.95,           # multiples of μ₊
///            orth2: [999, 999], orth_cross: 0 | orth_sigma: [1, -1], theta: 0}
///           {mode: random, tau: 1, seeds: [0, 1] | {from: 0, count: 200},
///            sampler: exact | vectors, theta: 0}
///     solver: {stepper: msbdf, rtol: 1e-8, atol: 1e-10, max_steps: 1000000}
///     time: {grid: linear, end: 100, points: 201} | {grid: log, first: 1e-3, end: 400, points: 100}
package enum ModelParams {

    package static func target(_ p: Params) throws -> Target {
        let t = try p.object("target")
        let (rho, sp2) = try SharedParams.mixtureShape(t)
        let target: Target
        if t.has("mu") {
            let mu = try t.double("mu")
            try t.check("mu", mu, "must be > 0 (the separation |μ|)") { $0 > 0 && $0.isFinite }
            if t.has("mu_plus") || t.has("mu_minus") {
                throw ParamError(key: t.fullKey("mu"), "give either mu (symmetric target) or mu_plus and mu_minus, not both")
            }
            target = .symmetric(mu: mu, rho: rho, sigmaP2: sp2)
        } else {
            let plus = try vector2(t, "mu_plus"), minus = try vector2(t, "mu_minus")
            target = Target(muPlus: plus, muMinus: minus, rho: rho, sigmaP2: sp2)
            if target.delta2 <= 0 { throw ParamError(key: t.fullKey("mu_minus"), "must differ from mu_plus") }
        }
        return target
    }

    /// A symmetric target over several separations, `target: {mu: [..], rho, sigma_p2}`
    /// (the kinds that sweep or scan |μ|).
    package static func separations(_ p: Params) throws -> (mus: [Double], rho: Double, sigmaP2: Double) {
        let t = try p.object("target")
        let mus = try t.doubles("mu")
        if mus.isEmpty { throw ParamError(key: t.fullKey("mu"), "must not be empty") }
        for m in mus { try t.check("mu", m, "must be > 0 (separations |μ|)") { $0 > 0 && $0.isFinite } }
        let (rho, sp2) = try SharedParams.mixtureShape(t)
        return (mus, rho, sp2)
    }

    /// One or two coordinates on the target plane's basis (e₁, e₂).
    package static func vector2(_ p: Params, _ key: String) throws -> SIMD2<Double> {
        let v = try p.doubles(key)
        guard (1...2).contains(v.count), v.allSatisfy(\.isFinite) else {
            throw ParamError(key: p.fullKey(key), "must be 1 or 2 finite coordinates on (e₁, e₂), got \(v)")
        }
        return SIMD2(v[0], v.count > 1 ? v[1] : 0)
    }

    package static func s(_ p: Params) throws -> Double {
        let s = try p.double("s", default: 1)
        return try p.check("s", s, "must be > 0 (a variance)") { $0 > 0 && $0.isFinite }
    }

    /// Dimensions: one integer or a list, each ≥ 2.
    package static func dimensions(_ p: Params) throws -> [Int] {
        guard let raw = p.raw("d") else { throw ParamError(key: p.fullKey("d"), "is required (the dimension, an integer ≥ 2)") }
        let values: [Value]
        if case .array(let a) = raw { values = a } else { values = [raw] }
        if values.isEmpty { throw ParamError(key: p.fullKey("d"), "must not be an empty list") }
        return try values.map { v in
            guard let d = v.asInt else {
                throw ParamError(key: p.fullKey("d"), "must be an integer (or a list of integers), got \(v.typeName) \(v.canonicalJSON)")
            }
            guard d >= 2 else { throw ParamError(key: p.fullKey("d"), "must be ≥ 2, got \(d)") }
            return d
        }
    }

    package static func weights(_ p: Params) throws -> WeightMode {
        let mode = try p.choice("weights", WeightsMode.allCases.map(\.rawValue))
        if mode == WeightsMode.trainable.rawValue {
            if p.has("w") { throw ParamError(key: p.fullKey("w"), "applies only to weights: fixed (trainable weights start from init.theta)") }
            return .trainable
        }
        let w = try p.double("w", default: 0.5)
        try p.check("w", w, "must be in (0, 1)") { $0 > 0 && $0 < 1 }
        return .fixed(w)
    }

    package static func tempering(_ p: Params) throws -> Tempering {
        guard let (mode, b) = try SharedParams.temperingGroup(p) else { return .none }
        return mode == "power" ? .power(b) : .variance(b)
    }

    package static func solver(_ p: Params) throws -> SolverSettings {
        guard p.has("solver") else { return SolverSettings() }
        let s = try p.object("solver")
        let name = try s.string("stepper", default: SolverSettings.defaultStepper.rawValue)
        guard let stepper = ODEStepper(rawValue: name) else {
            throw ParamError(key: s.fullKey("stepper"),
                             "unknown stepper '\(name)'; one of \(ODEStepper.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let rtol = try s.double("rtol", default: 1e-8)
        try s.check("rtol", rtol, "must be > 0") { $0 > 0 && $0 < 1 }
        let atol = try s.double("atol", default: 1e-10)
        try s.check("atol", atol, "must be > 0") { $0 > 0 && $0.isFinite }
        let maxSteps = try s.int("max_steps", default: 1_000_000)
        try s.check("max_steps", maxSteps, "must be > 0") { $0 > 0 }
        return SolverSettings(stepper: stepper, relative: rtol, absolute: atol, maxSteps: maxSteps)
    }

    package static func timeGrid(_ p: Params, budget: MemoryBudget) throws -> TimeGrid {
        let t = try p.object("time")
        let grid = try t.choice("grid", ["linear", "log"], default: "linear")
        let end = try t.double("end")
        try t.check("end", end, "must be > 0") { $0 > 0 && $0.isFinite }
        let points = try t.int("points")
        try t.check("points", points, "must be ≥ 2") { $0 >= 2 }
        try budget.check(Double(points), "time points", bytesEach: 8, key: t.fullKey("points"))
        if grid == "linear" { return .linear(end: end, points: points) }
        let first = try t.double("first")
        try t.check("first", first, "must be in (0, end)") { $0 > 0 && $0 < end }
        return .logarithmic(first: first, end: end, points: points)
    }

    /// The initial condition for each run of a stage: fixed (one run) or
    /// one per seed.
    package enum Init {
        case fixed(InitialCondition)
        case random(tau: Double, theta: Double, sampler: RandomInitSampler, seeds: [UInt64])

        /// Runs per dimension.
        package var count: Int {
            switch self {
            case .fixed: 1
            case .random(_, _, _, let seeds): seeds.count
            }
        }

        package func conditions() -> [(seed: UInt64?, InitialCondition)] {
            switch self {
            case .fixed(let c): [(nil, c)]
            case let .random(tau, theta, sampler, seeds):
                seeds.map { ($0, .random(tau: tau, theta: theta, sampler: sampler, seed: $0)) }
            }
        }
    }

    package static func initial(_ p: Params, target: Target, budget: MemoryBudget) throws -> Init {
        let i = try p.object("init")
        let theta = try i.double("theta", default: 0)
        try i.check("theta", theta, "must be finite") { $0.isFinite }
        let mode = try i.choice("mode", ["fixed", "random"])
        if mode == "random" {
            let tau = try i.double("tau", default: 1)
            try i.check("tau", tau, "must be > 0 (the scale of the random means)") { $0 > 0 && $0.isFinite }
            let name = try i.choice("sampler", RandomInitSampler.allCases.map(\.rawValue), default: "exact")
            return .random(tau: tau, theta: theta, sampler: RandomInitSampler(rawValue: name)!, seeds: try SharedParams.seeds(i, budget: budget))
        }
        func mean(_ coordKey: String, _ alphaKey: String) throws -> SIMD2<Double> {
            switch (i.has(coordKey), i.has(alphaKey)) {
            case (true, false): return try vector2(i, coordKey)
            case (false, true):
                let a = try i.double(alphaKey)
                try i.check(alphaKey, a, "must be finite") { $0.isFinite }
                return a * target.muPlus
            case (true, true): throw ParamError(key: i.fullKey(alphaKey), "give \(coordKey) or \(alphaKey), not both")
            case (false, false): throw ParamError(key: i.fullKey(coordKey), "is required (or \(alphaKey))")
            }
        }
        let cPlus = try mean("m_plus", "alpha_plus"), cMinus = try mean("m_minus", "alpha_minus")
        let orth: OrthogonalParts
        if i.has("orth_sigma") {
            if i.has("orth2") { throw ParamError(key: i.fullKey("orth2"), "give orth2 or orth_sigma, not both") }
            let s = try i.doubles("orth_sigma")
            guard s.count == 2, s.allSatisfy(\.isFinite) else { throw ParamError(key: i.fullKey("orth_sigma"), "must be [σ₊, σ₋]") }
            orth = .chiSigma(plus: s[0], minus: s[1])
        } else {
            let o = try i.doubles("orth2", default: [0, 0])
            guard o.count == 2, o.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw ParamError(key: i.fullKey("orth2"), "must be [|u₊|², |u₋|²], both ≥ 0")
            }
            let cross = try i.double("orth_cross", default: 0)
            try i.check("orth_cross", cross, "must satisfy (u₊·u₋)² ≤ |u₊|²|u₋|²") { $0 * $0 <= o[0] * o[1] * (1 + 1e-12) }
            orth = .absolute(plus: o[0], minus: o[1], cross: cross)
        }
        return .fixed(.fixed(cPlus: cPlus, cMinus: cMinus, orthogonal: orth, theta: theta))
    }

    /// The single declared output (kinds here write one CSV).
    package static func singleCSVOutput(_ stage: StageInfo) throws -> String {
        guard stage.outs.count == 1, let out = stage.outs.first, out.hasSuffix(".csv") else {
            throw ParamError(key: "outs", "this kind writes exactly one CSV file: declare one path ending in .csv")
        }
        return out
    }
}
