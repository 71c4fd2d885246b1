import XCTest
@testable import Plot

final class TextTests: XCTestCase {
    func testGreekWithSubscript() {
        let t = RichText("$\\alpha_{+}$")
        XCTAssertEqual(t.plainText, "α+")
        XCTAssertEqual(t.runs.count, 2)
        XCTAssertEqual(t.runs[1].text, "+")
        XCTAssertLessThan(t.runs[1].shift, 0)
        XCTAssertEqual(t.runs[1].scale, 0.7, accuracy: 1e-12)
    }

    func testSuperscriptsAndMinus() {
        XCTAssertEqual(RichText("|\\mu|^{2}").plainText, "|μ|2")
        let p = RichText("10^{-3}")
        XCTAssertEqual(p.plainText, "10\u{2212}3", "a minus in an exponent is U+2212")
        XCTAssertGreaterThan(p.runs[1].shift, 0)
        XCTAssertEqual(RichText("$a - b$").plainText, "a \u{2212} b")
        XCTAssertEqual(RichText("well-known").plainText, "well-known")
        // Nested scripts shrink and rise further.
        let n = RichText("e^{c|\\mu|^{2}}")
        XCTAssertEqual(n.runs.last!.text, "2")
        XCTAssertGreaterThan(n.runs.last!.shift, n.runs[1].shift)
    }

    func testMathItalicsAndUpright() {
        let t = RichText("$P_{\\mathrm{collapse}}$ and $x$")
        XCTAssertTrue(t.runs[0].italic)               // P
        XCTAssertFalse(t.runs[1].italic)              // collapse (upright)
        XCTAssertFalse(t.runs.first { $0.text.contains("and") }!.italic)
        XCTAssertTrue(t.runs.last!.italic)            // x
        XCTAssertEqual(RichText("$x\\cdot e$").plainText, "x·e", "the space ends the command, as in TeX")
        XCTAssertEqual(RichText("$\\mu = 3$").plainText, "μ = 3")
        XCTAssertEqual(RichText("\\alpha particles").plainText, "α particles")
    }

    func testEscapesAndUnknownCommands() {
        XCTAssertEqual(RichText("a\\_b \\$5 \\{x\\} 100\\%").plainText, "a_b $5 {x} 100%")
        XCTAssertEqual(RichText("\\foo").plainText, "\\foo")
        XCTAssertEqual(RichText("x^").plainText, "x")     // dangling markup is dropped, not a crash
        XCTAssertEqual(RichText("{unclosed").plainText, "unclosed")
    }

    func testXMLEscapingInOutput() throws {
        var fig = Figure(width: 200, height: 150)
        fig[0, 0].line([0, 1], [0, 1], label: "a < b & \"c\" > d")
        fig[0, 0].xLabel = "<tag> & \u{0007}bell"
        let svg = try fig.svg()
        XCTAssertTrue(svg.contains("a &lt; b &amp; \"c\" &gt; d"))
        XCTAssertTrue(svg.contains("&lt;tag&gt; &amp; \u{FFFD}bell"))
        XCTAssertFalse(svg.contains("<tag>"))
    }

    func testTspanMarkup() {
        let c = TextRenderer.content(RichText("$\\alpha_{+}$"), fontSize: 10)
        XCTAssertEqual(c, "α<tspan dy=\"2.5\" font-size=\"7\">+</tspan>")
        let sup = TextRenderer.content(RichText("10^{-3} s"), fontSize: 10)
        XCTAssertEqual(sup, "10<tspan dy=\"-4\" font-size=\"7\">\u{2212}3</tspan><tspan dy=\"4\"> s</tspan>")
    }

    func testMetrics() {
        // DejaVu Sans: digits 1303/2048 em; "10" at 10 pt is 12.72 pt.
        XCTAssertEqual(FontMetrics.width("10", fontSize: 10), 2 * 1303.0 / 2048 * 10, accuracy: 1e-12)
        XCTAssertGreaterThan(FontMetrics.width("W", fontSize: 10), FontMetrics.width("i", fontSize: 10))
        XCTAssertEqual(FontMetrics.width(RichText("x^{2}"), fontSize: 10),
                       FontMetrics.width("x", fontSize: 10) + FontMetrics.width("2", fontSize: 7), accuracy: 1e-12)
    }

    func testViridisIsMatplotlibs() {
        let v = Colormap.viridis
        XCTAssertEqual(v.colors.count, 256)
        XCTAssertEqual(v(0).hex, "#440154")
        XCTAssertEqual(v(0.5).hex, "#21918c")
        XCTAssertEqual(v(1).hex, "#fde725")
        XCTAssertEqual(Palette.okabeIto[0].hex, "#0072b2")
    }
}
