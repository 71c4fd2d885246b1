/// One legend row: a sample of the mark(s) and the label.
struct LegendEntry: Sendable {
    var label: String
    var line: (color: Color, width: Double, dash: Dash, opacity: Double)?
    var marker: (marker: Marker, color: Color)?
    var patch: (color: Color, opacity: Double)?
    var errorBar: Color?
}

/// Builds, sizes, places and draws legends.
enum LegendRenderer {
    /// Entries for the labelled marks, in order; marks with the same label share one row (a
    /// line and its band show as the line over a patch).
    static func entries(_ panel: Panel, colors: [Color], theme: Theme) -> [LegendEntry] {
        var out: [LegendEntry] = []
        for (i, m) in panel.marks.enumerated() {
            guard let label = m.label, !label.isEmpty else { continue }
            let c = colors[i]
            var e = LegendEntry(label: label)
            switch m.kind {
            case .line(_, _, let s, _):
                e.line = (c, s.width ?? theme.lineWidth, s.dash, s.opacity)
                if let mk = s.marker { e.marker = (mk, mk.color ?? c) }
            case .hline(_, let s), .vline(_, let s):
                e.line = (c, s.width ?? theme.lineWidth, s.dash, s.opacity)
            case .scatter(_, _, let mk, _): e.marker = (mk, c)
            case .errorBars: e.errorBar = c
            case .band(_, _, _, _, let o): e.patch = (c, o ?? theme.bandOpacity)
            case .contour(let cs):
                let color = cs.color ?? (cs.colormap ?? theme.colormap)(0.5)
                if cs.filled { e.patch = (color, cs.opacity) } else { e.line = (color, cs.lineWidth ?? theme.lineWidth * 0.7, cs.dash, cs.opacity) }
            case .text, .heatmap: continue
            }
            if let k = out.firstIndex(where: { $0.label == label }) {
                if out[k].line == nil { out[k].line = e.line }
                if out[k].marker == nil { out[k].marker = e.marker }
                if out[k].patch == nil { out[k].patch = e.patch }
                if out[k].errorBar == nil { out[k].errorBar = e.errorBar }
            } else {
                out.append(e)
            }
        }
        return out
    }

    static let pad = 4.0
    static let gap = 5.0

    static func rowHeight(_ theme: Theme) -> Double { theme.legendFontSize * 1.45 }

    static func size(_ entries: [LegendEntry], theme: Theme) -> (Double, Double) {
        let textW = entries.map { FontMetrics.width(RichText($0.label), fontSize: theme.legendFontSize) }.max() ?? 0
        let w = pad + theme.legendSampleLength + gap + textW + pad
        let h = 2 * pad + Double(entries.count) * rowHeight(theme) - 0.2 * theme.legendFontSize
        return (w, h)
    }

    /// The legend box in figure coordinates.
    static func box(_ plan: PanelPlan, obstacles: Obstacles, theme: Theme) -> Rect? {
        guard let (w, h) = plan.legendSize(theme) else { return nil }
        let r = plan.rect
        let inset = 5.0
        let left = r.minX + inset, right = r.maxX - inset - w, cx = r.midX - w / 2
        let top = r.minY + inset, bottom = r.maxY - inset - h, cy = r.midY - h / 2
        func at(_ x: Double, _ y: Double) -> Rect { Rect(x: x, y: y, width: w, height: h) }
        switch plan.panel.legend {
        case .none: return nil
        case .upperRight: return at(right, top)
        case .upperLeft: return at(left, top)
        case .lowerLeft: return at(left, bottom)
        case .lowerRight: return at(right, bottom)
        case .upperCenter: return at(cx, top)
        case .lowerCenter: return at(cx, bottom)
        case .centerLeft: return at(left, cy)
        case .centerRight: return at(right, cy)
        case .outsideRight:
            let x = r.maxX + 6 + (plan.colorScale != nil ? colorbarExtent(plan, theme) : 0)
            return at(x, r.minY)
        case .best:
            // matplotlib's nine positions in its order of preference, then the quarter heights;
            // the first with the least data under it wins (later ones pay a small penalty).
            let q1 = top + (bottom - top) / 4, q3 = top + 3 * (bottom - top) / 4
            let candidates = [at(right, top), at(left, top), at(left, bottom), at(right, bottom),
                              at(right, cy), at(left, cy), at(cx, bottom), at(cx, top), at(cx, cy),
                              at(right, q1), at(left, q1), at(right, q3), at(left, q3)]
            var best = candidates[0], bestScore = Double.infinity
            for (k, c) in candidates.enumerated() {
                let s = obstacles.score(c.insetBy(-2)) + (k >= 4 ? 4 : 0) + (k >= 9 ? 4 : 0)
                if s < bestScore { best = c; bestScore = s }
            }
            return best
        }
    }

