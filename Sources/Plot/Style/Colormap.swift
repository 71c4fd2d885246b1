/// A sequential colormap: a lookup table sampled uniformly on [0, 1].
///
/// Lookups quantise to the table like matplotlib's 256-entry colormaps (`index = ⌊t·N⌋`,
/// clamped), so `Colormap.viridis` gives exactly matplotlib's viridis colours.
public struct Colormap: Sendable, Equatable {
    public let name: String
    public let colors: [Color]

    public init(name: String, colors: [Color]) {
        precondition(colors.count >= 2, "a colormap needs at least two colours")
        self.name = name; self.colors = colors
    }

    /// The colour at `t` ∈ [0, 1] (clamped; NaN gives the lowest colour).
    public func callAsFunction(_ t: Double) -> Color {
        guard t.isFinite else { return colors[0] }
        let n = colors.count
        let i = Int((Swift.max(0, Swift.min(1, t)) * Double(n)).rounded(.down))
        return colors[Swift.min(n - 1, i)]
    }

    /// The same colours, reversed.
    public var reversed: Colormap { Colormap(name: name + "_r", colors: colors.reversed()) }

    /// viridis (van der Walt & Smith, CC0): the exact 256-entry table, rounded to 8 bits.
    public static let viridis: Colormap = {
        let colors = viridisMicro.map { (r, g, b) -> Color in
            // round(v × 255) with v = micro/10⁶, by integer arithmetic (half away from zero).
            func q(_ micro: Int32) -> UInt8 { UInt8((Int(micro) * 255 + 500_000) / 1_000_000) }
            return Color(r: q(r), g: q(g), b: q(b))
        }
        return Colormap(name: "viridis", colors: colors)
    }()

    /// A light-to-dark single-hue ramp (white → `color` → 40 % darker), e.g. for density shades.
    public static func sequential(_ color: Color, steps: Int = 256) -> Colormap {
        let dark = color.mixed(with: .black, 0.4)
        let colors = (0..<steps).map { k -> Color in
            let t = Double(k) / Double(steps - 1)
            return t < 0.7 ? Color.white.mixed(with: color, t / 0.7) : color.mixed(with: dark, (t - 0.7) / 0.3)
        }
        return Colormap(name: "sequential", colors: colors)
    }
}
