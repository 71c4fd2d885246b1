import Annealing
import StageAPI

/// The groups of the params vocabulary that kinds outside the overlap model
/// share with it (`flow` too): a target's shape, a tempering schedule, seed
/// lists. Kept apart from `ModelParams`' theory so that a kind reading only
/// these does not have the theory in its code scope.
public enum SharedParams {
    /// ρ and σp² of a `target:` group.
    package static func mixtureShape(_ t: Params) throws -> (rho: Double, sigmaP2: Double) {
        let rho = try t.double("rho", default: 0.5)
        try t.check("rho", rho, "must be in (0, 1)") { $0 > 0 && $0 < 1 }
        let sp2 = try t.double("sigma_p2", default: 1)
        try t.check("sigma_p2", sp2, "must be > 0 (a variance)") { $0 > 0 && $0.isFinite }
        return (rho, sp2)
    }

    /// A `tempering:` group, nil when absent or `mode: none`; the mode is power or variance.
    package static func temperingGroup(_ p: Params) throws -> (mode: String, schedule: AnnealingSchedule)? {
        guard p.has("tempering") else { return nil }
        let t = try p.object("tempering")
        let mode = try t.choice("mode", ["none", "power", "variance"])
        if mode == "none" { return nil }
        return (mode, try schedule(t, beta0: try t.double("beta0"), tau: try t.double("tau"), shape: try shape(t)))
    }

    /// A symmetric `target: {mu, rho, sigma_p2}` (μ± = ±|μ| e₁), for the kinds that take no other.
    package static func symmetricTarget(_ p: Params) throws -> (mu: Double, rho: Double, sigmaP2: Double) {
        let t = try p.object("target")
        for k in ["mu_plus", "mu_minus"] where t.has(k) {
            throw ParamError(key: t.fullKey(k), "this kind takes a symmetric target: give mu (the separation |μ|)")
        }
        let mu = try t.double("mu")
        try t.check("mu", mu, "must be > 0 (the separation |μ|)") { $0 > 0 && $0.isFinite }
        let (rho, sp2) = try mixtureShape(t)
        return (mu, rho, sp2)
    }

    /// The schedule's shape (key `shape`, default linear).
    package static func shape(_ t: Params) throws -> AnnealingShape {
        AnnealingShape(rawValue: try t.choice("shape", AnnealingShape.allCases.map(\.rawValue), default: AnnealingShape.linear.rawValue))!
    }

    package static func schedule(_ t: Params, beta0: Double, tau: Double, shape: AnnealingShape = .linear) throws -> AnnealingSchedule {
        try t.check("beta0", beta0, "must be in (0, 1]") { $0 > 0 && $0 <= 1 }
        try t.check("tau", tau, "must be > 0") { $0 > 0 && $0.isFinite }
        return AnnealingSchedule(beta0: beta0, tau: tau, shape: shape)
    }

    /// Seeds: a list of non-negative integers, or {from, count}. `checkCount`
    /// sees the count before the list is built (a kind's own bound on what it
    /// keeps per seed).
    package static func seeds(_ p: Params, budget: MemoryBudget, checkCount: (Int) throws -> Void = { _ in }) throws -> [UInt64] {
        guard let raw = p.raw("seeds") else { throw ParamError(key: p.fullKey("seeds"), "is required (a list of seeds or {from, count})") }
        if case .object = raw {
            let o = try p.object("seeds")
            let from = try o.int("from", default: 0)
            try o.check("from", from, "must be ≥ 0") { $0 >= 0 }
            let count = try o.int("count")
            try o.check("count", count, "must be > 0") { $0 > 0 }
            try budget.check(Double(count), "seeds", bytesEach: 8, key: o.fullKey("count"))
            guard from <= Int.max - count else { throw ParamError(key: o.fullKey("from"), "from + count must fit in an integer") }
            try checkCount(count)
            return (from..<(from + count)).map { UInt64($0) }
        }
        let list = try p.ints("seeds")
        if list.isEmpty { throw ParamError(key: p.fullKey("seeds"), "must not be empty") }
        if let bad = list.first(where: { $0 < 0 }) { throw ParamError(key: p.fullKey("seeds"), "must be ≥ 0, got \(bad)") }
        if Set(list).count != list.count { throw ParamError(key: p.fullKey("seeds"), "has duplicates") }
        try checkCount(list.count)
        return list.map { UInt64($0) }
    }
}
