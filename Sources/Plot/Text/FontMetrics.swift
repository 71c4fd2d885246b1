/// Deterministic text measurement for layout: advance widths of DejaVu Sans (the face
/// `rsvg-convert` uses on Debian for `sans-serif`, and the first family the SVG asks for), so
/// labels are placed from the same numbers on every machine, whatever fonts it has.
///
/// Bold is approximated as 1.1× the regular advance; DejaVu Sans Oblique has the regular
/// advances. Characters outside the table count as 0.6 em (wide CJK as 1 em).
///
/// The table in `FontMetrics+Table.swift` was generated with fontTools from
/// /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf (fonts-dejavu-core 2.37):
///
///     from fontTools.ttLib import TTFont
///     f = TTFont(".../DejaVuSans.ttf"); cmap = f.getBestCmap(); hmtx = f["hmtx"]
///     for c in sorted(chars): print(hex(c), hmtx[cmap[c]][0])   # units of 1/2048 em
///
/// for ASCII, the Greek alphabet, and the symbols `RichText` produces.
public enum FontMetrics {
    static let unitsPerEm = 2048.0
    /// Ascender and descender of DejaVu Sans, in em.
    static let ascent = 1901.0 / 2048.0
    static let descent = 483.0 / 2048.0
    /// Cap height (≈ height of digits) in em: centres of labels sit 0.36 em above the baseline.
    static let capHeight = 1493.0 / 2048.0

    private static let table: [UInt32: Int] = {
        var t: [UInt32: Int] = [:]
        for (c, w) in dejaVuSansAdvances { t[c] = w }
        return t
    }()

    /// Advance width of one scalar in em.
    static func advance(_ u: Unicode.Scalar) -> Double {
        if let w = table[u.value] { return Double(w) / unitsPerEm }
        if u.value >= 0x2E80 && u.value <= 0x9FFF { return 1.0 }
        return 0.6
    }

    /// Width of plain text at `fontSize`, in points.
    public static func width(_ text: String, fontSize: Double, bold: Bool = false) -> Double {
        var em = 0.0
        for u in text.unicodeScalars { em += advance(u) }
        return em * fontSize * (bold ? 1.1 : 1.0)
    }

    /// Width of rich text (markup) at `fontSize`, in points.
    public static func width(_ text: RichText, fontSize: Double) -> Double {
        text.runs.reduce(0.0) { $0 + width($1.text, fontSize: fontSize * $1.scale, bold: $1.bold) }
    }

    /// Height of ascenders (b, d, l) in em.
    static let ascenderHeight = 1556.0 / 2048.0
    /// Depth of descenders (g, p, y) in em.
    static let descenderDepth = 0.236

    private static let descenders = Set("gjpqy,;()[]{}|_βγζημξρφχψϕ∫".unicodeScalars)

    /// Ink extent of rich text in em of the base size: `top` above and `bottom` below the
    /// baseline (digits alone: the cap height and 0).
    static func ink(_ text: RichText) -> (top: Double, bottom: Double) {
        var top = capHeight, bottom = 0.0
        for r in text.runs {
            let tall = r.text.unicodeScalars.contains { !$0.properties.isUppercase && !("0"..."9").contains($0) && $0.properties.isAlphabetic && "bdfhklt".unicodeScalars.contains($0) }
            top = Swift.max(top, r.shift + (tall ? ascenderHeight : capHeight) * r.scale)
            let deep = r.text.unicodeScalars.contains { descenders.contains($0) }
            bottom = Swift.max(bottom, -r.shift + (deep ? descenderDepth : 0) * r.scale)
        }
        return (top, bottom)
    }
}
