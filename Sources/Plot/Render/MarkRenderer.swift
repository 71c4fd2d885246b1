import Foundation

/// What the drawn marks cover, for legend placement (figure coordinates).
struct Obstacles: Sendable {
    var segments: [(Point, Point)] = []
    /// Reference lines (hline, vline): a legend over one hides less than over data.
    var references: [(Point, Point)] = []
    var points: [Point] = []
    var areas: [Rect] = []

    /// How much of `box` the data cover: length of lines inside it (points), a fifth of that
    /// for reference lines, 8 per marker inside it, and a large penalty per area overlapped
    /// (heat maps, fills, text).
    func score(_ box: Rect) -> Double {
        var s = 0.0
        for (a, b) in segments {
            if let (p, q) = Clip.segment(a, b, box) { s += 1 + ((q.x - p.x) * (q.x - p.x) + (q.y - p.y) * (q.y - p.y)).squareRoot() }
        }
        for (a, b) in references {
            if let (p, q) = Clip.segment(a, b, box) { s += 0.2 * ((q.x - p.x) * (q.x - p.x) + (q.y - p.y) * (q.y - p.y)).squareRoot() }
        }
        for p in points where box.contains(p) { s += 8 }
        for r in areas {
            let w = Swift.min(r.maxX, box.maxX) - Swift.max(r.minX, box.minX)
            let h = Swift.min(r.maxY, box.maxY) - Swift.max(r.minY, box.minY)
            if w > 0 && h > 0 { s += w * h }
        }
        return s
    }
}

/// Draws a panel's marks in figure coordinates. Lines are split at unplaceable points,
/// clipped to a margin around the plot area and simplified; markers of one series share one
/// `<path>`; everything but text annotations is inside the panel's clip path.
struct MarkRenderer {
    let plan: PanelPlan
    let theme: Theme

    var xm: AxisMap { plan.xMap }
    var ym: AxisMap { plan.yMap }
    var clipBox: Rect { plan.rect.insetBy(-10) }

    func draw(into w: inout SVGWriter) -> Obstacles {
        var obstacles = Obstacles()
        let order = plan.panel.marks.indices.sorted { a, b in
            let la = plan.panel.marks[a].layer, lb = plan.panel.marks[b].layer
            return la != lb ? la < lb : a < b
        }
        w.open("g", [("clip-path", "url(#clip\(plan.index))")])
        for i in order where plan.panel.marks[i].layer < 3 {
            draw(plan.panel.marks[i], color: plan.colors[i], obstacles: &obstacles, into: &w)
        }
        w.close()
        for i in order where plan.panel.marks[i].layer >= 3 {
            draw(plan.panel.marks[i], color: plan.colors[i], obstacles: &obstacles, into: &w)
        }
        return obstacles
    }

