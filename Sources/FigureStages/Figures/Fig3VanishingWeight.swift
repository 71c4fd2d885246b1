// fig3 — vanishing weight with trainable weights at d = 10, 100, 1000: ODE lines, particle markers (figures.md).
import Foundation
import Plot
import StageAPI
import StageSupport
import TableQuery

struct Fig3VanishingWeight: FigureDrawing {
    let name = "fig3"

    /// `ode` is a path template in `{d}`.
    struct Options { var dims: [Int], ode: String, odeOnParticleGrid: String, particles: String }

    func options(_ o: Params) throws -> Options {
        Options(dims: try o.ints("dims"), ode: try o.string("ode"), odeOnParticleGrid: try o.string("ode_on_particle_grid"),
                particles: try o.string("particles"))
    }

    func inputs(_ o: Options) -> [String] {
        o.dims.map { FigureInput.path(o.ode, d: $0) } + [o.odeOnParticleGrid, o.particles]
    }

    func load(_ o: Options, _ input: FigureInput) throws -> Fig3Data {
        Fig3Data(dims: o.dims, ode: try o.dims.map { try input.table(FigureInput.path(o.ode, d: $0), Schema.trajectory) },
                 particles: try input.table(o.particles, Schema.particles),
                 odeOnParticleGrid: try input.table(o.odeOnParticleGrid, Schema.trajectory))
    }

    func analyse(_ data: Fig3Data) -> Metrics { Fig3Analysis.metrics(data) }

    func draw(_ data: Fig3Data) throws -> Figure {
        var fig = Figure(width: FigureStyle.fullWidth, height: 330, rows: 2, cols: data.dims.count)
        fig.shareX = true
        fig.shareY = true
        for (k, (d, ode)) in zip(data.dims, data.ode).enumerated() {
            let t = try ode.doubles(.t), w = try ode.doubles(.w), ap = try ode.doubles(.alphaPlus), am = try ode.doubles(.alphaMinus)
            // Markers: every seed, every 4th time point (all points enter the agreement metrics).
            let sim = try data.particles.selecting(.d, d)
            let st = try sim.doubles(.t), sw = try sim.doubles(.w), sap = try sim.doubles(.alphaPlus), sam = try sim.doubles(.alphaMinus)
            let times = Array(Set(st)).sorted()
            let shownTimes = Set(times.enumerated().filter { $0.offset % 4 == 0 }.map(\.element))
            let shown = st.indices.filter { shownTimes.contains(st[$0]) }
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
        return fig
    }
}