    private static func colorbarExtent(_ plan: PanelPlan, _ theme: Theme) -> Double {
        let g = FigureRenderer.colorbarWidth(plan, theme)
        return g
    }

    static func draw(_ plan: PanelPlan, obstacles: Obstacles, theme: Theme, into w: inout SVGWriter) {
        guard let b = box(plan, obstacles: obstacles, theme: theme) else { return }
        let fs = theme.legendFontSize
        w.open("g", [("id", "legend\(plan.index)")])
        w.leaf("rect", [("x", Fixed.format(b.x)), ("y", Fixed.format(b.y)), ("width", Fixed.format(b.width)),
                        ("height", Fixed.format(b.height)), ("rx", "2"), ("fill", "#ffffff"),
                        ("fill-opacity", Fixed.format(theme.legendBackgroundOpacity, digits: 3)),
                        ("stroke", theme.legendFrameColor.hex), ("stroke-width", "0.6")])
        let rh = rowHeight(theme)
        for (k, e) in plan.legend.enumerated() {
            let cy = b.y + pad + rh * (Double(k) + 0.5) - 0.1 * fs
            let x0 = b.x + pad, x1 = x0 + theme.legendSampleLength
            if let p = e.patch {
                let ph = Swift.min(rh * 0.7, 7.0)
                w.leaf("rect", [("x", Fixed.format(x0)), ("y", Fixed.format(cy - ph / 2)),
                                ("width", Fixed.format(x1 - x0)), ("height", Fixed.format(ph)),
                                ("fill", p.color.hex), ("fill-opacity", Fixed.format(p.opacity, digits: 3))])
            }
            if let c = e.errorBar {
                var d = PathData()
                let xm = (x0 + x1) / 2, a = rh * 0.38
                d.move(Point(xm, cy - a)); d.line(Point(xm, cy + a))
                d.move(Point(xm - 2.5, cy - a)); d.line(Point(xm + 2.5, cy - a))
                d.move(Point(xm - 2.5, cy + a)); d.line(Point(xm + 2.5, cy + a))
                w.leaf("path", [("d", d.string), ("fill", "none"), ("stroke", c.hex), ("stroke-width", "1")])
            }
            if let l = e.line {
                var d = PathData()
                d.move(Point(x0, cy)); d.line(Point(x1, cy))
                var attrs: SVGWriter.Attributes = [("d", d.string), ("fill", "none"), ("stroke", l.color.hex),
                                                   ("stroke-width", Fixed.format(l.width))]
                if let a = l.dash.dashArray(width: l.width) {
                    attrs.append(("stroke-dasharray", a.map { Fixed.format($0) }.joined(separator: " ")))
                }
                if l.opacity < 1 { attrs.append(("stroke-opacity", Fixed.format(l.opacity, digits: 3))) }
                w.leaf("path", attrs)
            }
            if let m = e.marker {
                w.leaf("path", MarkRenderer.markerAttributes([Point((x0 + x1) / 2, cy)], marker: m.marker, color: m.color))
            }
            let text = RichText(e.label)
            let ink = FontMetrics.ink(text)
            TextRenderer.write(text, x: x1 + gap, y: cy + (ink.top - ink.bottom) / 2 * fs, fontSize: fs,
                               anchor: .start, color: theme.textColor, into: &w)
        }
        w.close()
    }
}
