// Shared look and small data helpers of the paper figures.
import Foundation
import Plot
import StageAPI
import StageSupport
import TableQuery

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
