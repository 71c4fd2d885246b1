// fig2's analysis: how closely the particles follow the overlap ODE.
import Foundation
import StageAPI
import StageSupport
import TableQuery

/// One panel's tables: the ODE trajectory and, where simulated, the particles (3 seeds).
struct Fig2Panel {
    var title: String
    var ode: Table
    var particles: Table?
}

/// The particles at one recorded time: per-seed overlaps, their mean and standard error, and the ODE's values.
struct Fig2Point {
    var t: Double
    var alphaPlus: [Double], alphaMinus: [Double]
    var odePlus: Double, odeMinus: Double
    var meanPlus: (Double, Double) { meanSE(alphaPlus) }
    var meanMinus: (Double, Double) { meanSE(alphaMinus) }
}

enum Fig2Analysis {
    static func metrics(_ panels: [Fig2Panel]) -> Metrics {
        var m = Metrics()
        let simulated = panels.filter { $0.particles != nil }
        m.compute("max_abs_dalpha_seed_mean") {
            try Require.max(try simulated.flatMap { try points($0) }.flatMap { p in
                [abs(p.meanPlus.0 - p.odePlus), abs(p.meanMinus.0 - p.odeMinus)]
            }, "particle points in \(simulated.map { $0.title })")
        }
        m.compute("max_abs_dalpha_any_seed") {
            try Require.max(try simulated.flatMap { try points($0) }.flatMap { p in
                p.alphaPlus.map { abs($0 - p.odePlus) } + p.alphaMinus.map { abs($0 - p.odeMinus) }
            }, "particle points in \(simulated.map { $0.title })")
        }
        return m
    }

    /// The particle records of a panel grouped by time (sorted), each with the ODE at that time;
    /// a time the ODE grid lacks is an error (the comparison needs both).
    static func points(_ panel: Fig2Panel) throws -> [Fig2Point] {
        guard let sim = panel.particles else { return [] }
        let t = try panel.ode.doubles(.t), ap = try panel.ode.doubles(.alphaPlus), am = try panel.ode.doubles(.alphaMinus)
        let odeAt = Dictionary(zip(t, zip(ap, am)), uniquingKeysWith: { a, _ in a })
        let st = try sim.doubles(.t), sap = try sim.doubles(.alphaPlus), sam = try sim.doubles(.alphaMinus)
        return try Array(Set(st)).sorted().map { time in
            guard let (op, om) = odeAt[time] else {
                throw AnalysisError("\(panel.ode.name) has no point at t = \(time): use a grid containing the particles' times")
            }
            let idx = st.indices.filter { st[$0] == time }
            return Fig2Point(t: time, alphaPlus: idx.map { sap[$0] }, alphaMinus: idx.map { sam[$0] }, odePlus: op, odeMinus: om)
        }
    }
}