    private func draw(_ mark: Mark, color: Color, obstacles: inout Obstacles, into w: inout SVGWriter) {
        switch mark.kind {
        case .line(let xs, let ys, let style, let step):
            let pieces = polylines(xs, ys, step: step)
            for p in pieces { for (a, b) in zip(p, p.dropFirst()) { obstacles.segments.append((a, b)) } }
            strokePath(pieces, color: color, width: style.width ?? theme.lineWidth, dash: style.dash,
                       opacity: style.opacity, into: &w)
            if let m = style.marker {
                let pts = points(xs, ys)
                obstacles.points += pts
                drawMarkers(pts, marker: m, color: m.color ?? color, into: &w)
            }
        case .scatter(let xs, let ys, let marker, _):
            let pts = points(xs, ys)
            obstacles.points += pts
            drawMarkers(pts, marker: marker, color: color, into: &w)
        case .errorBars(let xs, let ys, let lo, let hi, _, let width, let cap):
            var d = PathData()
            for i in xs.indices {
                guard let x = xm(xs[i]), let y0 = ym(lo[i]), let y1 = ym(hi[i]) else { continue }
                obstacles.segments.append((Point(x, y0), Point(x, y1)))
                if let (a, b) = Clip.segment(Point(x, y0), Point(x, y1), clipBox) { d.move(a); d.line(b) }
                for y in [y0, y1] where clipBox.contains(Point(x, y)) && cap > 0 {
                    d.move(Point(x - cap, y)); d.line(Point(x + cap, y))
                }
                _ = ys
            }
            guard !d.isEmpty else { return }
            w.leaf("path", [("d", d.string), ("fill", "none"), ("stroke", color.hex),
                            ("stroke-width", Fixed.format(width))])
        case .band(let xs, let lo, let hi, _, let opacity):
            var d = PathData()
            var run: [(Double, Double, Double)] = []
            func flush() {
                defer { run = [] }
                guard run.count >= 2 else { return }
                let poly = run.map { Point($0.0, $0.2) } + run.reversed().map { Point($0.0, $0.1) }
                for (a, b) in zip(poly, poly.dropFirst()) { obstacles.segments.append((a, b)) }
                let clipped = Clip.polygon(poly, to: clipBox)
                if clipped.count >= 3 { d.polyline(Simplify.dedup(clipped), closed: true) }
            }
            for i in xs.indices {
                if let x = xm(xs[i]), let a = ym(lo[i]), let b = ym(hi[i]) { run.append((x, a, b)) } else { flush() }
            }
            flush()
            guard !d.isEmpty else { return }
            w.leaf("path", [("d", d.string), ("fill", color.hex),
                            ("fill-opacity", Fixed.format(opacity ?? theme.bandOpacity, digits: 3)), ("stroke", "none")])
        case .hline(let y, let style):
            guard let py = ym(y) else { return }
            let r = plan.rect
            obstacles.references.append((Point(r.minX, py), Point(r.maxX, py)))
            strokePath([[Point(r.minX, py), Point(r.maxX, py)]], color: color, width: style.width ?? theme.lineWidth,
                       dash: style.dash, opacity: style.opacity, into: &w)
        case .vline(let x, let style):
            guard let px = xm(x) else { return }
            let r = plan.rect
            obstacles.references.append((Point(px, r.minY), Point(px, r.maxY)))
            strokePath([[Point(px, r.minY), Point(px, r.maxY)]], color: color, width: style.width ?? theme.lineWidth,
                       dash: style.dash, opacity: style.opacity, into: &w)
        case .text(let s, let x, let y, let coords, let align, _, let size):
            let p: Point?
            switch coords {
            case .data: p = xm(x).flatMap { px in ym(y).map { Point(px, $0) } }
            case .axes: p = x.isFinite && y.isFinite ? Point(xm.fraction(x), ym.fraction(y)) : nil
            }
            guard let p else { return }
            let text = RichText(s)
            let fs = size ?? theme.annotationFontSize
            TextRenderer.write(text, x: p.x, y: p.y, fontSize: fs, anchor: align.anchor, color: color, into: &w)
            let width = FontMetrics.width(text, fontSize: fs)
            let x0 = align == .left ? p.x : align == .center ? p.x - width / 2 : p.x - width
            obstacles.areas.append(Rect(x: x0, y: p.y - fs * 0.75, width: width, height: fs * 0.95))
        case .heatmap(let h):
            drawHeatmap(h, obstacles: &obstacles, into: &w)
        case .contour(let c):
            drawContour(c, obstacles: &obstacles, into: &w)
        }
    }

    // MARK: lines

    /// Valid points in figure coordinates (markers).
    private func points(_ xs: [Double], _ ys: [Double]) -> [Point] {
        zip(xs, ys).compactMap { x, y in
            guard let px = xm(x), let py = ym(y) else { return nil }
            let p = Point(px, py)
            return clipBox.contains(p) ? p : nil
        }
    }

    /// Polyline pieces in figure coordinates: split at unplaceable points, stepped, clipped.
    private func polylines(_ xs: [Double], _ ys: [Double], step: StepMode?) -> [[Point]] {
        var runs: [[(Double, Double)]] = [[]]
        for (x, y) in zip(xs, ys) {
            if xm.scale.accepts(x) && ym.scale.accepts(y) { runs[runs.count - 1].append((x, y)) }
            else if !runs[runs.count - 1].isEmpty { runs.append([]) }
        }
        var out: [[Point]] = []
        for run in runs where !run.isEmpty {
            let stepped = step.map { Self.steps(run, $0, xScale: xm.scale) } ?? run
            let pts = stepped.map { Point(xm($0.0)!, ym($0.1)!) }
            for piece in Clip.polyline(pts, to: clipBox) {
                out.append(Simplify.rdp(piece, tolerance: theme.simplifyTolerance))
            }
        }
        return out
    }

