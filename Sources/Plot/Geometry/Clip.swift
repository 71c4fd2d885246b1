/// Geometric clipping in figure coordinates. Marks are clipped to a rectangle a little larger
/// than the plot area (the SVG clip path does the exact cut), which keeps coordinates bounded
/// when data run far off-scale and keeps the files small.
enum Clip {
    /// Splits a polyline into the pieces inside `rect` (Liang–Barsky per segment).
    static func polyline(_ points: [Point], to rect: Rect) -> [[Point]] {
        var pieces: [[Point]] = []
        var current: [Point] = []
        func flush() { if current.count >= 2 { pieces.append(current) }; current = [] }
        guard points.count >= 2 else {
            if let p = points.first, rect.contains(p) { return [[p]] }
            return []
        }
        for i in 0..<(points.count - 1) {
            let a = points[i], b = points[i + 1]
            guard let (p, q) = segment(a, b, rect) else { flush(); continue }
            if current.isEmpty {
                current = [p, q]
            } else if current.last == p {
                current.append(q)
            } else {
                flush(); current = [p, q]
            }
            if q != b { flush() }
        }
        flush()
        return pieces
    }

    /// The part of segment a–b inside `r`, or nil.
    static func segment(_ a: Point, _ b: Point, _ r: Rect) -> (Point, Point)? {
        var t0 = 0.0, t1 = 1.0
        let dx = b.x - a.x, dy = b.y - a.y
        let checks: [(Double, Double)] = [(-dx, a.x - r.minX), (dx, r.maxX - a.x), (-dy, a.y - r.minY), (dy, r.maxY - a.y)]
        for (p, q) in checks {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let t = q / p
                if p < 0 { if t > t1 { return nil }; if t > t0 { t0 = t } }
                else { if t < t0 { return nil }; if t < t1 { t1 = t } }
            }
        }
        let p = t0 == 0 ? a : Point(a.x + t0 * dx, a.y + t0 * dy)
        let q = t1 == 1 ? b : Point(a.x + t1 * dx, a.y + t1 * dy)
        return (p, q)
    }

    /// Sutherland–Hodgman clipping of a polygon to a rectangle.
    static func polygon(_ points: [Point], to r: Rect) -> [Point] {
        var poly = points
        let edges: [(Point) -> Double] = [
            { $0.x - r.minX }, { r.maxX - $0.x }, { $0.y - r.minY }, { r.maxY - $0.y },
        ]
        for inside in edges {
            guard !poly.isEmpty else { break }
            var out: [Point] = []
            for i in poly.indices {
                let cur = poly[i], prev = poly[(i + poly.count - 1) % poly.count]
                let dc = inside(cur), dp = inside(prev)
                if dc >= 0 {
                    if dp < 0 { out.append(lerp(prev, cur, dp / (dp - dc))) }
                    out.append(cur)
                } else if dp >= 0 {
                    out.append(lerp(prev, cur, dp / (dp - dc)))
                }
            }
            poly = out
        }
        return poly
    }

    static func lerp(_ a: Point, _ b: Point, _ t: Double) -> Point {
        Point(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
    }
}
