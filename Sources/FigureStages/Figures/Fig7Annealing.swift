// fig7 — annealing (beyond the paper): can a tempered target prevent mean alignment, and at what cost? (figures.md)
import Foundation
import Plot
import Theory
import StageAPI
import StageSupport
import TableQuery

struct Fig7Annealing: FigureDrawing {
    let name = "fig7"

    struct FlowRun { var label: String, metrics: String }

    /// Option `flows`: the flow runs to compare, the first without annealing.
    func flowRuns(_ options: Params) throws -> [FlowRun] {
        guard case .array(let flows)? = options.raw("flows"), !flows.isEmpty else {
            throw ParamError(key: options.fullKey("flows"), "must list the flow runs: {label, metrics}, the first without annealing")
        }
        return try flows.enumerated().map { i, f in
            guard case .object(let o) = f else { throw ParamError(key: "flows[\(i)]", "must be a mapping") }
            let q = Params(o, path: "options.flows[\(i)]")
            let run = FlowRun(label: try q.string("label"), metrics: try q.string("metrics"))
            if let k = q.unreadKeys.first { throw ParamError(key: k, "is not a flow field (label, metrics)") }
            return run
        }
    }

    struct Options {
        var power: String, variance: String, baseline: String, beta0Line: Double, avoidThreshold: Double
        var checkParticles: String, checkODE: String, flows: [FlowRun]
    }

    func options(_ o: Params) throws -> Options {
        Options(power: try o.string("power"), variance: try o.string("variance"), baseline: try o.string("baseline"),
                beta0Line: try o.double("beta0_line"), avoidThreshold: try o.double("avoid_threshold", default: 0.05),
                checkParticles: try o.string("check_particles"), checkODE: try o.string("check_ode"), flows: try flowRuns(o))
    }

    func inputs(_ o: Options) -> [String] {
        [o.power, o.variance, o.baseline, o.checkParticles, o.checkODE] + o.flows.map(\.metrics)
    }

    func load(_ o: Options, _ input: FigureInput) throws -> Fig7Data {
        let modes = try [("power", "power tempering $p^{\\beta}$", o.power), ("variance", "variance tempering $\\sigma_{p}^{2}/\\beta$", o.variance)].map { name, title, path in
            let t = try input.table(path, Schema.sweep(tempered: true))
            return Fig7Data.Mode(name: name, title: title, table: t, schedules: try Fig7Analysis.schedules(t))
        }
        return Fig7Data(modes: modes, baseline: try input.table(o.baseline, Schema.sweep(tempered: false)),
                        beta0Line: o.beta0Line, avoidThreshold: o.avoidThreshold,
                        checkParticles: try input.table(o.checkParticles, Schema.particles), checkODE: try input.table(o.checkODE, Schema.trajectory),
                        flows: try o.flows.map { ($0.label, try input.table($0.metrics, Schema.flowMetrics)) })
    }

    func analyse(_ data: Fig7Data) -> Metrics { Fig7Analysis.metrics(data) }

    /// The no-annealing baseline: P(collapse) and its interval (nil without a row: nothing is drawn for it).
    struct Baseline { var p: Double, lo: Double, hi: Double }

    func draw(_ data: Fig7Data) throws -> Figure {
        let b = data.baseline
        let base = b.isEmpty ? nil : Baseline(p: try b.doubles(.pCollapse)[0], lo: try b.doubles(.pCollapseLo)[0], hi: try b.doubles(.pCollapseHi)[0])
        var fig = Figure(width: FigureStyle.fullWidth, height: 580, rows: 3, cols: 2)
        heatmaps(data, base: base, into: &fig)
        profile(data, base: base, into: &fig)
        cost(data, base: base, into: &fig)
        try flows(data.flows, into: &fig)
        return fig
    }

    /// a, b: P(collapse) over (τ, β₀) per tempering mode, the cheapest avoiding schedule marked.
    func heatmaps(_ data: Fig7Data, base: Baseline?, into fig: inout Figure) {
        for (k, mode) in data.modes.enumerated() where !mode.schedules.isEmpty {
            let cs = mode.schedules
            let betas = Array(Set(cs.map(\.beta0))).sorted(), taus = Array(Set(cs.map(\.tau))).sorted()
            var z = Array(repeating: Array(repeating: Double.nan, count: taus.count), count: betas.count)
            for c in cs { z[betas.firstIndex(of: c.beta0)!][taus.firstIndex(of: c.tau)!] = c.p }
            let cheapest = Fig7Analysis.cheapestAvoiding(mode, threshold: data.avoidThreshold)
            fig.panel(0, k) { p in
                p.heatmap(x: taus, y: betas, z: z, range: 0...0.6)
                p.xScale = .log
                p.yScale = .log
                p.xLabel = "annealing time $\\tau$"
                p.yLabel = "initial $\\beta_{0}$"
                p.title = mode.title
                p.colorbarLabel = "$P_{\\mathrm{collapse}}$" + (base.map { " (no annealing: \(fixed($0.p, 2)))" } ?? "")
                if let a = cheapest { p.scatter([a.tau], [a.beta0], marker: .cross, color: .white) }
            }
        }
    }

