// fig7's analysis: which annealing schedules avoid collapse and at what cost; the particle check; the flows.
import Foundation
import Theory
import StageAPI
import StageSupport
import TableQuery

/// One schedule of a sweep: its collapse probability with the Wilson interval,
/// and the total time it integrates (the schedule's τ plus the end time).
struct Schedule { var beta0: Double, tau: Double, tEnd: Double, p: Double, lo: Double, hi: Double }

struct Fig7Data {
    struct Mode { var name: String, title: String, table: Table, schedules: [Schedule] }
    var modes: [Mode]
    var baseline: Table
    var beta0Line: Double, avoidThreshold: Double
    var checkParticles: Table, checkODE: Table
    /// The flow runs, the first without annealing: label and metrics table.
    var flows: [(label: String, table: Table)]
}

enum Fig7Analysis {
    static func schedules(_ t: Table) throws -> [Schedule] {
        let b = try t.doubles(.beta0), tau = try t.doubles(.tau), e = try t.doubles(.tEnd), p = try t.doubles(.pCollapse)
        let lo = try t.doubles(.pCollapseLo), hi = try t.doubles(.pCollapseHi)
        return b.indices.map { Schedule(beta0: b[$0], tau: tau[$0], tEnd: e[$0], p: p[$0], lo: lo[$0], hi: hi[$0]) }
    }

    /// The cheapest schedule (least τ, then least β₀) whose P(collapse) is at most the threshold, if any.
    static func cheapestAvoiding(_ mode: Fig7Data.Mode, threshold: Double) -> Schedule? {
        mode.schedules.filter { $0.p <= threshold }.min { ($0.tau, $0.beta0) < ($1.tau, $1.beta0) }
    }

    static func metrics(_ data: Fig7Data) -> Metrics {
        var m = Metrics()
        m.compute("baseline_p_collapse") { try Require.nonEmpty(try data.baseline.doubles(.pCollapse), "rows in \(data.baseline.name)")[0] }
        for mode in data.modes {
            m.compute("\(mode.name)_best_p_collapse") { try Require.min(mode.schedules.map(\.p), "schedules in \(mode.table.name)") }
            m.compute("\(mode.name)_cheapest_avoiding_total_time") {
                guard let s = cheapestAvoiding(mode, threshold: data.avoidThreshold) else {
                    throw AnalysisError("no schedule in \(mode.table.name) has P(collapse) ≤ \(data.avoidThreshold)")
                }
                return s.tEnd
            }
        }
        m.compute("best_p_collapse") { try Require.min(data.modes.flatMap { $0.schedules.map(\.p) }, "schedules") }
        m.compute("cheapest_time_ratio_power_over_variance") {
            let t = try ["power", "variance"].map { name in
                guard let mode = data.modes.first(where: { $0.name == name }), let s = cheapestAvoiding(mode, threshold: data.avoidThreshold) else {
                    throw AnalysisError("no \(name)-tempering schedule has P(collapse) ≤ \(data.avoidThreshold)")
                }
                return s.tEnd
            }
            return t[0] / t[1]
        }
        particleCheck(data.checkParticles, ode: data.checkODE, into: &m)
        flows(data.flows, into: &m)
        return m
    }

    /// The particle check of one cell: same starts, same schedule, compared
    /// over the whole trajectory (at the end, where q covers p, the Monte-Carlo
    /// gradient vanishes and agreement is automatic). The cell is chosen so
    /// that its runs end in both outcomes: `check_minority_outcome_runs`.
    static func particleCheck(_ sim: Table, ode: Table, into m: inout Metrics) {
        struct Run { var maxDA: Double, maxFinal: Double, agree: Bool, odeCollapsed: Bool }
        let runs = Result { () throws -> [Run] in
            let seeds = try Require.nonEmpty(try ode.groups(by: .seed), "runs in \(ode.name)")
            return try seeds.map { seed, b in
                let a = try sim.selecting(.seed, seed)
                guard a.count == b.count, try a.doubles(.t) == b.doubles(.t) else {
                    throw AnalysisError("seed \(seed): \(sim.name) has \(a.count) records, \(ode.name) \(b.count), on different time grids")
                }
                let diffs = try [Column.alphaPlus, .alphaMinus].map { c in zip(try a.doubles(c), try b.doubles(c)).map { abs($0 - $1) } }
                func collapsed(_ r: Table) throws -> Bool {
                    min(try Require.last(try r.doubles(.massPlus), "records"), try r.doubles(.massMinus).last!) < CollapseOutcome.massThreshold
                }
                return Run(maxDA: try Require.max(diffs.flatMap { $0 }, "records of seed \(seed)"), maxFinal: max(diffs[0].last!, diffs[1].last!),
                           agree: try collapsed(a) == collapsed(b), odeCollapsed: try collapsed(b))
            }
        }
        m.compute("check_runs") { Double(try runs.get().count) }
        m.compute("check_minority_outcome_runs") {
            let r = try runs.get(), collapsed = r.filter(\.odeCollapsed).count
            return Double(min(collapsed, r.count - collapsed))
        }
        m.compute("check_max_abs_dalpha") { try runs.get().map(\.maxDA).max()! }
        m.compute("check_max_final_abs_dalpha") { try runs.get().map(\.maxFinal).max()! }
        m.compute("check_outcome_agreement") { let r = try runs.get(); return Double(r.filter(\.agree).count) / Double(r.count) }
    }

    /// e: the flow runs' collapse fractions, the first without annealing.
    static func flows(_ runs: [(label: String, table: Table)], into m: inout Metrics) {
        let counts = runs.map { run in Result { try Fig6Analysis.count(run.table) } }
        for (i, c) in counts.enumerated() { m.compute("flows_\(i)_collapse_fraction") { try c.get().fraction } }
        m.compute("flows_best_annealed_collapse_fraction") {
            try Require.min(try counts.dropFirst().map { try $0.get().fraction }, "annealed flow runs")
        }
    }
}
