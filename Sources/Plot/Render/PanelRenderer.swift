/// Draws one panel: grid, marks (clipped to the plot area), spines, ticks and their labels,
/// axis labels, title, panel letter, colour bar and legend — in that order.
struct PanelRenderer {
    let plan: PanelPlan
    let theme: Theme

    func draw(into w: inout SVGWriter) {
        let r = plan.rect
        w.open("g", [("id", "panel\(plan.index)")])
        if plan.panel.grid ?? theme.grid { drawGrid(into: &w) }
        let obstacles = MarkRenderer(plan: plan, theme: theme).draw(into: &w)
        // Spines.
        var spine = PathData()
        if theme.openSpines {
            spine.polyline([Point(r.minX, r.minY), Point(r.minX, r.maxY), Point(r.maxX, r.maxY)])
        } else {
            spine.polyline([Point(r.minX, r.minY), Point(r.maxX, r.minY), Point(r.maxX, r.maxY), Point(r.minX, r.maxY)], closed: true)
        }
        w.leaf("path", [("d", spine.string), ("fill", "none"), ("stroke", theme.axisColor.hex),
                        ("stroke-width", Fixed.format(theme.axisLineWidth)), ("stroke-linejoin", "miter"),
                        ("stroke-linecap", "square")])
        drawTicks(into: &w)
        drawLabels(into: &w)
        if plan.colorScale != nil { ColorbarRenderer(plan: plan, theme: theme).draw(into: &w) }
        LegendRenderer.draw(plan, obstacles: obstacles, theme: theme, into: &w)
        w.close()
    }

    private func drawGrid(into w: inout SVGWriter) {
        let r = plan.rect
        var d = PathData()
        let xm = plan.xMap, ym = plan.yMap
        for t in plan.xTicks.major { if let x = xm(t.value) { d.move(Point(x, r.minY)); d.line(Point(x, r.maxY)) } }
        for t in plan.yTicks.major { if let y = ym(t.value) { d.move(Point(r.minX, y)); d.line(Point(r.maxX, y)) } }
        guard !d.isEmpty else { return }
        w.leaf("path", [("d", d.string), ("fill", "none"), ("stroke", theme.gridColor.hex),
                        ("stroke-width", Fixed.format(theme.gridWidth))])
    }

    private func drawTicks(into w: inout SVGWriter) {
        let r = plan.rect, t = theme
        let xm = plan.xMap, ym = plan.yMap
        for major in [true, false] {
            let len = major ? t.majorTickLength : t.minorTickLength
            var d = PathData()
            for tick in plan.xTicks.ticks where tick.isMajor == major {
                guard let x = xm(tick.value) else { continue }
                d.move(Point(x, r.maxY)); d.line(Point(x, r.maxY + len))
            }
            for tick in plan.yTicks.ticks where tick.isMajor == major {
                guard let y = ym(tick.value) else { continue }
                d.move(Point(r.minX, y)); d.line(Point(r.minX - len, y))
            }
            guard !d.isEmpty else { continue }
            w.leaf("path", [("d", d.string), ("fill", "none"), ("stroke", t.axisColor.hex),
                            ("stroke-width", Fixed.format(major ? t.majorTickWidth : t.minorTickWidth))])
        }
    }

    private func drawLabels(into w: inout SVGWriter) {
        let r = plan.rect, t = theme, p = plan.panel
        let xm = plan.xMap, ym = plan.yMap
        let size = t.tickFontSize
        var xLabelsBottom = r.maxY + t.majorTickLength + 2
        var xTickBaseline = r.maxY
        if plan.showXTickLabels {
            let labels = plan.xTicks.major.compactMap { tick in tick.label.map { (tick.value, RichText($0)) } }
            let top = labels.map { FontMetrics.ink($0.1).top }.max() ?? FontMetrics.capHeight
            let bottom = labels.map { FontMetrics.ink($0.1).bottom }.max() ?? 0
            xTickBaseline = r.maxY + t.majorTickLength + t.tickLabelPad + top * size
            xLabelsBottom = xTickBaseline + bottom * size
            if !labels.isEmpty {
                w.open("g", [("font-size", Fixed.format(size)), ("text-anchor", "middle")])
                for (v, text) in labels {
                    guard let x = xm(v) else { continue }
                    TextRenderer.write(text, x: x, y: xTickBaseline, fontSize: size, anchor: .middle,
                                       color: t.textColor, inheritFont: true, into: &w)
                }
                w.close()
            }
        }
        if plan.showYTickLabels {
            let labels = plan.yTicks.major.compactMap { tick in tick.label.map { (tick.value, RichText($0)) } }
            if !labels.isEmpty {
                w.open("g", [("font-size", Fixed.format(size)), ("text-anchor", "end")])
                for (v, text) in labels {
                    guard let y = ym(v) else { continue }
                    let ink = FontMetrics.ink(text)
                    TextRenderer.write(text, x: r.minX - t.majorTickLength - t.tickLabelPad,
                                       y: y + (ink.top - ink.bottom) / 2 * size, fontSize: size, anchor: .end,
                                       color: t.textColor, inheritFont: true, into: &w)
                }
                w.close()
            }
            if let m = plan.yTicks.multiplier {
                TextRenderer.write(RichText(m), x: r.minX, y: r.minY - 4, fontSize: size, anchor: .start,
                                   color: t.textColor, into: &w)
            }
        }
        var xLabelBaseline: Double? = nil
        if plan.showXLabel, let xl = p.xLabel {
            let text = RichText(xl)
            let y = xLabelsBottom + t.labelPad + FontMetrics.ink(text).top * t.labelFontSize
            xLabelBaseline = y
            TextRenderer.write(text, x: r.midX, y: y, fontSize: t.labelFontSize, anchor: .middle,
                               color: t.textColor, into: &w)
        }
        if plan.showXTickLabels, let m = plan.xTicks.multiplier {
            let y = xLabelBaseline ?? (xTickBaseline + 1.3 * size)
            TextRenderer.write(RichText(m), x: r.maxX, y: y, fontSize: size, anchor: .end,
                               color: t.textColor, into: &w)
        }
        if plan.showYLabel, let yl = p.yLabel {
            let text = RichText(yl)
            let x = plan.cellLeft + FontMetrics.ink(text).top * t.labelFontSize
            TextRenderer.write(text, x: x, y: r.midY, fontSize: t.labelFontSize, anchor: .middle,
                               color: t.textColor, rotate: -90, into: &w)
        }
        let letterBaseline = plan.rowTop - 6
        var letterRight = -Double.infinity
        if let letter = plan.letter {
            TextRenderer.write(RichText(letter), x: plan.cellLeft, y: letterBaseline, fontSize: t.letterFontSize,
                               anchor: .start, color: t.textColor, bold: true, into: &w)
            letterRight = plan.cellLeft + FontMetrics.width(letter, fontSize: t.letterFontSize, bold: true)
        }
        if let title = p.title {
            // Centred over the plot, unless that would run into the panel letter.
            let text = RichText(title)
            let width = FontMetrics.width(text, fontSize: t.titleFontSize)
            let baseline = r.minY - 6
            var x = r.midX
            if Swift.abs(baseline - letterBaseline) < t.letterFontSize && x - width / 2 < letterRight + 5 {
                x = letterRight + 5 + width / 2
            }
            TextRenderer.write(text, x: x, y: baseline, fontSize: t.titleFontSize,
                               anchor: .middle, color: t.textColor, into: &w)
        }
    }
}
