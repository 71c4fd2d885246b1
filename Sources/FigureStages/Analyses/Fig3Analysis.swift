// fig3's analysis: the weight's fate per d, and how closely the particles follow the ODE.
import Foundation
import StageAPI
import StageSupport
import TableQuery

struct Fig3Data {
    var dims: [Int]
    /// The ODE trajectory per dimension (to T = 400), in `dims` order.
    var ode: [Table]
    /// The particles (every d, 3 seeds, to t = 20) and the ODE on their time grid.
    var particles: Table, odeOnParticleGrid: Table
}

/// One particle record with the ODE's values at its (d, t).
struct Fig3Point { var w: Double, alphaPlus: Double, alphaMinus: Double, ode: (w: Double, alphaPlus: Double, alphaMinus: Double) }

enum Fig3Analysis {
    static func metrics(_ data: Fig3Data) -> Metrics {
        var m = Metrics()
        for (d, ode) in zip(data.dims, data.ode) {
            m.compute("d\(d)_final_min_mass") {
                try Require.last(zip(try ode.doubles(.massPlus), try ode.doubles(.massMinus)).map { min($0, $1) }, "rows in \(ode.name)")
            }
            m.compute("d\(d)_w_at_20") { try ode.value(.w, where: .t, closestTo: 20) }
            m.compute("d\(d)_alpha_plus_drift") {
                let ap = try Require.nonEmpty(try ode.doubles(.alphaPlus), "rows in \(ode.name)")
                return abs(ap.last! - ap[0])
            }
        }
        let points = Result { try data.dims.map { try particlePoints(data, d: $0) } }
        m.compute("max_abs_dalpha") {
            try Require.max(try points.get().joined().flatMap { [abs($0.alphaPlus - $0.ode.alphaPlus), abs($0.alphaMinus - $0.ode.alphaMinus)] },
                            "particle rows in \(data.particles.name)")
        }
        m.compute("max_abs_dlogw") {
            try Require.max(try points.get().joined().map { abs(log($0.w) - log($0.ode.w)) }, "particle rows in \(data.particles.name)")
        }
        return m
    }

    /// The particle records at dimension `d`, each with the ODE at its time; a d without
    /// particle rows, or a time the ODE grid lacks, is an error.
    static func particlePoints(_ data: Fig3Data, d: Int) throws -> [Fig3Point] {
        let s = try data.particles.selecting(.d, d), g = try data.odeOnParticleGrid.selecting(.d, d)
        guard !s.isEmpty else { throw AnalysisError("\(data.particles.name) has no rows at d = \(d)") }
        let ref = Dictionary(zip(try g.doubles(.t), zip(try g.doubles(.w), zip(try g.doubles(.alphaPlus), try g.doubles(.alphaMinus)))),
                             uniquingKeysWith: { a, _ in a })
        let st = try s.doubles(.t), sw = try s.doubles(.w), sap = try s.doubles(.alphaPlus), sam = try s.doubles(.alphaMinus)
        return try st.indices.map { i in
            guard let (rw, (rp, rm)) = ref[st[i]] else { throw AnalysisError("no ODE point at t = \(st[i]) on the particle grid (d = \(d))") }
            return Fig3Point(w: sw[i], alphaPlus: sap[i], alphaMinus: sam[i], ode: (rw, rp, rm))
        }
    }
}
