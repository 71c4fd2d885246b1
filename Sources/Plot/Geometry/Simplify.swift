/// Polyline simplification by Ramer–Douglas–Peucker: keeps the endpoints and every vertex needed
/// so that no dropped vertex lies farther than `tolerance` from the simplified polyline.
/// Applied in figure coordinates (points) with the theme's tolerance (default 0.05 pt, a fifth
/// of a pixel at 300 dpi), so the drawing is unchanged to the eye while a 10 000-sample curve
/// shrinks to the few hundred vertices that carry its shape. Iterative (no recursion depth limit)
/// and deterministic.
enum Simplify {
    static func rdp(_ points: [Point], tolerance: Double) -> [Point] {
        let pts = dedup(points)
        guard pts.count > 2, tolerance > 0 else { return pts }
        var keep = [Bool](repeating: false, count: pts.count)
        keep[0] = true
        keep[pts.count - 1] = true
        var stack: [(Int, Int)] = [(0, pts.count - 1)]
        let tol2 = tolerance * tolerance
        while let (a, b) = stack.popLast() {
            guard b > a + 1 else { continue }
            var worst = -1.0
            var index = a
            for i in (a + 1)..<b {
                let d = segmentDistance2(pts[i], pts[a], pts[b])
                if d > worst { worst = d; index = i }
            }
            if worst > tol2 {
                keep[index] = true
                stack.append((index, b))
                stack.append((a, index))
            }
        }
        var out: [Point] = []
        out.reserveCapacity(pts.count)
        for i in pts.indices where keep[i] { out.append(pts[i]) }
        return out
    }

    /// Drops consecutive duplicates.
    static func dedup(_ points: [Point]) -> [Point] {
        var out: [Point] = []
        out.reserveCapacity(points.count)
        for p in points where out.last != p { out.append(p) }
        return out
    }

    /// Squared distance from `p` to the segment `a`–`b`.
    static func segmentDistance2(_ p: Point, _ a: Point, _ b: Point) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let len2 = dx * dx + dy * dy
        var t = 0.0
        if len2 > 0 { t = Swift.max(0, Swift.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) }
        let qx = a.x + t * dx - p.x, qy = a.y + t * dy - p.y
        return qx * qx + qy * qy
    }
}