    static func steps(_ run: [(Double, Double)], _ mode: StepMode, xScale: Scale) -> [(Double, Double)] {
        guard run.count >= 2 else { return run }
        var out: [(Double, Double)] = [run[0]]
        for i in 1..<run.count {
            let (x0, y0) = run[i - 1], (x1, y1) = run[i]
            switch mode {
            case .post: out.append((x1, y0)); out.append((x1, y1))
            case .pre: out.append((x0, y1)); out.append((x1, y1))
            case .mid:
                let xmid = xScale.inverse((xScale.forward(x0) + xScale.forward(x1)) / 2)
                out.append((xmid, y0)); out.append((xmid, y1)); out.append((x1, y1))
            }
        }
        return out
    }

    private func strokePath(_ pieces: [[Point]], color: Color, width: Double, dash: Dash, opacity: Double,
                            into w: inout SVGWriter) {
        var d = PathData()
        for p in pieces where p.count >= 2 { d.polyline(p) }
        guard !d.isEmpty else { return }
        var attrs: SVGWriter.Attributes = [("d", d.string), ("fill", "none"), ("stroke", color.hex),
                                           ("stroke-width", Fixed.format(width)), ("stroke-linejoin", "round")]
        if let a = dash.dashArray(width: width) {
            attrs.append(("stroke-dasharray", a.map { Fixed.format($0) }.joined(separator: " ")))
        } else {
            attrs.append(("stroke-linecap", "round"))
        }
        if opacity < 1 { attrs.append(("stroke-opacity", Fixed.format(opacity, digits: 3))) }
        w.leaf("path", attrs)
    }

    // MARK: markers

    func drawMarkers(_ pts: [Point], marker: Marker, color: Color, into w: inout SVGWriter) {
        guard !pts.isEmpty else { return }
        w.leaf("path", Self.markerAttributes(pts, marker: marker, color: color))
    }

    static func markerAttributes(_ pts: [Point], marker: Marker, color: Color) -> SVGWriter.Attributes {
        var d = PathData()
        let r = marker.size / 2
        for p in pts {
            switch marker.shape {
            case .circle:
                d.move(Point(p.x - r, p.y))
                d.arc(rx: r, ry: r, dx: 2 * r, dy: 0, large: true, sweep: false)
                d.arc(rx: r, ry: r, dx: -2 * r, dy: 0, large: true, sweep: false)
                d.close()
            case .square:
                d.polyline([Point(p.x - r, p.y - r), Point(p.x + r, p.y - r), Point(p.x + r, p.y + r), Point(p.x - r, p.y + r)], closed: true)
            case .triangle:
                let a = r * 1.15
                d.polyline([Point(p.x, p.y - a), Point(p.x + a * 0.866, p.y + a * 0.5), Point(p.x - a * 0.866, p.y + a * 0.5)], closed: true)
            case .diamond:
                let a = r * 1.2
                d.polyline([Point(p.x, p.y - a), Point(p.x + a * 0.75, p.y), Point(p.x, p.y + a), Point(p.x - a * 0.75, p.y)], closed: true)
            case .cross:
                let a = r * 0.85
                d.move(Point(p.x - a, p.y - a)); d.line(Point(p.x + a, p.y + a))
                d.move(Point(p.x - a, p.y + a)); d.line(Point(p.x + a, p.y - a))
            case .plus:
                d.move(Point(p.x - r, p.y)); d.line(Point(p.x + r, p.y))
                d.move(Point(p.x, p.y - r)); d.line(Point(p.x, p.y + r))
            }
        }
        var attrs: SVGWriter.Attributes = [("d", d.string)]
        switch marker.shape {
        case .cross, .plus:
            attrs += [("fill", "none"), ("stroke", color.hex), ("stroke-width", Fixed.format(marker.lineWidth)),
                      ("stroke-linecap", "butt")]
        default:
            if marker.filled {
                attrs += [("fill", color.hex), ("stroke", "none")]
            } else {
                attrs += [("fill", "#ffffff"), ("stroke", color.hex), ("stroke-width", Fixed.format(marker.lineWidth))]
            }
        }
        return attrs
    }

