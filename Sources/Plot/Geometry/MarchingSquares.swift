/// Contours of a function sampled on a rectilinear grid, by marching squares.
///
/// The grid is `z[j][i] = f(x[i], y[j])` (rows are y). Crossings are placed by linear
/// interpolation along cell edges; the two ambiguous (saddle) cases are resolved by the mean of
/// the four corners. Cells with a non-finite corner are skipped (a hole in the contour, by
/// design: NaN marks "no data"). Results are in data coordinates and deterministic: segments are
/// generated in cell order and chained by shared edges.
public enum Contours {
    /// Isolines `f = level`: open polylines (ending on the grid boundary or at a hole) and closed
    /// loops (first point repeated at the end).
    public static func isolines(x: [Double], y: [Double], z: [[Double]], level: Double) throws -> [[Point]] {
        let grid = try Grid(x: x, y: y, z: z)
        return grid.isolines(level)
    }

    /// The region `f ≥ level` as polygons (each cell's share, with runs of cells entirely inside
    /// merged into rectangles). Painting these regions for increasing levels, each over the
    /// previous, draws filled contours without seams between bands.
    public static func superlevelPolygons(x: [Double], y: [Double], z: [[Double]], level: Double) throws -> [[Point]] {
        let grid = try Grid(x: x, y: y, z: z)
        return grid.superlevel(level)
    }
}

struct Grid: Sendable {
    let x: [Double], y: [Double], z: [[Double]]
    var nx: Int { x.count }
    var ny: Int { y.count }

    init(x: [Double], y: [Double], z: [[Double]]) throws {
        guard x.count >= 2, y.count >= 2 else {
            throw PlotError.invalidData("contour grid needs at least 2×2 points, got \(x.count)×\(y.count)")
        }
        guard z.count == y.count, z.allSatisfy({ $0.count == x.count }) else {
            throw PlotError.invalidData("contour grid z must have \(y.count) rows of \(x.count) values (z[j][i] = f(x[i], y[j]))")
        }
        guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else {
            throw PlotError.invalidData("contour grid coordinates must be finite")
        }
        guard Self.strictlyIncreasing(x), Self.strictlyIncreasing(y) else {
            throw PlotError.invalidData("contour grid coordinates must be strictly increasing")
        }
        self.x = x; self.y = y; self.z = z
    }

    static func strictlyIncreasing(_ v: [Double]) -> Bool {
        zip(v, v.dropFirst()).allSatisfy { $0 < $1 }
    }

    /// Edge ids: horizontal edge (i,j)-(i+1,j) is 2(j·nx+i); vertical (i,j)-(i,j+1) is 2(j·nx+i)+1.
    func hEdge(_ i: Int, _ j: Int) -> Int { 2 * (j * nx + i) }
    func vEdge(_ i: Int, _ j: Int) -> Int { 2 * (j * nx + i) + 1 }

    /// The crossing of `level` on an edge, always interpolated from its lower corner so the same
    /// edge gives the same point wherever it is used.
    func crossing(edge: Int, level: Double) -> Point {
        let k = edge / 2, i = k % nx, j = k / nx
        let (i2, j2) = edge % 2 == 0 ? (i + 1, j) : (i, j + 1)
        let za = z[j][i], zb = z[j2][i2]
        let t = zb == za ? 0.5 : (level - za) / (zb - za)
        return Point(x[i] + t * (x[i2] - x[i]), y[j] + t * (y[j2] - y[j]))
    }

