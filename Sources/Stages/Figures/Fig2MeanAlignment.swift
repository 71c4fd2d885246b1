// fig2 — mean alignment with fixed weights: theory (ODE lines) vs simulation (particle markers) (figures.md).
import Engine
import Foundation
import Plot

struct Fig2MeanAlignment: FigureDrawing {
    let name = "fig2"
    let sourceFile = "Sources/Stages/Figures/Fig2MeanAlignment.swift"

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

    func draw(_ panels: [PanelSpec], _ input: FigureInput) throws -> (Figure, Metrics) {
        var fig = Figure(width: FigureStyle.fullWidth, height: 190, rows: 1, cols: panels.count)
        fig.shareY = true
        var m = Metrics()
        var maxMean = 0.0, maxSeed = 0.0
        for (k, q) in panels.enumerated() {
            let ode = try input.csv(q.ode)
            let t = try ode.doubles(.t), ap = try ode.doubles(.alphaPlus), am = try ode.doubles(.alphaMinus)
            let letter = ["a", "b", "c", "d"][k]
            m["\(letter)_final_alpha_plus"] = ap.last
            m["\(letter)_final_alpha_minus"] = am.last
            try fig.panel(0, k) { p in
                p.title = q.title
                p.line(t, ap, label: "$\\alpha_{+}$ (ODE)", style: .color(FigureStyle.blue))
                p.line(t, am, label: "$\\alpha_{-}$ (ODE)", style: LineStyle(color: FigureStyle.vermillion, dash: .dashed))
                if let particles = q.particles {
                    let sim = try input.csv(particles)
                    let odeAt = Dictionary(zip(t, zip(ap, am)), uniquingKeysWith: { a, _ in a })
                    var times: [Double] = [], mp: [Double] = [], sp: [Double] = [], mm: [Double] = [], sm: [Double] = []
                    let st = try sim.doubles(.t), sap = try sim.doubles(.alphaPlus), sam = try sim.doubles(.alphaMinus)
                    for time in Array(Set(st)).sorted() {
                        let idx = st.indices.filter { st[$0] == time }
                        guard let (op, om) = odeAt[time] else { throw StageFailure("the ODE has no point at t = \(time): use a grid containing the particles' times") }
                        let xp = idx.map { sap[$0] }, xm = idx.map { sam[$0] }
                        for (a, b) in zip(xp, xm) { maxSeed = max(maxSeed, abs(a - op), abs(b - om)) }
                        let (m1, s1) = meanSE(xp), (m2, s2) = meanSE(xm)
                        maxMean = max(maxMean, abs(m1 - op), abs(m2 - om))
                        times.append(time); mp.append(m1); sp.append(s1); mm.append(m2); sm.append(s2)
                    }
                    p.scatter(times, mp, label: "particles, $d$ = 1000", marker: .hollowCircle, color: FigureStyle.blue)
                    p.errorBars(times, mp, err: sp, color: FigureStyle.blue)
                    p.scatter(times, mm, marker: .hollowCircle, color: FigureStyle.vermillion)
                    p.errorBars(times, mm, err: sm, color: FigureStyle.vermillion)
                }
                p.hline(1); p.hline(-1); p.hline(0, style: LineStyle(color: .lightGray, width: 0.6))
                p.xLabel = "time $t$"
                if k == 0 { p.yLabel = "overlap $\\alpha_{k} = m_{k}\\cdot\\mu/|\\mu|^{2}$" }
                p.yLimits = -1.25...1.35
                p.legend = k == 0 ? .centerRight : .none
            }
        }
        m["max_abs_dalpha_seed_mean"] = maxMean
        m["max_abs_dalpha_any_seed"] = maxSeed
        return (fig, m)
    }

    func meanSE(_ xs: [Double]) -> (Double, Double) {
        let n = Double(xs.count), mean = xs.reduce(0, +) / n
        guard xs.count > 1 else { return (mean, 0) }
        let v = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        return (mean, (v / n).squareRoot())
    }
}
