import Foundation

/// Turns a `Figure` into SVG: plans each panel (limits, colours, legend), lays the grid out
/// from measured labels, then draws. Pure and deterministic: no global state.
struct FigureRenderer {
    let figure: Figure
    var theme: Theme { figure.theme }

    func render() throws -> String {
        var plans = try plan()
        try layout(&plans)
        return draw(plans)
    }

    // MARK: planning

    func plan() throws -> [PanelPlan] {
        let f = figure
        var extents: [(x: Extent, y: Extent, tight: Bool)] = []
        for (i, p) in f.panels.enumerated() {
            try Resolve.validate(p, where: "panel (\(i / f.cols), \(i % f.cols))")
            extents.append(Resolve.extents(p))
        }
        var plans: [PanelPlan] = []
        let multi = f.rows * f.cols > 1
        for (i, p) in f.panels.enumerated() {
            let r = i / f.cols, c = i % f.cols
            // Shared axes: union the extents of the group; the first explicit limits win.
            var ex = extents[i].x, ey = extents[i].y
            var xl = p.xLimits, yl = p.yLimits
            var tightX = extents[i].tight, tightY = extents[i].tight
            if f.shareX {
                ex = Extent(); xl = nil; tightX = false
                for rr in 0..<f.rows {
                    let j = rr * f.cols + c
                    ex.add(extents[j].x); tightX = tightX || extents[j].tight
                    if xl == nil { xl = f.panels[j].xLimits }
                }
            }
            if f.shareY {
                ey = Extent(); yl = nil; tightY = false
                for cc in 0..<f.cols {
                    let j = r * f.cols + cc
                    ey.add(extents[j].y); tightY = tightY || extents[j].tight
                    if yl == nil { yl = f.panels[j].yLimits }
                }
            }
            let (x0, x1) = Resolve.limits(extent: ex, explicit: xl, scale: p.xScale, margin: tightX ? 0 : theme.dataMargin)
            let (y0, y1) = Resolve.limits(extent: ey, explicit: yl, scale: p.yScale, margin: tightY ? 0 : theme.dataMargin)
            var plan = PanelPlan(index: i, row: r, col: c, panel: p,
                                 colors: Resolve.colors(p.marks, palette: theme.palette),
                                 xLo: x0, xHi: x1, yLo: y0, yHi: y1)
            if f.shareX && r < f.rows - 1 { plan.showXTickLabels = false; plan.showXLabel = false }
            if f.shareY && c > 0 { plan.showYTickLabels = false; plan.showYLabel = false }
            plan.colorScale = p.showColorbar ? try colorScale(p) : nil
            plan.legend = LegendRenderer.entries(p, colors: plan.colors, theme: theme)
            switch f.panelLetters {
            case .automatic: plan.letter = multi ? letter(i) : nil
            case .bold: plan.letter = letter(i)
            case .parenthesized: plan.letter = "(" + letter(i) + ")"
            case .none: plan.letter = nil
            }
            plans.append(plan)
        }
        return plans
    }

    private func letter(_ i: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        return i < 26 ? String(letters[i]) : String(letters[i / 26 - 1]) + String(letters[i % 26])
    }

    /// The colour scale of the first colour-mapped mark, for the colour bar.
    func colorScale(_ p: Panel) throws -> ColorScale? {
        for m in p.marks {
            switch m.kind {
            case .heatmap(let h):
                let range = h.range.map { ($0.lowerBound, $0.upperBound) } ?? ColorScale.dataRange(h.z, norm: h.norm)
                guard let (lo, hi) = range else { return nil }
                return ColorScale(lo: lo, hi: hi, norm: h.norm, colormap: h.colormap ?? theme.colormap, levels: nil)
            case .contour(let c) where c.filled:
                let levels = try MarkRenderer.levels(c)
                guard let lo = levels.first, let hi = levels.last, levels.count >= 2 else { return nil }
                return ColorScale(lo: lo, hi: hi, norm: .linear, colormap: c.colormap ?? theme.colormap, levels: levels)
            default: continue
            }
        }
        return nil
    }

    // MARK: layout

