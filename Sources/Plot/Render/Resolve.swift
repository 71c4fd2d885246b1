/// The data extent of marks along one axis (values the axis's scale accepts).
struct Extent: Sendable {
    var lo = Double.infinity
    var hi = -Double.infinity
    var isEmpty: Bool { lo > hi }

    mutating func add(_ v: Double, _ scale: Scale) {
        guard scale.accepts(v) else { return }
        if v < lo { lo = v }
        if v > hi { hi = v }
    }
    mutating func add(_ e: Extent) {
        if e.lo < lo { lo = e.lo }
        if e.hi > hi { hi = e.hi }
    }
}

/// Checks a panel's marks and computes their extents.
enum Resolve {
    /// Throws on malformed marks, naming the panel and mark.
    static func validate(_ panel: Panel, where place: String) throws {
        func same(_ counts: [(String, Int)], _ mark: Mark) throws {
            guard let first = counts.first else { return }
            for (name, n) in counts.dropFirst() where n != first.1 {
                throw PlotError.invalidData("\(place), \(mark.name): \(first.0) has \(first.1) values but \(name) has \(n)")
            }
        }
        for m in panel.marks {
            switch m.kind {
            case .line(let xs, let ys, _, _): try same([("x", xs.count), ("y", ys.count)], m)
            case .scatter(let xs, let ys, _, _): try same([("x", xs.count), ("y", ys.count)], m)
            case .errorBars(let xs, let ys, let lo, let hi, _, _, _):
                try same([("x", xs.count), ("y", ys.count), ("lower", lo.count), ("upper", hi.count)], m)
            case .band(let xs, let lo, let hi, _, _):
                try same([("x", xs.count), ("lower", lo.count), ("upper", hi.count)], m)
            case .heatmap(let h):
                _ = try HeatmapGeometry(h, xScale: panel.xScale, yScale: panel.yScale, where: "\(place), \(m.name)")
            case .contour(let c):
                do { _ = try Grid(x: c.x, y: c.y, z: c.z) } catch let PlotError.invalidData(msg) {
                    throw PlotError.invalidData("\(place), \(m.name): \(msg)")
                }
                if let lv = c.levels, !lv.allSatisfy(\.isFinite) || !Grid.strictlyIncreasing(lv) {
                    throw PlotError.invalidData("\(place), \(m.name): levels must be finite and increasing")
                }
            case .hline, .vline, .text: break
            }
        }
        for (axis, limits, scale) in [("x", panel.xLimits, panel.xScale), ("y", panel.yLimits, panel.yScale)] {
            guard let l = limits else { continue }
            guard l.lowerBound.isFinite, l.upperBound.isFinite else {
                throw PlotError.invalidRange("\(place): \(axis) limits must be finite, got \(l)")
            }
            if scale.isLog && l.lowerBound <= 0 {
                throw PlotError.invalidRange("\(place): \(axis) limits must be > 0 on a log axis, got \(l)")
            }
        }
    }

    /// Data extents of the marks in x and y, and whether any mark is a grid (no margins then).
    static func extents(_ panel: Panel) -> (x: Extent, y: Extent, tight: Bool) {
        var ex = Extent(), ey = Extent(), tight = false
        let sx = panel.xScale, sy = panel.yScale
        func pairs(_ xs: [Double], _ ys: [Double]) {
            for (x, y) in zip(xs, ys) where sx.accepts(x) && sy.accepts(y) { ex.add(x, sx); ey.add(y, sy) }
        }
        for m in panel.marks {
            switch m.kind {
            case .line(let xs, let ys, _, _), .scatter(let xs, let ys, _, _): pairs(xs, ys)
            case .errorBars(let xs, let ys, let lo, let hi, _, _, _):
                pairs(xs, ys); pairs(xs, lo); pairs(xs, hi)
            case .band(let xs, let lo, let hi, _, _): pairs(xs, lo); pairs(xs, hi)
            case .hline(let y, _): ey.add(y, sy)
            case .vline(let x, _): ex.add(x, sx)
            case .text: break
            case .heatmap(let h):
                tight = true
                if let g = try? HeatmapGeometry(h, xScale: sx, yScale: sy, where: "") {
                    for v in g.xEdges { ex.add(v, sx) }
                    for v in g.yEdges { ey.add(v, sy) }
                }
            case .contour(let c):
                tight = true
                for v in c.x { ex.add(v, sx) }
                for v in c.y { ey.add(v, sy) }
            }
        }
        return (ex, ey, tight)
    }

    /// Axis limits from an extent: explicit limits win; else the extent padded by `margin` (in
    /// the scale's transformed space); an empty extent gives [0, 1] (linear) or [1, 10] (log).
    static func limits(extent: Extent, explicit: ClosedRange<Double>?, scale: Scale, margin: Double) -> (Double, Double) {
        if let l = explicit {
            if l.lowerBound == l.upperBound { return Ranges.widenSingle(l.lowerBound, scale: scale) }
            return (l.lowerBound, l.upperBound)
        }
        guard !extent.isEmpty else { return scale.isLog ? (1, 10) : (0, 1) }
        if extent.lo == extent.hi { return Ranges.widenSingle(extent.lo, scale: scale) }
        let t0 = scale.forward(extent.lo), t1 = scale.forward(extent.hi)
        let pad = margin * (t1 - t0)
        return (scale.inverse(t0 - pad), scale.inverse(t1 + pad))
    }

    /// Colours of marks without an explicit one: lines and scatters take the next palette
    /// colour; bands and error bars take the previous series' colour (or the next one if none).
    static func colors(_ marks: [Mark], palette: [Color]) -> [Color] {
        var next = 0
        var last: Color? = nil
        func take() -> Color { defer { next += 1 }; return palette[next % palette.count] }
        return marks.map { m in
            switch m.kind {
            case .line(_, _, let style, _):
                let c = style.color ?? take(); last = c; return c
            case .scatter(_, _, let marker, let color):
                let c = color ?? marker.color ?? take(); last = c; return c
            case .errorBars(_, _, _, _, let color, _, _):
                let c = color ?? last ?? take(); last = c; return c
            case .band(_, _, _, let color, _):
                let c = color ?? last ?? take(); last = c; return c
            case .hline(_, let style), .vline(_, let style):
                return style.color ?? .gray
            case .text(_, _, _, _, _, let color, _):
                return color ?? .black
            case .contour(let c):
                return c.color ?? .black
            case .heatmap:
                return .black
            }
        }
    }
}