    // MARK: grids

    private func drawHeatmap(_ h: Heatmap, obstacles: inout Obstacles, into w: inout SVGWriter) {
        guard let g = try? HeatmapGeometry(h, xScale: xm.scale, yScale: ym.scale, where: ""),
              let (lo, hi) = h.range.map({ ($0.lowerBound, $0.upperBound) }) ?? ColorScale.dataRange(h.z, norm: h.norm)
        else { return }
        let cs = ColorScale(lo: lo, hi: hi, norm: h.norm, colormap: h.colormap ?? theme.colormap, levels: nil)
        let px = g.xEdges.map { xm($0)! }, py = g.yEdges.map { ym($0)! }
        obstacles.areas.append(Rect(x: Swift.min(px.first!, px.last!), y: Swift.min(py.first!, py.last!),
                                    width: Swift.abs(px.last! - px.first!), height: Swift.abs(py.last! - py.first!)))
        if g.nx * g.ny > Self.imageCellThreshold, drawHeatmapImage(h, g, cs, px, py, into: &w) { return }
        // Cells overlap the next cell (drawn later) by a hair, so anti-aliased edges leave no
        // light seams; the outer edges of the grid stay exact.
        let overlap = 0.3
        w.open("g", [])
        for j in 0..<g.ny {
            var i = 0
            while i < g.nx {
                guard let c = cs.color(h.z[j][i]) else { i += 1; continue }
                var k = i + 1
                while k < g.nx, cs.color(h.z[j][k]) == c { k += 1 }
                var x0 = Swift.min(px[i], px[k]), x1 = Swift.max(px[i], px[k])
                var y0 = Swift.min(py[j], py[j + 1]), y1 = Swift.max(py[j], py[j + 1])
                if k < g.nx { if px[k] > px[i] { x1 += overlap } else { x0 -= overlap } }
                if j + 1 < g.ny { if py[j + 1] > py[j] { y1 += overlap } else { y0 -= overlap } }
                w.leaf("rect", [("x", Fixed.format(x0)), ("y", Fixed.format(y0)), ("width", Fixed.format(x1 - x0)),
                                ("height", Fixed.format(y1 - y0)), ("fill", c.hex)])
                i = k
            }
        }
        w.close()
    }

    /// Heat maps with more cells than this, on evenly spaced cells, are drawn as one embedded
    /// PNG image (nearest-neighbour scaling) instead of `<rect>`s.
    static let imageCellThreshold = 1024

    /// Draws the heat map as an embedded PNG when its cells are evenly spaced in figure
    /// coordinates; returns false (draw rects instead) otherwise.
    private func drawHeatmapImage(_ h: Heatmap, _ g: HeatmapGeometry, _ cs: ColorScale, _ px: [Double], _ py: [Double],
                                  into w: inout SVGWriter) -> Bool {
        func even(_ e: [Double]) -> Bool {
            let d = e[1] - e[0]
            return zip(e, e.dropFirst()).allSatisfy { Swift.abs(($1 - $0) - d) <= 1e-6 * Swift.abs(d) + 1e-9 }
        }
        guard even(px), even(py) else { return false }
        let flipX = px[1] < px[0], flipY = py[1] > py[0]   // image rows run top to bottom
        var rgba = [UInt8](repeating: 0, count: g.nx * g.ny * 4)
        for row in 0..<g.ny {
            let j = flipY ? row : g.ny - 1 - row
            for col in 0..<g.nx {
                let i = flipX ? g.nx - 1 - col : col
                guard let c = cs.color(h.z[j][i]) else { continue }   // transparent
                let k = (row * g.nx + col) * 4
                rgba[k] = c.r; rgba[k + 1] = c.g; rgba[k + 2] = c.b; rgba[k + 3] = 255
            }
        }
        let png = PNGEncoder.encode(width: g.nx, height: g.ny, rgba: rgba)
        let x0 = Swift.min(px.first!, px.last!), x1 = Swift.max(px.first!, px.last!)
        let y0 = Swift.min(py.first!, py.last!), y1 = Swift.max(py.first!, py.last!)
        w.leaf("image", [("x", Fixed.format(x0)), ("y", Fixed.format(y0)), ("width", Fixed.format(x1 - x0)),
                         ("height", Fixed.format(y1 - y0)), ("preserveAspectRatio", "none"),
                         ("image-rendering", "optimizeSpeed"),
                         ("xlink:href", "data:image/png;base64," + PNGEncoder.base64(png))])
        return true
    }

