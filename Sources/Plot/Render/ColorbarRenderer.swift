/// Draws a panel's colour bar to the right of its plot area: a gradient (continuous scales)
/// or one block per band (filled contours), a frame, ticks and labels, and the bar's label.
struct ColorbarRenderer {
    let plan: PanelPlan
    let theme: Theme

    var bar: Rect {
        let r = plan.rect
        return Rect(x: r.maxX + theme.colorbarPad, y: r.minY, width: theme.colorbarWidth, height: r.height)
    }

    /// A vertical gradient sampling the colormap at 33 stops (a 256-entry colormap is smooth
    /// between them to the eye).
    static func gradient(_ cs: ColorScale, id: String, into w: inout SVGWriter) {
        w.open("linearGradient", [("id", id), ("x1", "0"), ("y1", "1"), ("x2", "0"), ("y2", "0")])
        let n = 32
        for k in 0...n {
            let t = Double(k) / Double(n)
            w.leaf("stop", [("offset", Fixed.format(t, digits: 4)), ("stop-color", cs.colormap(t).hex)])
        }
        w.close()
    }

    func draw(into w: inout SVGWriter) {
        guard let cs = plan.colorScale else { return }
        let b = bar, t = theme
        let axis = AxisMap(scale: cs.norm == .log ? .log : .linear, lo: cs.lo, hi: cs.hi, p0: b.maxY, p1: b.minY)
        w.open("g", [("id", "colorbar\(plan.index)")])
        if let levels = cs.levels {
            let n = levels.count - 1
            w.open("g", [])
            for k in 0..<n {
                guard let ya = axis(levels[k]), var yb = axis(levels[k + 1]) else { continue }
                if k + 1 < n { yb -= 0.3 }   // overlap the next block: no seam
                w.leaf("rect", [("x", Fixed.format(b.x)), ("y", Fixed.format(Swift.min(ya, yb))),
                                ("width", Fixed.format(b.width)), ("height", Fixed.format(Swift.abs(ya - yb))),
                                ("fill", cs.colormap((Double(k) + 0.5) / Double(n)).hex)])
            }
            w.close()
        } else {
            w.leaf("rect", [("x", Fixed.format(b.x)), ("y", Fixed.format(b.y)), ("width", Fixed.format(b.width)),
                            ("height", Fixed.format(b.height)), ("fill", "url(#cmap\(plan.index))")])
        }
        w.leaf("rect", [("x", Fixed.format(b.x)), ("y", Fixed.format(b.y)), ("width", Fixed.format(b.width)),
                        ("height", Fixed.format(b.height)), ("fill", "none"), ("stroke", t.axisColor.hex),
                        ("stroke-width", Fixed.format(t.axisLineWidth))])
        guard let ticks = plan.colorbarTicks else { w.close(); return }
        var major = PathData(), minor = PathData()
        for tick in ticks.ticks {
            guard let y = axis(tick.value) else { continue }
            let len = tick.isMajor ? t.majorTickLength : t.minorTickLength
            if tick.isMajor { major.move(Point(b.maxX, y)); major.line(Point(b.maxX + len, y)) }
            else { minor.move(Point(b.maxX, y)); minor.line(Point(b.maxX + len, y)) }
        }
        for (d, width) in [(major, t.majorTickWidth), (minor, t.minorTickWidth)] where !d.isEmpty {
            w.leaf("path", [("d", d.string), ("fill", "none"), ("stroke", t.axisColor.hex), ("stroke-width", Fixed.format(width))])
        }
        var maxW = 0.0
        w.open("g", [("font-size", Fixed.format(t.tickFontSize))])
        for tick in ticks.major {
            guard let y = axis(tick.value), let l = tick.label else { continue }
            let text = RichText(l)
            let ink = FontMetrics.ink(text)
            maxW = Swift.max(maxW, FontMetrics.width(text, fontSize: t.tickFontSize))
            TextRenderer.write(text, x: b.maxX + t.majorTickLength + t.tickLabelPad,
                               y: y + (ink.top - ink.bottom) / 2 * t.tickFontSize, fontSize: t.tickFontSize,
                               anchor: .start, color: t.textColor, inheritFont: true, into: &w)
        }
        w.close()
        if let m = ticks.multiplier {
            TextRenderer.write(RichText(m), x: b.minX, y: b.minY - 4, fontSize: t.tickFontSize, anchor: .start,
                               color: t.textColor, into: &w)
        }
        if let label = plan.panel.colorbarLabel {
            let text = RichText(label)
            let x = b.maxX + t.majorTickLength + t.tickLabelPad + maxW + t.labelPad + FontMetrics.ink(text).top * t.labelFontSize
            TextRenderer.write(text, x: x, y: b.midY, fontSize: t.labelFontSize, anchor: .middle,
                               color: t.textColor, rotate: -90, into: &w)
        }
        w.close()
    }
}

extension FigureRenderer {
    /// Horizontal space the colour bar takes right of the plot area (for an outside legend).
    static func colorbarWidth(_ plan: PanelPlan, _ t: Theme) -> Double {
        guard plan.colorScale != nil else { return 0 }
        let labels = plan.colorbarTicks?.major.compactMap(\.label) ?? []
        var w = t.colorbarPad + t.colorbarWidth + t.majorTickLength + t.tickLabelPad
            + (labels.map { FontMetrics.width(RichText($0), fontSize: t.tickFontSize) }.max() ?? 0)
        if let cl = plan.panel.colorbarLabel {
            let ink = FontMetrics.ink(RichText(cl))
            w += t.labelPad + (ink.top + ink.bottom) * t.labelFontSize
        }
        return w
    }
}
