/// Cell edges and colour normalisation of a heat map.
struct HeatmapGeometry: Sendable {
    let xEdges: [Double]
    let yEdges: [Double]
    let nx: Int, ny: Int

    init(_ h: Heatmap, xScale: Scale, yScale: Scale, where place: String) throws {
        let rows = h.z.count, cols = h.z.first?.count ?? 0
        ny = rows
        nx = cols
        guard rows > 0, cols > 0, h.z.allSatisfy({ $0.count == cols }) else {
            throw PlotError.invalidData("\(place): z must be a non-empty rectangular grid (z[j][i])")
        }
        xEdges = try Self.edges(h.x, cells: cols, scale: xScale, axis: "x", place)
        yEdges = try Self.edges(h.y, cells: rows, scale: yScale, axis: "y", place)
    }

    /// Edges from edges (n + 1 values) or centres (n values; edges halfway in the scale's
    /// transformed space, the outer ones extrapolated by half a cell).
    static func edges(_ v: [Double], cells n: Int, scale: Scale, axis: String, _ place: String) throws -> [Double] {
        guard v.allSatisfy({ scale.accepts($0) }), Grid.strictlyIncreasing(v) else {
            throw PlotError.invalidData("\(place): \(axis) must be increasing and valid on its scale")
        }
        if v.count == n + 1 { return v }
        guard v.count == n else {
            throw PlotError.invalidData("\(place): \(axis) has \(v.count) values; expected \(n) centres or \(n + 1) edges")
        }
        let t = v.map { scale.forward($0) }
        if n == 1 { return [scale.inverse(t[0] - 0.5), scale.inverse(t[0] + 0.5)] }
        var e = [scale.inverse(t[0] - (t[1] - t[0]) / 2)]
        for i in 0..<(n - 1) { e.append(scale.inverse((t[i] + t[i + 1]) / 2)) }
        e.append(scale.inverse(t[n - 1] + (t[n - 1] - t[n - 2]) / 2))
        return e
    }
}

/// Maps values to [0, 1] for a colormap.
struct ColorScale: Sendable {
    let lo: Double, hi: Double
    let norm: ColorNorm
    let colormap: Colormap
    /// Discrete levels (filled contours), if any.
    let levels: [Double]?

    func t(_ v: Double) -> Double? {
        switch norm {
        case .linear:
            guard v.isFinite else { return nil }
            return hi > lo ? (v - lo) / (hi - lo) : 0.5
        case .log:
            guard v.isFinite, v > 0 else { return nil }
            let a = Foundation.log10(lo), b = Foundation.log10(hi)
            return b > a ? (Foundation.log10(v) - a) / (b - a) : 0.5
        }
    }

    func color(_ v: Double) -> Color? { t(v).map { colormap($0) } }

    /// The range of finite values (positive ones for a log norm), or nil if there are none.
    static func dataRange(_ z: [[Double]], norm: ColorNorm) -> (Double, Double)? {
        var lo = Double.infinity, hi = -Double.infinity
        for row in z { for v in row where v.isFinite && (norm == .linear || v > 0) { lo = Swift.min(lo, v); hi = Swift.max(hi, v) } }
        return lo <= hi ? (lo, hi) : nil
    }
}

import Foundation