    /// Places every panel: ticks are chosen for the axis lengths, gutters are measured from
    /// the labels, and the grid is solved again with those gutters (three rounds settle it).
    func layout(_ plans: inout [PanelPlan]) throws {
        let f = figure
        let titleHeight = f.title.map { _ in theme.titleFontSize * 1.1 + 6 } ?? 0
        // First guess of the plot sizes.
        var plotW = (f.width - 2 * theme.outerPad) / Double(f.cols) - 50
        var plotH = (f.height - 2 * theme.outerPad - titleHeight) / Double(f.rows) - 35
        var gutters: [Gutters] = []
        var previous: [Gutters]? = nil
        for round in 0..<3 {
            gutters = []
            for i in plans.indices {
                try chooseTicks(&plans[i], width: Swift.max(plotW, 20), height: Swift.max(plotH, 20))
                var g = measure(plans[i])
                if let prev = previous?[i] {   // never shrink after the first measurement
                    g.left = Swift.max(g.left, prev.left); g.right = Swift.max(g.right, prev.right)
                    g.top = Swift.max(g.top, prev.top); g.bottom = Swift.max(g.bottom, prev.bottom)
                }
                gutters.append(g)
            }
            previous = gutters
            let left = (0..<f.cols).map { c in (0..<f.rows).map { gutters[$0 * f.cols + c].left }.max()! }
            let right = (0..<f.cols).map { c in (0..<f.rows).map { gutters[$0 * f.cols + c].right }.max()! }
            let top = (0..<f.rows).map { r in (0..<f.cols).map { gutters[r * f.cols + $0].top }.max()! }
            let bottom = (0..<f.rows).map { r in (0..<f.cols).map { gutters[r * f.cols + $0].bottom }.max()! }
            plotW = (f.width - 2 * theme.outerPad - left.reduce(0, +) - right.reduce(0, +)
                     - theme.panelSpacing * Double(f.cols - 1)) / Double(f.cols)
            plotH = (f.height - 2 * theme.outerPad - titleHeight - top.reduce(0, +) - bottom.reduce(0, +)
                     - theme.panelSpacing * Double(f.rows - 1)) / Double(f.rows)
            guard plotW >= 10, plotH >= 10 else {
                throw PlotError.invalidData("a \(Fixed.format(f.width))×\(Fixed.format(f.height)) pt figure is too small for \(f.rows)×\(f.cols) panels and their labels")
            }
            var x = theme.outerPad
            var colX: [(cell: Double, plot: Double)] = []
            for c in 0..<f.cols {
                colX.append((x, x + left[c]))
                x += left[c] + plotW + right[c] + theme.panelSpacing
            }
            var y = theme.outerPad + titleHeight
            var rowY: [Double] = []
            for r in 0..<f.rows {
                rowY.append(y + top[r])
                y += top[r] + plotH + bottom[r] + theme.panelSpacing
            }
            for i in plans.indices {
                let p = plans[i]
                plans[i].cellLeft = colX[p.col].cell
                plans[i].rect = Rect(x: colX[p.col].plot, y: rowY[p.row], width: plotW, height: plotH)
                plans[i].rowTop = rowY[p.row]
                if round == 2 {
                    if p.panel.equalAspect { applyEqualAspect(&plans[i]) }
                    try chooseTicks(&plans[i], width: plans[i].rect.width, height: plans[i].rect.height)
                }
            }
        }
    }

    private func applyEqualAspect(_ p: inout PanelPlan) {
        let sx = p.panel.xScale, sy = p.panel.yScale
        let dw = Swift.abs(sx.forward(p.xHi) - sx.forward(p.xLo)), dh = Swift.abs(sy.forward(p.yHi) - sy.forward(p.yLo))
        guard dw > 0, dh > 0 else { return }
        let r = p.rect
        if r.height / r.width > dh / dw {
            let h = r.width * dh / dw
            p.rect = Rect(x: r.x, y: r.y + (r.height - h) / 2, width: r.width, height: h)
        } else {
            let w = r.height * dw / dh
            p.rect = Rect(x: r.x + (r.width - w) / 2, y: r.y, width: w, height: r.height)
        }
    }

    func chooseTicks(_ p: inout PanelPlan, width: Double, height: Double) throws {
        p.xTicks = try TickChoice.ticks(scale: p.panel.xScale, lo: p.xLo, hi: p.xHi, custom: p.panel.xTicks,
                                        length: width, horizontal: true, fontSize: theme.tickFontSize)
        p.yTicks = try TickChoice.ticks(scale: p.panel.yScale, lo: p.yLo, hi: p.yHi, custom: p.panel.yTicks,
                                        length: height, horizontal: false, fontSize: theme.tickFontSize)
        if let cs = p.colorScale {
            if let levels = cs.levels, levels.count <= 12 {
                let scale = Scale.linear
                var t = AxisTicks(ticks: zip(levels, TickChoice.labels(for: levels, scale: scale)).map { Tick(value: $0, label: $1) }, multiplier: nil)
                if TickChoice.collides(t, scale: scale, lo: cs.lo, hi: cs.hi, length: height, horizontal: false, fontSize: theme.tickFontSize) {
                    t = try TickChoice.ticks(scale: scale, lo: cs.lo, hi: cs.hi, custom: nil, length: height, horizontal: false, fontSize: theme.tickFontSize)
                }
                p.colorbarTicks = t
            } else {
                p.colorbarTicks = try TickChoice.ticks(scale: cs.norm == .log ? .log : .linear, lo: cs.lo, hi: cs.hi, custom: nil,
                                                       length: height, horizontal: false, fontSize: theme.tickFontSize)
            }
        }
    }

