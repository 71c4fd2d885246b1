// fig6 — normalizing flows collapse like the mixture does (figures.md).
import Engine
import Foundation
import Plot
import Theory

struct Fig6FlowCollapse: FigureDrawing {
    let name = "fig6"
    let sourceFile = "Sources/Stages/Figures/Fig6FlowCollapse.swift"

    /// `far`, `near` (metrics) and `farSamples` are path templates in `{d}`.
    struct Options { var dims: [Int], far: String, near: String, farSamples: String, panelBD: Int, panelCDims: [Int] }

    func options(_ o: Params) throws -> Options {
        Options(dims: try o.ints("dims"), far: try o.string("far"), near: try o.string("near"), farSamples: try o.string("far_samples"),
                panelBD: try o.int("panel_b_d"), panelCDims: try o.ints("panel_c_dims"))
    }

    func inputs(_ o: Options) -> [String] {
        (o.dims + [o.panelBD]).flatMap { d in [o.far, o.near].map { path($0, d: d) } } + o.panelCDims.map { path(o.farSamples, d: $0) }
    }

    func path(_ template: String, d: Int) -> String { FigureInput.path(template, d: d) }

    static let collapsed = CollapseOutcome.massThreshold

    /// Final min(ŵ₊, ŵ₋) per seed (the last logged step of each seed).
    func finalMinMass(_ csv: CSVReader) throws -> [Double] {
        var last: [String: Double] = [:], order: [String] = []
        for (s, m) in zip(try csv.strings(.seed), try csv.doubles(.minMass)) {
            if last[s] == nil { order.append(s) }
            last[s] = m
        }
        return order.map { last[$0]! }
    }

    /// The near-identity start's collapses, if any: how early the first one
    /// drains, and how well each had fit both modes before (its lowest KL
    /// while both modes held ≥ 0.1; the worst over runs) — a late jump out of
    /// a covering fit, not the far start's early drain while the KL is large.
    func lateCollapses(_ paths: [String], _ input: FigureInput, into m: inout Metrics) throws {
        var count = 0, earliest = Double.infinity, klBefore = 0.0, klRise = Double.infinity
        for path in paths {
            let csv = try input.csv(path)
            for s in try csv.distinct(.seed) {
                let r = try csv.filter([.seed: s])
                let steps = try r.doubles(.step), mins = try r.doubles(.minMass), kl = try r.doubles(.kl)
                guard let last = mins.last, last < Self.collapsed else { continue }
                count += 1
                // The drain: the step after the last one at which both modes still held ≥ 0.1.
                guard let i = mins.lastIndex(where: { $0 >= Self.collapsed }) else { earliest = 0; continue }
                let drain = i + 1 < steps.count ? steps[i + 1] : steps[i]
                earliest = min(earliest, drain)
                let best = kl[...i].min()!
                klBefore = max(klBefore, best)
                klRise = min(klRise, kl.last! / best)
            }
        }
        m["near_collapsed_runs"] = Double(count)
        if count > 0 {
            m["near_collapse_earliest_drain_step"] = earliest
            m["near_collapse_max_best_kl_before_drain"] = klBefore
            // > 1: the KL went up through the collapse, which the gradient flow never does.
            m["near_collapse_min_kl_rise"] = klRise
        }
    }

