// fig7 — annealing (beyond the paper): can a tempered target prevent mean alignment, and at what cost? (figures.md)
import Engine
import Foundation
import Plot
import Theory

struct Fig7Annealing: FigureDrawing {
    let name = "fig7"
    let sourceFile = "Sources/Stages/Figures/Fig7Annealing.swift"

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

    /// One schedule of a sweep: its collapse probability with the Wilson interval,
    /// and the total time it integrates (the schedule's τ plus the end time).
    struct Cell { var beta0: Double, tau: Double, tEnd: Double, p: Double, lo: Double, hi: Double }

    func cells(_ csv: CSVReader) throws -> [Cell] {
        let b = try csv.doubles(.beta0), t = try csv.doubles(.tau), e = try csv.doubles(.tEnd), p = try csv.doubles(.pCollapse)
        let lo = try csv.doubles(.pCollapseLo), hi = try csv.doubles(.pCollapseHi)
        return b.indices.map { Cell(beta0: b[$0], tau: t[$0], tEnd: e[$0], p: p[$0], lo: lo[$0], hi: hi[$0]) }
    }

    typealias Mode = (name: String, title: String, cells: [Cell])
    struct Baseline { var p: Double, lo: Double, hi: Double }

    func draw(_ o: Options, _ input: FigureInput) throws -> (Figure, Metrics) {
        let threshold = o.avoidThreshold
        let baselineCSV = try input.csv(o.baseline)
        let base = Baseline(p: try baselineCSV.doubles(.pCollapse)[0], lo: try baselineCSV.doubles(.pCollapseLo)[0],
                            hi: try baselineCSV.doubles(.pCollapseHi)[0])
        let modes: [Mode] = [("power", "power tempering $p^{\\beta}$", try cells(try input.csv(o.power))),
                             ("variance", "variance tempering $\\sigma_{p}^{2}/\\beta$", try cells(try input.csv(o.variance)))]
        var m = Metrics()
        m["baseline_p_collapse"] = base.p
        var fig = Figure(width: FigureStyle.fullWidth, height: 580, rows: 3, cols: 2)
        heatmaps(modes, base: base, threshold: threshold, into: &fig, &m)
        profile(modes, base: base, beta0: o.beta0Line, threshold: threshold, into: &fig)
        cost(modes, base: base, threshold: threshold, into: &fig)
        try particleCheck(try input.csv(o.checkParticles), ode: try input.csv(o.checkODE), &m)
        try flows(o.flows, input, into: &fig, &m)
        return (fig, m)
    }

    /// a, b: P(collapse) over (τ, β₀) per tempering mode, the cheapest avoiding schedule marked.
    func heatmaps(_ modes: [Mode], base: Baseline, threshold: Double, into fig: inout Figure, _ m: inout Metrics) {
        var best = 1.0
        for (k, (mode, title, cs)) in modes.enumerated() {
            let betas = Array(Set(cs.map(\.beta0))).sorted(), taus = Array(Set(cs.map(\.tau))).sorted()
            var z = Array(repeating: Array(repeating: Double.nan, count: taus.count), count: betas.count)
            for c in cs { z[betas.firstIndex(of: c.beta0)!][taus.firstIndex(of: c.tau)!] = c.p }
            let modeBest = cs.map(\.p).min() ?? 1
            best = min(best, modeBest)
            m["\(mode)_best_p_collapse"] = modeBest
            // The cheapest schedule (least total time) that avoids collapse.
            let avoiding = cs.filter { $0.p <= threshold }.sorted { ($0.tau, $0.beta0) < ($1.tau, $1.beta0) }
            m["\(mode)_cheapest_avoiding_total_time"] = avoiding.first.map(\.tEnd) ?? .infinity
            fig.panel(0, k) { p in
                p.heatmap(x: taus, y: betas, z: z, range: 0...0.6)
                p.xScale = .log
                p.yScale = .log
                p.xLabel = "annealing time $\\tau$"
                p.yLabel = "initial $\\beta_{0}$"
                p.title = title
                p.colorbarLabel = "$P_{\\mathrm{collapse}}$ (no annealing: \(fixed(base.p, 2)))"
                if let a = avoiding.first { p.scatter([a.tau], [a.beta0], marker: .cross, color: .white) }
            }
        }
        m["best_p_collapse"] = best
        let pw = m["power_cheapest_avoiding_total_time"] ?? .infinity, vr = m["variance_cheapest_avoiding_total_time"] ?? .infinity
        m["cheapest_time_ratio_power_over_variance"] = pw / vr
    }

    /// c: P vs τ at one β₀, both modes, Wilson bands, with the baseline.
    func profile(_ modes: [Mode], base: Baseline, beta0 b0: Double, threshold: Double, into fig: inout Figure) {
        fig.panel(1, 0) { p in
            p.band([1, 2e4], lower: [base.lo, base.lo], upper: [base.hi, base.hi], color: .darkGray, opacity: 0.12)
            p.hline(base.p, label: "no annealing", style: LineStyle(color: .black, dash: .dashed))
            for (k, (_, title, cs)) in modes.enumerated() {
                let row = cs.filter { $0.beta0 == b0 }.sorted { $0.tau < $1.tau }
                let color = k == 0 ? FigureStyle.vermillion : FigureStyle.blue
                p.band(row.map(\.tau), lower: row.map(\.lo), upper: row.map(\.hi), color: color, opacity: 0.18)
                p.line(row.map(\.tau), row.map(\.p), label: title, style: LineStyle(color: color, marker: .circle))
            }
            p.hline(threshold, style: LineStyle(color: .gray, width: 0.6, dash: .dotted))
            p.xScale = .log
            p.xLimits = 5...20000
            p.yLimits = -0.02...0.95
            p.xLabel = "annealing time $\\tau$"
            p.yLabel = "$P_{\\mathrm{collapse}}$ at $\\beta_{0}$ = \(b0)"
            p.legend = .upperRight
        }
    }

