import Foundation
import XCTest
@testable import Plot

final class PaperWidthTests: XCTestCase {
    func testColumnWidthsInPoints() {
        XCTAssertEqual(PaperWidth("single")?.points, 244.8)   // 3.4 in × 72
        XCTAssertEqual(PaperWidth("double")?.points, 504)     // 7 in × 72
        XCTAssertEqual(PaperWidth("4.5")?.points, 324)
        XCTAssertNil(PaperWidth("wide"))
        XCTAssertNil(PaperWidth("-1"))
        XCTAssertNil(PaperWidth("inf"))
    }

    func testResizedKeepsAspectUnlessAHeightIsGiven() {
        let f = Figure(width: 504, height: 190, rows: 1, cols: 3)
        let s = f.resized(to: .singleColumn)
        XCTAssertEqual(s.width, 244.8)
        XCTAssertEqual(s.height, 190 * 244.8 / 504, accuracy: 1e-12)
        XCTAssertEqual(f.resized(to: .singleColumn, heightInches: 2).height, 144)
    }

    /// A figure laid out at one column: the page is 3.4 in wide, every text keeps the font sizes it
    /// has at full width, and every label's measured extent stays on the page.
    func testSingleColumnKeepsTextSizesAndFitsTheText() throws {
        for (name, make) in Fixtures.all {
            let full = try make().svg()
            let narrow = try make().resized(to: .singleColumn).svg()
            XCTAssertTrue(narrow.contains("width=\"244.8pt\""), name)
            XCTAssertEqual(fontSizes(narrow), fontSizes(full), "\(name): text sizes change with the width")
            let extents = try textExtents(narrow)
            XCTAssertFalse(extents.isEmpty, name)
            for (x, anchor, width) in extents {
                let (lo, hi) = anchor == "middle" ? (x - width / 2, x + width / 2) : anchor == "end" ? (x - width, x) : (x, x + width)
                XCTAssertGreaterThanOrEqual(lo, -0.5, "\(name): text starts off the page at x = \(x)")
                XCTAssertLessThanOrEqual(hi, 244.8 + 0.5, "\(name): text ends off the page at x = \(x)")
            }
        }
    }

    private func fontSizes(_ svg: String) -> Set<String> {
        var out = Set<String>()
        var rest = svg[...]
        while let r = rest.range(of: "font-size=\"") {
            rest = rest[r.upperBound...]
            if let q = rest.firstIndex(of: "\"") { out.insert(String(rest[..<q])) }
        }
        return out
    }

    /// (x, text-anchor, measured width) of every unrotated `<text>`, from its own font size and plain text.
    private func textExtents(_ svg: String) throws -> [(Double, String, Double)] {
        var out: [(Double, String, Double)] = []
        for line in svg.split(separator: "\n") where line.hasPrefix("<text ") && !line.contains("rotate(") {
            func attr(_ k: String) -> String? {
                guard let r = line.range(of: " " + k + "=\"") else { return nil }
                let tail = line[r.upperBound...]
                return tail.firstIndex(of: "\"").map { String(tail[..<$0]) }
            }
            guard let x = attr("x").flatMap(Double.init) else { continue }
            let size = attr("font-size").flatMap(Double.init) ?? 8
            // Character data without tags, entities as one character: a width at the base size bounds the sub/superscripts.
            var text = "", inTag = false
            for ch in line.drop(while: { $0 != ">" }).dropFirst() {
                if ch == "<" { inTag = true } else if ch == ">" { inTag = false } else if !inTag { text.append(ch) }
            }
            for e in ["&amp;", "&lt;", "&gt;", "&quot;"] { text = text.replacingOccurrences(of: e, with: "&") }
            out.append((x, attr("text-anchor") ?? "start", FontMetrics.width(text, fontSize: size)))
        }
        return out
    }
}