    /// c: P vs τ at one β₀, both modes, Wilson bands, with the baseline.
    func profile(_ data: Fig7Data, base: Baseline?, into fig: inout Figure) {
        let b0 = data.beta0Line
        fig.panel(1, 0) { p in
            if let base {
                p.band([1, 2e4], lower: [base.lo, base.lo], upper: [base.hi, base.hi], color: .darkGray, opacity: 0.12)
                p.hline(base.p, label: "no annealing", style: LineStyle(color: .black, dash: .dashed))
            }
            for (k, mode) in data.modes.enumerated() {
                let row = mode.schedules.filter { $0.beta0 == b0 }.sorted { $0.tau < $1.tau }
                let color = k == 0 ? FigureStyle.vermillion : FigureStyle.blue
                p.band(row.map(\.tau), lower: row.map(\.lo), upper: row.map(\.hi), color: color, opacity: 0.18)
                p.line(row.map(\.tau), row.map(\.p), label: mode.title, style: LineStyle(color: color, marker: .circle))
            }
            p.hline(data.avoidThreshold, style: LineStyle(color: .gray, width: 0.6, dash: .dotted))
            p.xScale = .log
            p.xLimits = 5...20000
            p.yLimits = -0.02...0.95
            p.xLabel = "annealing time $\\tau$"
            p.yLabel = "$P_{\\mathrm{collapse}}$ at $\\beta_{0}$ = \(b0)"
            p.legend = .upperRight
        }
    }

    /// d: cost: P vs total training time for every schedule.
    func cost(_ data: Fig7Data, base: Baseline?, into fig: inout Figure) {
        fig.panel(1, 1) { p in
            for (k, mode) in data.modes.enumerated() {
                let color = k == 0 ? FigureStyle.vermillion : FigureStyle.blue
                p.scatter(mode.schedules.map(\.tEnd), mode.schedules.map(\.p), label: mode.title, marker: k == 0 ? .circle : .square, color: color)
            }
            p.hline(data.avoidThreshold, label: "$P$ = \(data.avoidThreshold)", style: LineStyle(color: .gray, width: 0.6, dash: .dotted))
            if let base { p.hline(base.p, style: LineStyle(color: .black, dash: .dashed)) }
            p.xScale = .log
            p.yLimits = -0.02...0.95
            p.xLabel = "total training time $\\tau$ + 400"
            p.yLabel = "$P_{\\mathrm{collapse}}$ (every schedule)"
            p.legend = .upperRight
        }
    }

    /// e, f: normalizing flows in fig6's collapsing setting, with and without an annealed target.
    func flows(_ runs: [(label: String, table: Table)], into fig: inout Figure) throws {
        // A run without rows draws no point (its claims fail, saying why).
        let cells = try runs.enumerated().compactMap { i, run in try run.table.isEmpty ? nil : (Double(i), run.label, Fig6Analysis.count(run.table)) }
        let xs = cells.map(\.0), fr = cells.map(\.2.fraction)
        let seedCounts = cells.map(\.2.seeds)
        fig.panel(2, 0) { p in
            p.errorBars(xs, fr, lower: cells.map(\.2.interval.lo), upper: cells.map(\.2.interval.hi), color: FigureStyle.purple)
            p.scatter(xs, fr, marker: .circle, color: FigureStyle.purple)
            for (x, label, _) in cells { p.text(label, x: x, y: -0.16, align: .center, size: 8) }
            p.xLimits = -0.6...(Double(runs.count) - 0.4)
            p.xTicks = []
            p.yLimits = -0.25...1.05
            p.yTicks = [0, 0.25, 0.5, 0.75, 1]
            p.yLabel = "RealNVP runs collapsed"
            let seeds = seedCounts.allSatisfy { $0 == seedCounts.first } ? "\(seedCounts.first ?? 0) seeds"
                : "seeds " + seedCounts.map(String.init).joined(separator: "/")
            p.title = "RealNVP, $d$ = 16, far start, \(seeds)"
        }
        try fig.panel(2, 1) { p in
            for (i, run) in runs.enumerated() {
                let color = i == 0 ? Color.darkGray : FigureStyle.okabe(i)
                for (j, (_, r)) in try run.table.groups(by: .seed).enumerated() {
                    p.line(try r.doubles(.step), try r.doubles(.minMass).map { max($0, 1e-6) },
                           label: j == 0 ? run.label : nil,
                           style: LineStyle(color: color, width: 0.6, opacity: 0.6))
                }
            }
            p.hline(CollapseOutcome.massThreshold)
            p.yScale = .log
            p.yLimits = 1e-6...1
            p.xLabel = "training step"
            p.yLabel = "smaller mode mass"
            p.legend = .lowerLeft
        }
    }
}