    /// d: cost: P vs total training time for every schedule.
    func cost(_ modes: [Mode], base: Baseline, threshold: Double, into fig: inout Figure) {
        fig.panel(1, 1) { p in
            for (k, (_, title, cs)) in modes.enumerated() {
                let color = k == 0 ? FigureStyle.vermillion : FigureStyle.blue
                p.scatter(cs.map(\.tEnd), cs.map(\.p), label: title, marker: k == 0 ? .circle : .square, color: color)
            }
            p.hline(threshold, label: "$P$ = \(threshold)", style: LineStyle(color: .gray, width: 0.6, dash: .dotted))
            p.hline(base.p, style: LineStyle(color: .black, dash: .dashed))
            p.xScale = .log
            p.yLimits = -0.02...0.95
            p.xLabel = "total training time $\\tau$ + 400"
            p.yLabel = "$P_{\\mathrm{collapse}}$ (every schedule)"
            p.legend = .upperRight
        }
    }

    /// The particle check of one cell: same starts, same schedule, compared
    /// over the whole trajectory (at the end, where q covers p, the Monte-Carlo
    /// gradient vanishes and agreement is automatic). The cell is chosen so
    /// that its runs end in both outcomes: `check_minority_outcome_runs`.
    func particleCheck(_ simC: CSVReader, ode odeC: CSVReader, _ m: inout Metrics) throws {
        var maxDA = 0.0, maxFinal = 0.0, agree = 0, total = 0, collapsedODE = 0
        for seed in try odeC.distinct(.seed) {
            let a = try simC.filter([.seed: seed]), b = try odeC.filter([.seed: seed])
            for (x, y) in zip(try a.doubles(.alphaPlus) + a.doubles(.alphaMinus), try b.doubles(.alphaPlus) + b.doubles(.alphaMinus)) {
                maxDA = max(maxDA, abs(x - y))
            }
            for c in [Column.alphaPlus, .alphaMinus] {
                maxFinal = max(maxFinal, abs((try a.doubles(c).last ?? .nan) - (try b.doubles(c).last ?? .nan)))
            }
            let collapsed = { (r: CSVReader) throws -> Bool in min(try r.doubles(.massPlus).last ?? 0, try r.doubles(.massMinus).last ?? 0) < CollapseOutcome.massThreshold }
            total += 1
            if try collapsed(a) == collapsed(b) { agree += 1 }
            if try collapsed(b) { collapsedODE += 1 }
        }
        m["check_runs"] = Double(total)
        m["check_minority_outcome_runs"] = Double(min(collapsedODE, total - collapsedODE))
        m["check_max_abs_dalpha"] = maxDA
        m["check_max_final_abs_dalpha"] = maxFinal
        m["check_outcome_agreement"] = Double(agree) / Double(max(total, 1))
    }

    /// e, f: normalizing flows in fig6's collapsing setting, with and without an annealed target.
    func flows(_ runs: [FlowRun], _ input: FigureInput, into fig: inout Figure, _ m: inout Metrics) throws {
        let csvs = try runs.map { try input.csv($0.metrics) }
        var xs: [Double] = [], fr: [Double] = [], lo: [Double] = [], hi: [Double] = [], labels: [String] = []
        var seedCounts: [Int] = []
        for (i, (run, csv)) in zip(runs, csvs).enumerated() {
            var last: [String: Double] = [:]
            for (seed, mm) in zip(try csv.strings(.seed), try csv.doubles(.minMass)) { last[seed] = mm }
            let k = last.values.filter { $0 < CollapseOutcome.massThreshold }.count, n = last.count
            let (l, h) = wilsonInterval(successes: k, trials: n)
            xs.append(Double(i)); fr.append(Double(k) / Double(n)); lo.append(l); hi.append(h)
            labels.append(run.label)
            seedCounts.append(n)
            m["flows_\(i)_collapse_fraction"] = Double(k) / Double(n)
        }
        m["flows_best_annealed_collapse_fraction"] = fr.dropFirst().min() ?? .nan
        fig.panel(2, 0) { p in
            p.errorBars(xs, fr, lower: lo, upper: hi, color: FigureStyle.purple)
            p.scatter(xs, fr, marker: .circle, color: FigureStyle.purple)
            for (x, label) in zip(xs, labels) { p.text(label, x: x, y: -0.16, align: .center, size: 8) }
            p.xLimits = -0.6...(Double(xs.count) - 0.4)
            p.xTicks = []
            p.yLimits = -0.25...1.05
            p.yTicks = [0, 0.25, 0.5, 0.75, 1]
            p.yLabel = "RealNVP runs collapsed"
            let seeds = seedCounts.allSatisfy { $0 == seedCounts.first } ? "\(seedCounts.first ?? 0) seeds"
                : "seeds " + seedCounts.map(String.init).joined(separator: "/")
            p.title = "RealNVP, $d$ = 16, far start, \(seeds)"
        }
        try fig.panel(2, 1) { p in
            for (i, (run, csv)) in zip(runs, csvs).enumerated() {
                let color = i == 0 ? Color.darkGray : FigureStyle.okabe(i)
                for (j, s) in try csv.distinct(.seed).enumerated() {
                    let r = try csv.filter([.seed: s])
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
