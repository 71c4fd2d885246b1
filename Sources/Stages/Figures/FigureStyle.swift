// Shared look and small data helpers of the paper figures.
import Engine
import Foundation
import Plot

enum FigureStyle {
    /// Width of a full-page figure, in points (7 in).
    static let fullWidth = 504.0
    static let blue = Palette.okabeIto[0], vermillion = Palette.okabeIto[1], green = Palette.okabeIto[2]
    static let orange = Palette.okabeIto[3], purple = Palette.okabeIto[4], sky = Palette.okabeIto[5]
    /// Shades of one colour, light to dark (for a parameter such as T).
    static func shades(_ c: Color, _ n: Int) -> [Color] {
        (0..<n).map { c.lighter(0.6 * Double(n - 1 - $0) / Double(max(1, n - 1))) }
    }
    /// The i-th Okabe–Ito colour (wrapping).
    static func okabe(_ i: Int) -> Color { Palette.okabeIto[i % Palette.okabeIto.count] }
    /// Colours per separation |μ|.
    static let muColors = [blue, vermillion, green, orange, purple]
}

extension CSVReader {
    /// Rows where `column` equals `value` numerically.
    func rows(_ column: Column, _ value: Double) throws -> CSVReader { try filter([column: value.description]) }

    /// The value of `column` in the row where `key` is closest to `at`.
    func value(_ column: Column, where key: Column, closestTo at: Double) throws -> Double {
        let ks = try doubles(key), vs = try doubles(column)
        guard let i = ks.indices.min(by: { abs(ks[$0] - at) < abs(ks[$1] - at) }) else { throw StageFailure("no rows for \(column)") }
        return vs[i]
    }
}

/// Least-squares line y = a + b x, with R².
func linearFit(_ x: [Double], _ y: [Double]) -> (a: Double, b: Double, r2: Double) {
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for (u, v) in zip(x, y) { sxy += (u - mx) * (v - my); sxx += (u - mx) * (u - mx); syy += (v - my) * (v - my) }
    let b = sxy / sxx
    return (my - b * mx, b, sxx > 0 && syy > 0 ? sxy * sxy / (sxx * syy) : 1)
}

/// The residual sum of squares of the least-squares line through (x, y).
func residualSquares(_ x: [Double], _ y: [Double]) -> Double {
    let f = linearFit(x, y)
    return zip(x, y).reduce(0) { $0 + ($1.1 - f.a - f.b * $1.0) * ($1.1 - f.a - f.b * $1.0) }
}

/// A number with `digits` decimals for labels (deterministic, no locale).
func fixed(_ v: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (abs(v) * scale).rounded()
    let whole = Int(r / scale), frac = Int(r) - whole * Int(scale)
    var s = (v < 0 && r > 0 ? "−" : "") + String(whole)
    if digits > 0 { s += "." + String(repeating: "0", count: digits - String(frac).count) + String(frac) }
    return s
}