    /// The contour levels: given, or nice values spanning the data (filled: covering it;
    /// lines: strictly inside it).
    static func levels(_ c: ContourSet) throws -> [Double] {
        if let l = c.levels { return l }
        guard let (lo, hi) = ColorScale.dataRange(c.z, norm: .linear), lo < hi else { return [] }
        let ticks = try TickLocator.linear(lo, hi, maxTicks: 9).ticks.map(\.value)
        guard ticks.count >= 2 else { return ticks }
        if !c.filled { return ticks.filter { $0 > lo && $0 < hi } }
        let step = ticks[1] - ticks[0]
        var l = ticks
        if l.first! > lo { l.insert(l.first! - step, at: 0) }
        if l.last! < hi { l.append(l.last! + step) }
        return l
    }

    private func drawContour(_ c: ContourSet, obstacles: inout Obstacles, into w: inout SVGWriter) {
        guard let grid = try? Grid(x: c.x, y: c.y, z: c.z), let levels = try? Self.levels(c), !levels.isEmpty else { return }
        let cmap = c.colormap ?? theme.colormap
        let toFigure = { (p: Point) -> Point? in
            guard let x = xm(p.x), let y = ym(p.y) else { return nil }
            return Point(x, y)
        }
        if c.filled {
            obstacles.areas.append(plan.rect)
            let n = levels.count - 1
            guard n >= 1 else { return }
            for k in 0..<n {
                var d = PathData()
                for poly in grid.superlevel(levels[k]) {
                    let pts = poly.compactMap(toFigure)
                    guard pts.count == poly.count else { continue }
                    let clipped = Clip.polygon(pts, to: clipBox)
                    if clipped.count >= 3 { d.polyline(clipped, closed: true) }
                }
                guard !d.isEmpty else { continue }
                var attrs: SVGWriter.Attributes = [("d", d.string), ("fill", cmap((Double(k) + 0.5) / Double(n)).hex), ("stroke", "none")]
                if c.opacity < 1 { attrs.append(("fill-opacity", Fixed.format(c.opacity, digits: 3))) }
                w.leaf("path", attrs)
            }
        } else {
            let lo = levels.first!, hi = levels.last!
            for level in levels {
                var pieces: [[Point]] = []
                for line in grid.isolines(level) {
                    // Unplaceable vertices (log axes) split the line.
                    var current: [Point] = []
                    for p in line {
                        if let q = toFigure(p) { current.append(q) } else { pieces += split(current); current = [] }
                    }
                    pieces += split(current)
                }
                for p in pieces { for (a, b) in zip(p, p.dropFirst()) { obstacles.segments.append((a, b)) } }
                let color = c.color ?? cmap(hi > lo ? (level - lo) / (hi - lo) : 0.5)
                strokePath(pieces, color: color, width: c.lineWidth ?? theme.lineWidth * 0.7, dash: c.dash,
                           opacity: c.opacity, into: &w)
            }
        }
    }

    private func split(_ pts: [Point]) -> [[Point]] {
        guard pts.count >= 2 else { return [] }
        return Clip.polyline(pts, to: clipBox).map { Simplify.rdp($0, tolerance: theme.simplifyTolerance) }
    }
}
