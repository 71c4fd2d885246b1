// fig7 — annealing (beyond the paper): can a tempered target prevent mean alignment, and at what cost? (figures.md)
import Engine
import Foundation
import Plot
import Theory

struct Fig7Annealing: FigureDrawing {
    let name = "fig7"
    let sourceFile = "Sources/Stages/Figures/Fig7Annealing.swift"

    func validate(_ options: Params, deps: [String]) throws {
        _ = try options.string("power"); _ = try options.string("variance"); _ = try options.string("baseline")
        _ = try options.double("beta0_line")
        _ = try options.double("avoid_threshold", default: 0.05)
    }

    struct Cell { var beta0: Double, tau: Double, p: Double, lo: Double, hi: Double }

    func cells(_ csv: CSVReader) throws -> [Cell] {
        let b = try csv.doubles("beta0"), t = try csv.doubles("tau"), p = try csv.doubles("p_collapse")
        let lo = try csv.doubles("p_collapse_lo"), hi = try csv.doubles("p_collapse_hi")
        return b.indices.map { Cell(beta0: b[$0], tau: t[$0], p: p[$0], lo: lo[$0], hi: hi[$0]) }
    }

    func draw(_ input: FigureInput) throws -> (Figure, Metrics) {
        let o = input.options
        let threshold = try o.double("avoid_threshold", default: 0.05)
        let baseline = try input.csv(try o.string("baseline"))
        let pBase = try baseline.doubles("p_collapse")[0]
        let (bLo, bHi) = (try baseline.doubles("p_collapse_lo")[0], try baseline.doubles("p_collapse_hi")[0])
        let modes = [("power", "power tempering $p^{\\beta}$", try cells(try input.csv(try o.string("power")))),
                     ("variance", "variance tempering $\\sigma_{p}^{2}/\\beta$", try cells(try input.csv(try o.string("variance"))))]
        var m = Metrics()
        m["baseline_p_collapse"] = pBase
        var fig = Figure(width: FigureStyle.fullWidth, height: 390, rows: 2, cols: 2)
        var best = 1.0
        for (k, (mode, title, cs)) in modes.enumerated() {
            let betas = Array(Set(cs.map(\.beta0))).sorted(), taus = Array(Set(cs.map(\.tau))).sorted()
            var z = Array(repeating: Array(repeating: Double.nan, count: taus.count), count: betas.count)
            for c in cs { z[betas.firstIndex(of: c.beta0)!][taus.firstIndex(of: c.tau)!] = c.p }
            let modeBest = cs.map(\.p).min() ?? 1
            best = min(best, modeBest)
            m["\(mode)_best_p_collapse"] = modeBest
            // The cheapest schedule (least total time τ + 400) that avoids collapse.
            let avoiding = cs.filter { $0.p <= threshold }.sorted { ($0.tau, $0.beta0) < ($1.tau, $1.beta0) }
            m["\(mode)_cheapest_avoiding_total_time"] = avoiding.first.map { $0.tau + 400 } ?? .infinity
            fig.panel(0, k) { p in
                p.heatmap(x: taus, y: betas, z: z, range: 0...0.6)
                p.xScale = .log
                p.yScale = .log
                p.xLabel = "annealing time $\\tau$"
                p.yLabel = "initial $\\beta_{0}$"
                p.title = title
                p.colorbarLabel = "$P_{\\mathrm{collapse}}$ (no annealing: \(fixed(pBase, 2)))"
                if let a = avoiding.first { p.scatter([a.tau], [a.beta0], marker: .cross, color: .white) }
            }
        }
        m["best_p_collapse"] = best
        let pw = m["power_cheapest_avoiding_total_time"] ?? .infinity, vr = m["variance_cheapest_avoiding_total_time"] ?? .infinity
        m["cheapest_time_ratio_power_over_variance"] = pw / vr

        // c: P vs τ at one β₀, both modes, Wilson bands, with the baseline.
        let b0 = try o.double("beta0_line")
        fig.panel(1, 0) { p in
            p.band([1, 2e4], lower: [bLo, bLo], upper: [bHi, bHi], color: .darkGray, opacity: 0.12)
            p.hline(pBase, label: "no annealing", style: LineStyle(color: .black, dash: .dashed))
            for (k, (_, title, cs)) in modes.enumerated() {
                let row = cs.filter { $0.beta0 == b0 }.sorted { $0.tau < $1.tau }
                let color = k == 0 ? FigureStyle.vermillion : FigureStyle.blue
                p.band(row.map(\.tau), lower: row.map(\.lo), upper: row.map(\.hi), color: color, opacity: 0.18)
                p.line(row.map(\.tau), row.map(\.p), label: title, style: LineStyle(color: color, marker: .circle))
            }
            p.hline(threshold, style: LineStyle(color: .gray, width: 0.6, dash: .dotted))
            p.xScale = .log
            p.xLimits = 5...20000
            p.yLimits = -0.02...0.8
            p.xLabel = "annealing time $\\tau$"
            p.yLabel = "$P_{\\mathrm{collapse}}$ at $\\beta_{0}$ = \(b0)"
            p.legend = .upperRight
        }

        // d: cost: P vs total training time τ + 400 for every schedule.
        fig.panel(1, 1) { p in
            for (k, (_, title, cs)) in modes.enumerated() {
                let color = k == 0 ? FigureStyle.vermillion : FigureStyle.blue
                p.scatter(cs.map { $0.tau + 400 }, cs.map(\.p), label: title, marker: k == 0 ? .circle : .square, color: color)
            }
            p.hline(threshold, label: "$P$ = \(threshold)", style: LineStyle(color: .gray, width: 0.6, dash: .dotted))
            p.hline(pBase, style: LineStyle(color: .black, dash: .dashed))
            p.xScale = .log
            p.yLimits = -0.02...0.8
            p.xLabel = "total training time $\\tau$ + 400"
            p.yLabel = "$P_{\\mathrm{collapse}}$ (every schedule)"
            p.legend = .upperRight
        }
        return (fig, m)
    }
}
