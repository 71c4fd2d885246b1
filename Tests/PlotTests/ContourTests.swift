import XCTest
@testable import Plot

final class ContourTests: XCTestCase {
    func grid(_ n: Int, _ f: (Double, Double) -> Double) -> ([Double], [Double], [[Double]]) {
        let xs = Fixtures.linspace(-2, 2, n), ys = Fixtures.linspace(-2, 2, n)
        return (xs, ys, ys.map { y in xs.map { x in f(x, y) } })
    }

    func area(_ p: [Point]) -> Double {
        var a = 0.0
        for i in p.indices { let q = p[(i + 1) % p.count]; a += p[i].x * q.y - q.x * p[i].y }
        return abs(a) / 2
    }

    /// The level set x² + y² = r² is one closed loop; every vertex lies on a cell edge that the
    /// analytic circle crosses, within the interpolation error of that edge; every cell the
    /// circle passes through holds part of the contour.
    func testCircleLevelSet() throws {
        let r = 1.3, n = 41
        let (xs, ys, z) = grid(n) { $0 * $0 + $1 * $1 }
        let h = xs[1] - xs[0]
        let lines = try Contours.isolines(x: xs, y: ys, z: z, level: r * r)
        XCTAssertEqual(lines.count, 1)
        let loop = lines[0]
        XCTAssertEqual(loop.first, loop.last, "closed")
        var cellsWithVertex = Set<[Int]>()
        for p in loop {
            let rho = (p.x * p.x + p.y * p.y).squareRoot()
            XCTAssertEqual(rho, r, accuracy: h * h, "linear interpolation of a quadratic along an edge")
            // On a grid line, in x or y.
            let ix = (p.x - xs[0]) / h, iy = (p.y - ys[0]) / h
            XCTAssertTrue(abs(ix - ix.rounded()) < 1e-9 || abs(iy - iy.rounded()) < 1e-9)
            // The (up to two) cells sharing that edge.
            let onX = abs(ix - ix.rounded()) < 1e-9, onY = abs(iy - iy.rounded()) < 1e-9
            let cx = onX ? Int(ix.rounded()) : Int(ix.rounded(.down)), cy = onY ? Int(iy.rounded()) : Int(iy.rounded(.down))
            for di in (onX ? [-1, 0] : [0]) { for dj in (onY ? [-1, 0] : [0]) {
                cellsWithVertex.insert([cx + di, cy + dj])
            } }
        }
        // Each cell whose corners straddle r² (the circle passes through it) has contour on its edges.
        for j in 0..<(n - 1) { for i in 0..<(n - 1) {
            let v = [z[j][i], z[j][i + 1], z[j + 1][i], z[j + 1][i + 1]]
            if v.contains(where: { $0 >= r * r }) && v.contains(where: { $0 < r * r }) {
                XCTAssertTrue(cellsWithVertex.contains([i, j]), "cell \(i),\(j) crossed by the circle has no contour")
            }
        } }
        XCTAssertEqual(area(Array(loop.dropLast())), Double.pi * r * r, accuracy: 0.01 * Double.pi * r * r)
    }

    /// Refining the grid shrinks the error like h².
    func testConvergence() throws {
        func maxError(_ n: Int) throws -> Double {
            let (xs, ys, z) = grid(n) { $0 * $0 + $1 * $1 }
            let loop = try Contours.isolines(x: xs, y: ys, z: z, level: 1)[0]
            return loop.map { abs(($0.x * $0.x + $0.y * $0.y).squareRoot() - 1) }.max()!
        }
        let coarse = try maxError(21), fine = try maxError(81)
        XCTAssertLessThan(fine, coarse / 8)
    }

    /// One cell: the crossing sits where linear interpolation along the edge puts the level.
    func testSingleCell() throws {
        let lines = try Contours.isolines(x: [0, 1], y: [0, 1], z: [[0, 1], [1, 2]], level: 0.5)
        XCTAssertEqual(lines.count, 1)
        XCTAssertEqual(Set(lines[0].map { "\($0.x),\($0.y)" }), ["0.5,0.0", "0.0,0.5"])
    }

    func testSaddleAndOpenContours() throws {
        // Saddle: corners 1 0 / 0 1, centre mean 0.5 ≥ 0.5 → the high corners join.
        let s = try Contours.isolines(x: [0, 1], y: [0, 1], z: [[1, 0], [0, 1]], level: 0.5)
        XCTAssertEqual(s.count, 2)
        // A plane gives one open line from boundary to boundary.
        let (xs, ys, z) = grid(11) { x, _ in x }
        let open = try Contours.isolines(x: xs, y: ys, z: z, level: 0.3)
        XCTAssertEqual(open.count, 1)
        XCTAssertEqual(open[0].count, 11)
        XCTAssertTrue(open[0].allSatisfy { abs($0.x - 0.3) < 1e-12 })
    }

    func testNaNCellsAreHoles() throws {
        var (xs, ys, z) = grid(21) { $0 * $0 + $1 * $1 }
        z[10][19] = .nan   // on the circle r = 1.8 at (1.8, 0)
        let lines = try Contours.isolines(x: xs, y: ys, z: z, level: 1.8 * 1.8)
        XCTAssertEqual(lines.count, 1)
        XCTAssertNotEqual(lines[0].first, lines[0].last, "the loop is cut open by the hole")
    }

    func testSuperlevelAreaMatchesDisk() throws {
        let r = 1.5
        let (xs, ys, z) = grid(81) { -($0 * $0 + $1 * $1) }
        let polys = try Contours.superlevelPolygons(x: xs, y: ys, z: z, level: -r * r)
        let total = polys.map(area).reduce(0, +)
        XCTAssertEqual(total, Double.pi * r * r, accuracy: 0.005 * Double.pi * r * r)
        // Runs of interior cells are merged into rectangles: far fewer polygons than cells inside.
        XCTAssertLessThan(polys.count, 600)
    }
}