    func isolines(_ level: Double) -> [[Point]] {
        guard level.isFinite else { return [] }
        // 1. Segments, in cell order, as pairs of edge ids.
        var segments: [(Int, Int)] = []
        for j in 0..<(ny - 1) {
            for i in 0..<(nx - 1) {
                let bl = z[j][i], br = z[j][i + 1], tr = z[j + 1][i + 1], tl = z[j + 1][i]
                guard bl.isFinite, br.isFinite, tr.isFinite, tl.isFinite else { continue }
                let c = (bl >= level ? 1 : 0) | (br >= level ? 2 : 0) | (tr >= level ? 4 : 0) | (tl >= level ? 8 : 0)
                let bottom = hEdge(i, j), top = hEdge(i, j + 1), left = vEdge(i, j), right = vEdge(i + 1, j)
                let centreAbove = (bl + br + tr + tl) / 4 >= level
                switch c {
                case 1, 14: segments.append((left, bottom))
                case 2, 13: segments.append((bottom, right))
                case 3, 12: segments.append((left, right))
                case 4, 11: segments.append((right, top))
                case 6, 9: segments.append((bottom, top))
                case 7, 8: segments.append((left, top))
                case 5:
                    if centreAbove { segments.append((bottom, right)); segments.append((left, top)) }
                    else { segments.append((left, bottom)); segments.append((right, top)) }
                case 10:
                    if centreAbove { segments.append((left, bottom)); segments.append((right, top)) }
                    else { segments.append((bottom, right)); segments.append((left, top)) }
                default: break
                }
            }
        }
        // 2. Chain segments through shared edges (each edge is used by at most two segments).
        let edgeCount = 2 * nx * ny
        var slot0 = [Int32](repeating: -1, count: edgeCount)
        var slot1 = [Int32](repeating: -1, count: edgeCount)
        for (s, (a, b)) in segments.enumerated() {
            for e in [a, b] {
                if slot0[e] < 0 { slot0[e] = Int32(s) } else { slot1[e] = Int32(s) }
            }
        }
        var used = [Bool](repeating: false, count: segments.count)
        var lines: [[Point]] = []

        func walk(from start: Int, entering edge: Int) -> [Int] {
            // Returns the chain of edge ids starting at `edge`, going through segment `start`.
            var edges = [edge]
            var seg = start
            var at = edge
            while true {
                used[seg] = true
                let (a, b) = segments[seg]
                let next = a == at ? b : a
                edges.append(next)
                at = next
                let s0 = Int(slot0[at]), s1 = Int(slot1[at])
                let candidate = s0 == seg ? s1 : s0
                if candidate < 0 || used[candidate] { break }
                seg = candidate
            }
            return edges
        }
        func degree(_ e: Int) -> Int { (slot0[e] >= 0 ? 1 : 0) + (slot1[e] >= 0 ? 1 : 0) }

        // Open chains first: start at an edge used by a single segment.
        for s in segments.indices where !used[s] {
            let (a, b) = segments[s]
            if degree(a) == 1 {
                lines.append(walk(from: s, entering: a).map { crossing(edge: $0, level: level) })
            } else if degree(b) == 1 {
                lines.append(walk(from: s, entering: b).map { crossing(edge: $0, level: level) })
            }
        }
        // Then closed loops.
        for s in segments.indices where !used[s] {
            let chain = walk(from: s, entering: segments[s].0)
            lines.append(chain.map { crossing(edge: $0, level: level) })
        }
        return lines
    }

    func superlevel(_ level: Double) -> [[Point]] {
        guard level.isFinite else { return [] }
        var polygons: [[Point]] = []
        for j in 0..<(ny - 1) {
            var runStart: Int? = nil
            func flushRun(_ end: Int) {
                if let s = runStart {
                    polygons.append([Point(x[s], y[j]), Point(x[end], y[j]), Point(x[end], y[j + 1]), Point(x[s], y[j + 1])])
                    runStart = nil
                }
            }
            for i in 0..<(nx - 1) {
                let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
                let values = corners.map { z[$0.1][$0.0] }
                guard values.allSatisfy(\.isFinite) else { flushRun(i); continue }
                let inside = values.map { $0 >= level }
                if inside.allSatisfy({ $0 }) {
                    if runStart == nil { runStart = i }
                    continue
                }
                flushRun(i)
                if !inside.contains(true) { continue }
                // Clip the cell square to f ≥ level (Sutherland–Hodgman in value space).
                let edgeIDs = [hEdge(i, j), vEdge(i + 1, j), hEdge(i, j + 1), vEdge(i, j)]
                var poly: [Point] = []
                for k in 0..<4 {
                    let (ci, cj) = corners[k]
                    let prev = (k + 3) % 4
                    if inside[k] {
                        if !inside[prev] { poly.append(crossing(edge: edgeIDs[prev], level: level)) }
                        poly.append(Point(x[ci], y[cj]))
                    } else if inside[prev] {
                        poly.append(crossing(edge: edgeIDs[prev], level: level))
                    }
                }
                if poly.count >= 3 { polygons.append(poly) }
            }
            flushRun(nx - 1)
        }
        return polygons
    }
}
