// fig6's analysis: how often RealNVP runs collapse, per start and d, and how the far start drains.
import Foundation
import Theory
import StageAPI
import StageSupport
import TableQuery

struct Fig6Data {
    /// Each (start, d) cell's metrics table: far start and near-identity start, in `dims` order.
    var dims: [Int], far: [Table], near: [Table]
    /// d ≤ smallDMax and d ≥ largeDMin are "small" and "large" d in the claims (options, not restated here).
    var smallDMax: Int, largeDMin: Int
    /// Panel b's dimension and its far-start table; panel c's samples per dimension with the target's |μ|.
    var panelBD: Int, panelB: Table
    var samples: [(d: Int, table: Table, mu: Double)]
}

/// One cell's runs: how many collapsed (smaller mode mass below 0.1 at the last step) of how many seeds.
struct CollapseCount {
    var collapsed: Int, seeds: Int
    var fraction: Double { Double(collapsed) / Double(seeds) }
    var interval: (lo: Double, hi: Double) { wilsonInterval(successes: collapsed, trials: seeds) }
}

/// A far-start run that collapsed: the step where its minor mode first fell below 0.1, with the KL then and at the end.
struct Drain { var step: Double, kl: Double, finalKL: Double }

enum Fig6Analysis {
    static let threshold = CollapseOutcome.massThreshold

    /// The last logged min(ŵ₊, ŵ₋) of each seed.
    static func finalMinMass(_ t: Table) throws -> [Double] {
        try t.groups(by: .seed).map { try Require.last(try $0.rows.doubles(.minMass), "rows of a seed") }
    }

    static func count(_ t: Table) throws -> CollapseCount {
        let mins = try Require.nonEmpty(try finalMinMass(t), "runs in \(t.name)")
        return CollapseCount(collapsed: mins.filter { $0 < threshold }.count, seeds: mins.count)
    }

    /// Panel b's collapsed runs, seed by seed.
    static func drains(_ t: Table) throws -> [Drain] {
        try t.groups(by: .seed).compactMap { _, r in
            let steps = try r.doubles(.step), mins = try r.doubles(.minMass), kl = try r.doubles(.kl)
            guard let last = mins.last, last < threshold, let i = mins.firstIndex(where: { $0 < threshold }) else { return nil }
            return Drain(step: steps[i], kl: kl[i], finalKL: kl.last!)
        }
    }

    static func metrics(_ data: Fig6Data) -> Metrics {
        var m = Metrics()
        var far: [(d: Int, count: Result<CollapseCount, Error>)] = [], near: [Result<CollapseCount, Error>] = []
        for (d, (f, n)) in zip(data.dims, zip(data.far, data.near)) {
            for (start, t) in [("far", f), ("near", n)] {
                let c = Result { try count(t) }
                m.compute("\(start)_d\(d)_collapse_fraction") { try c.get().fraction }
                m.compute("\(start)_d\(d)_collapse_lo") { try c.get().interval.lo }
                m.compute("\(start)_d\(d)_collapse_hi") { try c.get().interval.hi }
                m.compute("\(start)_d\(d)_seeds") { Double(try c.get().seeds) }
                if start == "far" { far.append((d, c)) } else { near.append(c) }
            }
        }
        let small = far.filter { $0.d <= data.smallDMax }.map(\.count), large = far.filter { $0.d >= data.largeDMin }.map(\.count)
        let what = { (s: String) in "far-start cells at \(s)" }
        m.compute("far_small_d_max_collapse_fraction") { try Require.max(try small.map { try $0.get().fraction }, what("d ≤ \(data.smallDMax)")) }
        m.compute("far_small_d_max_collapse_hi") { try Require.max(try small.map { try $0.get().interval.hi }, what("d ≤ \(data.smallDMax)")) }
        m.compute("far_large_d_min_collapse_fraction") { try Require.min(try large.map { try $0.get().fraction }, what("d ≥ \(data.largeDMin)")) }
        m.compute("far_large_d_min_collapse_lo") { try Require.min(try large.map { try $0.get().interval.lo }, what("d ≥ \(data.largeDMin)")) }
        m.compute("far_increase_small_to_large_d") {
            try Require.min(try large.map { try $0.get().fraction }, what("large d")) - Require.max(try small.map { try $0.get().fraction }, what("small d"))
        }
        // > 0 when the intervals at small and at large d do not overlap.
        m.compute("far_interval_gap_small_to_large_d") {
            try Require.min(try large.map { try $0.get().interval.lo }, what("large d")) - Require.max(try small.map { try $0.get().interval.hi }, what("small d"))
        }
        m.compute("near_max_collapse_fraction") { try Require.max(try near.map { try $0.get().fraction }, "near-identity cells") }
        m.compute("near_max_collapse_hi") { try Require.max(try near.map { try $0.get().interval.hi }, "near-identity cells") }
        lateCollapses(data.near, into: &m)
        let drains = Result { try Require.nonEmpty(try Fig6Analysis.drains(data.panelB), "collapsed runs in \(data.panelB.name)") }
        m.compute("drain_step_median") { try Require.median(try drains.get().map(\.step), "drains") }
        m.compute("kl_at_drain_median") { try Require.median(try drains.get().map(\.kl), "drains") }
        m.compute("kl_final_median_collapsed") { try Require.median(try drains.get().map(\.finalKL), "drains") }
        m.compute("kl_drain_over_final_median") { try Require.median(try drains.get().map { $0.kl / $0.finalKL }, "drains") }
        return m
    }

    /// The near-identity start's collapses, if any: how early the first one
    /// drains, and how well each had fit both modes before (its lowest KL
    /// while both modes held ≥ 0.1; the worst over runs) — a late jump out of
    /// a covering fit, not the far start's early drain while the KL is large.
    static func lateCollapses(_ tables: [Table], into m: inout Metrics) {
        var count = 0, earliest = Double.infinity, klBefore = 0.0, klRise = Double.infinity
        m.compute("near_collapsed_runs") {
            for t in tables {
                for (_, r) in try t.groups(by: .seed) {
                    let steps = try r.doubles(.step), mins = try r.doubles(.minMass), kl = try r.doubles(.kl)
                    guard let last = mins.last, last < threshold else { continue }
                    count += 1
                    // The drain: the step after the last one at which both modes still held ≥ 0.1.
                    guard let i = mins.lastIndex(where: { $0 >= threshold }) else { earliest = 0; continue }
                    earliest = min(earliest, i + 1 < steps.count ? steps[i + 1] : steps[i])
                    let best = kl[...i].min()!
                    klBefore = max(klBefore, best)
                    klRise = min(klRise, kl.last! / best)
                }
            }
            return Double(count)
        }
        guard count > 0 else { return }
        m["near_collapse_earliest_drain_step"] = earliest
        m["near_collapse_max_best_kl_before_drain"] = klBefore
        // > 1: the KL went up through the collapse, which the gradient flow never does.
        m["near_collapse_min_kl_rise"] = klRise
    }
}