    func draw(_ o: Options, _ input: FigureInput) throws -> (Figure, Metrics) {
        let dims = o.dims
        let far = o.far, near = o.near, farSamples = o.farSamples
        var m = Metrics()
        var fig = Figure(width: FigureStyle.fullWidth, height: 190, rows: 1, cols: 3)

        // a: collapse fraction vs d, far vs near-identity start, Wilson 95% intervals.
        var farSmallMax = 0.0, farSmallMaxHi = 0.0, farLargeMin = 1.0, farLargeMinLo = 1.0, nearMax = 0.0, nearMaxHi = 0.0
        var seedCounts: [Int] = []
        try fig.panel(0, 0) { p in
            for (pattern, label, color, marker) in [(far, "far start, $c$ = 3", FigureStyle.vermillion, Marker.circle),
                                                    (near, "near identity, $c$ = 0.01", FigureStyle.blue, Marker.square)] {
                var ds: [Double] = [], fr: [Double] = [], lo: [Double] = [], hi: [Double] = []
                for d in dims {
                    let mins = try finalMinMass(try input.csv(path(pattern, d: d)))
                    let k = mins.filter { $0 < Self.collapsed }.count
                    let (l, h) = wilsonInterval(successes: k, trials: mins.count)
                    let f = Double(k) / Double(mins.count)
                    ds.append(Double(d)); fr.append(f); lo.append(l); hi.append(h)
                    seedCounts.append(mins.count)
                    let cell = "\(pattern == far ? "far" : "near")_d\(d)"
                    m["\(cell)_collapse_fraction"] = f
                    m["\(cell)_collapse_lo"] = l
                    m["\(cell)_collapse_hi"] = h
                    m["\(cell)_seeds"] = Double(mins.count)
                    if pattern == far {
                        if d <= 4 { farSmallMax = max(farSmallMax, f); farSmallMaxHi = max(farSmallMaxHi, h) }
                        if d >= 16 { farLargeMin = min(farLargeMin, f); farLargeMinLo = min(farLargeMinLo, l) }
                    } else {
                        nearMax = max(nearMax, f); nearMaxHi = max(nearMaxHi, h)
                    }
                }
                p.line(ds, fr, label: label, style: LineStyle(color: color, marker: marker))
                p.errorBars(ds, fr, lower: lo, upper: hi, color: color)
            }
            p.xScale = .log
            p.xTicks = dims.map(Double.init)
            p.xLabel = "dimension $d$"
            p.yLabel = "fraction collapsed (Wilson 95%)"
            let (fewest, most) = (seedCounts.min() ?? 0, seedCounts.max() ?? 0)
            p.title = fewest == most ? "\(most) seeds per point" : "\(fewest)–\(most) seeds per point"
            p.yLimits = -0.03...1.3
            p.yTicks = [0, 0.2, 0.4, 0.6, 0.8, 1]
            p.legend = .upperLeft
        }
        m["far_small_d_max_collapse_fraction"] = farSmallMax
        m["far_small_d_max_collapse_hi"] = farSmallMaxHi
        m["far_large_d_min_collapse_fraction"] = farLargeMin
        m["far_large_d_min_collapse_lo"] = farLargeMinLo
        m["far_increase_small_to_large_d"] = farLargeMin - farSmallMax
        // > 0 when the intervals at d ≤ 4 and at d ≥ 16 do not overlap.
        m["far_interval_gap_small_to_large_d"] = farLargeMinLo - farSmallMaxHi
        m["near_max_collapse_fraction"] = nearMax
        m["near_max_collapse_hi"] = nearMaxHi
        try lateCollapses(dims.map { path(near, d: $0) }, input, into: &m)

        // b: the minor mode drains early, while the KL is still large.
        let dB = o.panelBD
        let csvB = try input.csv(path(far, d: dB))
        let seeds = try csvB.distinct(.seed)
        var drainSteps: [Double] = [], drainKL: [Double] = [], finalKL: [Double] = []
        try fig.panel(0, 1) { p in
            for s in seeds {
                let r = try csvB.filter([.seed: s])
                let steps = try r.doubles(.step), mins = try r.doubles(.minMass), kl = try r.doubles(.kl)
                let collapsed = (mins.last ?? 1) < Self.collapsed
                p.line(steps, mins.map { max($0, 1e-6) }, style: LineStyle(color: collapsed ? FigureStyle.vermillion : FigureStyle.blue, width: 0.8, opacity: 0.75))
                if collapsed, let i = mins.firstIndex(where: { $0 < Self.collapsed }) {
                    drainSteps.append(steps[i]); drainKL.append(kl[i]); finalKL.append(kl.last ?? .nan)
                }
            }
            p.hline(Self.collapsed)
            p.yScale = .log
            p.yLimits = 1e-6...1
            p.xLabel = "training step"
            p.yLabel = "smaller mode mass min($w_{+}$, $w_{-}$)"
            p.title = "$d$ = \(dB), far start: every seed"
        }
        func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s.isEmpty ? .nan : s[s.count / 2] }
        m["drain_step_median"] = median(drainSteps)
        m["kl_at_drain_median"] = median(drainKL)
        m["kl_final_median_collapsed"] = median(finalKL)
        m["kl_drain_over_final_median"] = median(zip(drainKL, finalKL).map { $0 / $1 })

        // c: final marginal density of x·e/|μ|, per seed.
        let dimsC = o.panelCDims
        let bins = 60, lo = -2.0, hi = 2.0, width = (hi - lo) / Double(bins)
        let centres = (0..<bins).map { lo + (Double($0) + 0.5) * width }
        try fig.panel(0, 2) { p in
            for (k, d) in dimsC.enumerated() {
                let samplesPath = path(farSamples, d: d)
                let samples = try input.csv(samplesPath)
                let mu = try input.producerParams(of: samplesPath).object("target").double("mu")
                let steps = try samples.doubles(.step)
                let last = steps.max() ?? 0
                let color = k == 0 ? FigureStyle.blue : FigureStyle.vermillion
                var first = true
                for s in try samples.distinct(.seed) {
                    var h = [Double](repeating: 0, count: bins), n = 0.0
                    for (row, st) in zip(try samples.filter([.seed: s]).rows, try samples.filter([.seed: s]).doubles(.step)) where st == last {
                        let x = (Double(row[try samples.index(.x1)]) ?? .nan) / mu
                        n += 1
                        let b = Int(((x - lo) / width).rounded(.down))
                        if b >= 0 && b < bins { h[b] += 1 }
                    }
                    p.line(centres, h.map { $0 / (n * width) }, label: first ? "$d$ = \(d)" : nil,
                           style: LineStyle(color: color, width: 0.7, opacity: 0.6))
                    first = false
                }
            }
            p.vline(-1); p.vline(1)
            p.xLabel = "$x\\cdot e/|\\mu|$"
            p.yLabel = "density (final, per seed)"
            p.yLimits = 0...3
            p.legend = .upperCenter
        }
        return (fig, m)
    }
}