    /// The gutters a panel needs for its tick labels, axis labels, title, letter, colour bar
    /// and outside legend.
    func measure(_ p: PanelPlan) -> Gutters {
        let t = theme
        var g = Gutters()
        let tick = t.majorTickLength
        // Left: y tick labels and y label.
        g.left = tick + 2
        if p.showYTickLabels {
            g.left = tick + t.tickLabelPad + maxLabelWidth(p.yTicks, t.tickFontSize) + 1
        }
        if p.showYLabel, let yl = p.panel.yLabel {
            let ink = FontMetrics.ink(RichText(yl))
            g.left += t.labelPad + (ink.top + ink.bottom) * t.labelFontSize
        }
        // Bottom: x tick labels, x label, x multiplier.
        g.bottom = tick + 2
        if p.showXTickLabels {
            g.bottom = tick + t.tickLabelPad + maxInkHeight(p.xTicks, t.tickFontSize) + 1
            if p.xTicks.multiplier != nil && !(p.showXLabel && p.panel.xLabel != nil) {
                g.bottom += t.tickFontSize * 1.3
            }
        }
        if p.showXLabel, let xl = p.panel.xLabel {
            let ink = FontMetrics.ink(RichText(xl))
            g.bottom += t.labelPad + (ink.top + ink.bottom) * t.labelFontSize
        }
        // Top: half a tick label (the top y label straddles the edge), title, letter, y multiplier.
        g.top = 0.6 * t.tickFontSize
        if let title = p.panel.title {
            g.top = Swift.max(g.top, 6 + FontMetrics.ink(RichText(title)).top * t.titleFontSize)
        }
        if p.letter != nil { g.top = Swift.max(g.top, 6 + FontMetrics.capHeight * t.letterFontSize) }
        if p.yTicks.multiplier != nil && p.showYTickLabels {
            g.top = Swift.max(g.top, 4 + 1.0 * t.tickFontSize)
        }
        // Right: half the last x label, colour bar, legend outside.
        g.right = 0
        if p.showXTickLabels, let last = p.xTicks.major.last, let l = last.label,
           let pos = AxisMap(scale: p.panel.xScale, lo: p.xLo, hi: p.xHi, p0: 0, p1: 1)(last.value), pos > 0.97 {
            g.right = Swift.max(0, FontMetrics.width(RichText(l), fontSize: t.tickFontSize) / 2 - t.panelSpacing / 2)
        }
        if p.colorScale != nil, let ct = p.colorbarTicks {
            var w = t.colorbarPad + t.colorbarWidth + tick + t.tickLabelPad + maxLabelWidth(ct, t.tickFontSize)
            if let cl = p.panel.colorbarLabel {
                let ink = FontMetrics.ink(RichText(cl))
                w += t.labelPad + (ink.top + ink.bottom) * t.labelFontSize
            }
            g.right = Swift.max(g.right, w)
        }
        if p.panel.legend == .outsideRight, let (lw, _) = p.legendSize(t) {
            g.right += 6 + lw
        }
        return g
    }

    func maxLabelWidth(_ t: AxisTicks, _ size: Double) -> Double {
        t.major.compactMap(\.label).map { FontMetrics.width(RichText($0), fontSize: size) }.max() ?? 0
    }

    func maxInkHeight(_ t: AxisTicks, _ size: Double) -> Double {
        t.major.compactMap(\.label).map { l -> Double in
            let ink = FontMetrics.ink(RichText(l)); return (ink.top + ink.bottom) * size
        }.max() ?? 0
    }

    // MARK: drawing

    func draw(_ plans: [PanelPlan]) -> String {
        let f = figure
        var w = SVGWriter()
        w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>")
        w.open("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"), ("xmlns:xlink", "http://www.w3.org/1999/xlink"), ("version", "1.1"),
            ("width", Fixed.format(f.width) + "pt"), ("height", Fixed.format(f.height) + "pt"),
            ("viewBox", "0 0 \(Fixed.format(f.width)) \(Fixed.format(f.height))"),
            ("font-family", theme.fontFamily), ("xml:space", "preserve"),
        ])
        w.leaf("rect", [("width", Fixed.format(f.width)), ("height", Fixed.format(f.height)), ("fill", theme.background.hex)])
        w.open("defs")
        for p in plans {
            w.open("clipPath", [("id", "clip\(p.index)")])
            w.leaf("rect", rectAttributes(p.rect))
            w.close()
            if let cs = p.colorScale, cs.levels == nil {
                ColorbarRenderer.gradient(cs, id: "cmap\(p.index)", into: &w)
            }
        }
        w.close()
        if let title = f.title {
            TextRenderer.write(RichText(title), x: f.width / 2,
                               y: theme.outerPad + FontMetrics.capHeight * theme.titleFontSize * 1.1,
                               fontSize: theme.titleFontSize * 1.1, anchor: .middle, color: theme.textColor, into: &w)
        }
        for p in plans {
            PanelRenderer(plan: p, theme: theme).draw(into: &w)
        }
        w.close()
        return w.finish()
    }

    func rectAttributes(_ r: Rect) -> SVGWriter.Attributes {
        [("x", Fixed.format(r.x)), ("y", Fixed.format(r.y)), ("width", Fixed.format(r.width)), ("height", Fixed.format(r.height))]
    }
}
