/// Renders `RichText` to an SVG `<text>` element with `<tspan>`s for size, baseline and style
/// changes. Baseline shifts use `dy` (relative), which every SVG 1.1 renderer supports.
enum TextRenderer {
    enum Anchor: String, Sendable { case start, middle, end }

    /// Writes `<text>` at baseline point (x, y).
    static func write(_ text: RichText, x: Double, y: Double, fontSize: Double, anchor: Anchor,
                      color: Color, rotate: Double? = nil, bold: Bool = false,
                      inheritFont: Bool = false, into w: inout SVGWriter) {
        guard !text.runs.isEmpty else { return }
        var attrs: SVGWriter.Attributes = [("x", Fixed.format(x)), ("y", Fixed.format(y))]
        if let r = rotate {
            attrs.append(("transform", "rotate(\(Fixed.format(r)) \(Fixed.format(x)) \(Fixed.format(y)))"))
        }
        if !inheritFont {
            attrs.append(("font-size", Fixed.format(fontSize)))
            if anchor != .start { attrs.append(("text-anchor", anchor.rawValue)) }
        }
        if bold { attrs.append(("font-weight", "bold")) }
        if color != .black { attrs.append(("fill", color.hex)) }
        w.inline("text", attrs, content: content(text, fontSize: fontSize))
    }

    /// The inner markup: plain runs as character data, others as `<tspan>`.
    static func content(_ text: RichText, fontSize: Double) -> String {
        var out = ""
        var baseline = 0.0   // current shift in em
        for run in text.runs {
            let plain = run.shift == 0 && run.scale == 1 && !run.italic && !run.bold
            if plain && baseline == 0 {
                out += XMLEscape.text(run.text)
                continue
            }
            var attrs: SVGWriter.Attributes = []
            if run.shift != baseline {
                attrs.append(("dy", Fixed.format(-(run.shift - baseline) * fontSize)))
                baseline = run.shift
            }
            if run.scale != 1 { attrs.append(("font-size", Fixed.format(run.scale * fontSize))) }
            if run.italic { attrs.append(("font-style", "italic")) }
            if run.bold { attrs.append(("font-weight", "bold")) }
            out += "<tspan" + SVGWriter.render(attrs) + ">" + XMLEscape.text(run.text) + "</tspan>"
        }
        return out
    }
}
