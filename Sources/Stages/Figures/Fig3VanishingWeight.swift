// fig3 — vanishing weight with trainable weights at d = 10, 100, 1000: ODE lines, particle markers (figures.md).
import Engine
import Foundation
import Plot

struct Fig3VanishingWeight: FigureDrawing {
    let name = "fig3"
    let sourceFile = "Sources/Stages/Figures/Fig3VanishingWeight.swift"

    /// `ode` is a path template in `{d}`.
    struct Options { var dims: [Int], ode: String, odeOnParticleGrid: String, particles: String }

    func options(_ o: Params) throws -> Options {
        Options(dims: try o.ints("dims"), ode: try o.string("ode"), odeOnParticleGrid: try o.string("ode_on_particle_grid"),
                particles: try o.string("particles"))
    }

    func inputs(_ o: Options) -> [String] {
        o.dims.map { FigureInput.path(o.ode, d: $0) } + [o.odeOnParticleGrid, o.particles]
    }

    func draw(_ o: Options, _ input: FigureInput) throws -> (Figure, Metrics) {
        let dims = o.dims
        let sim = try input.csv(o.particles)
        let odeGrid = try input.csv(o.odeOnParticleGrid)
        var fig = Figure(width: FigureStyle.fullWidth, height: 330, rows: 2, cols: dims.count)
        fig.shareX = true
        fig.shareY = true
        var m = Metrics()
        var maxDA = 0.0, maxDLogW = 0.0
        for (k, d) in dims.enumerated() {
            let ode = try input.csv(FigureInput.path(o.ode, d: d))
            let t = try ode.doubles(.t), w = try ode.doubles(.w), ap = try ode.doubles(.alphaPlus), am = try ode.doubles(.alphaMinus)
            let masses = zip(try ode.doubles(.massPlus), try ode.doubles(.massMinus)).map { min($0, $1) }
            m["d\(d)_min_w"] = w.min()
            m["d\(d)_final_w"] = w.last
            m["d\(d)_final_min_mass"] = masses.last
            m["d\(d)_w_at_20"] = try ode.value(.w, where: .t, closestTo: 20)
            m["d\(d)_alpha_plus_drift"] = abs((ap.last ?? 0) - ap[0])
            m["d\(d)_final_alpha_minus"] = am.last
            let s = try sim.filter([.d: String(d)]), g = try odeGrid.filter([.d: String(d)])
            let gt = try g.doubles(.t)
            let ref = Dictionary(zip(gt, zip(try g.doubles(.w), zip(try g.doubles(.alphaPlus), try g.doubles(.alphaMinus)))),
                                 uniquingKeysWith: { a, _ in a })
            let st = try s.doubles(.t), sw = try s.doubles(.w), sap = try s.doubles(.alphaPlus), sam = try s.doubles(.alphaMinus)
            // Markers: every seed, every 4th time point (all points enter the agreement metrics).
            let times = Array(Set(st)).sorted()
            let shownTimes = Set(times.enumerated().filter { $0.offset % 4 == 0 }.map(\.element))
            let shown = st.indices.filter { shownTimes.contains(st[$0]) }
            for i in st.indices {
                guard let (rw, (rp, rm)) = ref[st[i]] else { throw StageFailure("no ODE point at t = \(st[i]) on the particle grid") }
                maxDA = max(maxDA, abs(sap[i] - rp), abs(sam[i] - rm))
                maxDLogW = max(maxDLogW, abs(log(sw[i]) - log(rw)))
            }
            fig.panel(0, k) { p in
                p.xScale = .log
                p.yScale = .log
                p.line(t, w, label: "$w$ (ODE)", style: .color(FigureStyle.green))
                p.scatter(shown.map { st[$0] }, shown.map { sw[$0] }, label: "particles (3 seeds)", marker: .hollowCircle, color: FigureStyle.green)
                p.hline(1e-3)
                p.title = "$d$ = \(d)"
                p.yLimits = 1e-6...1
                if k == 0 { p.yLabel = "weight $w = w_{+}$" }
                p.legend = k == 0 ? .lowerLeft : .none
            }
            fig.panel(1, k) { p in
                p.xScale = .log
                p.line(t, ap, label: "$\\alpha_{+}$", style: .color(FigureStyle.blue))
                p.line(t, am, label: "$\\alpha_{-}$", style: LineStyle(color: FigureStyle.vermillion, dash: .dashed))
                p.scatter(shown.map { st[$0] }, shown.map { sap[$0] }, marker: .hollowCircle, color: FigureStyle.blue)
                p.scatter(shown.map { st[$0] }, shown.map { sam[$0] }, marker: .hollowCircle, color: FigureStyle.vermillion)
                p.hline(1); p.hline(-1)
                p.yLimits = -1.25...1.25
                p.xLabel = "time $t$"
                if k == 0 { p.yLabel = "overlap $\\alpha_{k}$" }
                p.legend = k == 0 ? .centerRight : .none
            }
        }
        m["max_abs_dalpha"] = maxDA
        m["max_abs_dlogw"] = maxDLogW
        return (fig, m)
    }
}
