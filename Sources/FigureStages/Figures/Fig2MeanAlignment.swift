// fig2 — mean alignment with fixed weights: theory (ODE lines) vs simulation (particle markers) (figures.md).
import Foundation
import Plot
import StageAPI
import StageSupport
import TableQuery

struct Fig2MeanAlignment: FigureDrawing {
    let name = "fig2"

    struct PanelSpec { var ode: String, particles: String?, title: String }

    func options(_ options: Params) throws -> [PanelSpec] {
        guard case .array(let panels)? = options.raw("panels"), !panels.isEmpty else {
            throw ParamError(key: options.fullKey("panels"), "must list the panels: {ode, particles?, title}")
        }
        return try panels.enumerated().map { i, p in
            guard case .object(let o) = p else { throw ParamError(key: "panels[\(i)]", "must be a mapping") }
            let q = Params(o, path: "options.panels[\(i)]")
            let spec = PanelSpec(ode: try q.string("ode"), particles: q.has("particles") ? try q.string("particles") : nil,
                                 title: try q.string("title"))
            if let k = q.unreadKeys.first { throw ParamError(key: k, "is not a panel field (ode, particles, title)") }
            return spec
        }
    }

    func inputs(_ panels: [PanelSpec]) -> [String] {
        panels.flatMap { [$0.ode] + ($0.particles.map { [$0] } ?? []) }
    }

    func load(_ panels: [PanelSpec], _ input: FigureInput) throws -> [Fig2Panel] {
        try panels.map { q in
            Fig2Panel(title: q.title, ode: try input.table(q.ode, Schema.trajectory),
                      particles: try q.particles.map { try input.table($0, Schema.particles) })
        }
    }

    func analyse(_ panels: [Fig2Panel]) -> Metrics { Fig2Analysis.metrics(panels) }

    func draw(_ panels: [Fig2Panel]) throws -> Figure {
        var fig = Figure(width: FigureStyle.fullWidth, height: 190, rows: 1, cols: panels.count)
        fig.shareY = true
        for (k, panel) in panels.enumerated() {
            let t = try panel.ode.doubles(.t), ap = try panel.ode.doubles(.alphaPlus), am = try panel.ode.doubles(.alphaMinus)
            let points = try Fig2Analysis.points(panel)
            fig.panel(0, k) { p in
                p.title = panel.title
                p.line(t, ap, label: "$\\alpha_{+}$ (ODE)", style: .color(FigureStyle.blue))
                p.line(t, am, label: "$\\alpha_{-}$ (ODE)", style: LineStyle(color: FigureStyle.vermillion, dash: .dashed))
                if panel.particles != nil {
                    let times = points.map(\.t)
                    let plus = points.map(\.meanPlus), minus = points.map(\.meanMinus)
                    p.scatter(times, plus.map(\.0), label: "particles, $d$ = 1000", marker: .hollowCircle, color: FigureStyle.blue)
                    p.errorBars(times, plus.map(\.0), err: plus.map(\.1), color: FigureStyle.blue)
                    p.scatter(times, minus.map(\.0), marker: .hollowCircle, color: FigureStyle.vermillion)
                    p.errorBars(times, minus.map(\.0), err: minus.map(\.1), color: FigureStyle.vermillion)
                }
                p.hline(1); p.hline(-1); p.hline(0, style: LineStyle(color: .lightGray, width: 0.6))
                p.xLabel = "time $t$"
                if k == 0 { p.yLabel = "overlap $\\alpha_{k} = m_{k}\\cdot\\mu/|\\mu|^{2}$" }
                p.yLimits = -1.25...1.35
                // One legend, in the second panel (where the overlaps settle at once and leave the
                // middle free), where it covers the fewest marks (the renderer knows every mark's extent).
                p.legend = k == min(1, panels.count - 1) ? .best : .none
            }
        }
        return fig
    }
}
