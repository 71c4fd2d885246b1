/// An sRGB colour with 8-bit channels. Written to SVG as `#rrggbb`.
public struct Color: Sendable, Hashable {
    public var r: UInt8, g: UInt8, b: UInt8

    public init(r: UInt8, g: UInt8, b: UInt8) { self.r = r; self.g = g; self.b = b }

    /// From `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(r: UInt8((hex >> 16) & 0xFF), g: UInt8((hex >> 8) & 0xFF), b: UInt8(hex & 0xFF))
    }

    /// `#rrggbb`, lower case.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        var s = "#"
        for v in [r, g, b] { s.append(digits[Int(v >> 4)]); s.append(digits[Int(v & 15)]) }
        return s
    }

    /// Linear mix in sRGB: `t = 0` gives self, `t = 1` gives `other`.
    public func mixed(with other: Color, _ t: Double) -> Color {
        func m(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8(Swift.max(0, Swift.min(255, (Double(a) + (Double(b) - Double(a)) * t).rounded())))
        }
        return Color(r: m(r, other.r), g: m(g, other.g), b: m(b, other.b))
    }

    /// A lighter tint (mixed with white), e.g. for shades of one series.
    public func lighter(_ t: Double) -> Color { mixed(with: .white, t) }

    public static let black = Color(hex: 0x000000)
    public static let white = Color(hex: 0xFFFFFF)
    public static let gray = Color(hex: 0x808080)
    public static let lightGray = Color(hex: 0xD0D0D0)
    public static let darkGray = Color(hex: 0x404040)
}

/// Qualitative palettes safe for colour-blind readers.
public enum Palette {
    /// Okabe & Ito (2008), in a drawing order that keeps the first colours far apart:
    /// blue, vermillion, bluish green, orange, reddish purple, sky blue, yellow, black.
    public static let okabeIto: [Color] = [
        Color(hex: 0x0072B2), Color(hex: 0xD55E00), Color(hex: 0x009E73), Color(hex: 0xE69F00),
        Color(hex: 0xCC79A7), Color(hex: 0x56B4E9), Color(hex: 0xF0E442), Color(hex: 0x000000),
    ]
    /// Paul Tol's "bright" scheme: blue, red, green, yellow, cyan, purple, grey.
    public static let tolBright: [Color] = [
        Color(hex: 0x4477AA), Color(hex: 0xEE6677), Color(hex: 0x228833), Color(hex: 0xCCBB44),
        Color(hex: 0x66CCEE), Color(hex: 0xAA3377), Color(hex: 0xBBBBBB),
    ]
}
