import Foundation
import XCTest
@testable import Plot

/// Golden files: the SVG of small charts, byte for byte, committed in Golden/.
///
/// To regenerate after an intended change of output (and bump `PlotInfo.formatVersion`):
///
///     PLOT_UPDATE_GOLDEN=1 swift test --filter PlotTests.GoldenTests
///
/// then look at the diff (and at the files rasterised with rsvg-convert) before committing.
final class GoldenTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func check(_ name: String, _ fig: Figure) throws {
        let svg = try fig.svg()
        let url = Self.dir.appendingPathComponent(name + ".svg")
        if ProcessInfo.processInfo.environment["PLOT_UPDATE_GOLDEN"] == "1" {
            try Data(svg.utf8).write(to: url)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if svg != expected {
            let a = svg.split(separator: "\n", omittingEmptySubsequences: false)
            let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            XCTFail("\(name).svg differs from the golden file at line \(line + 1):\n got: \(line < a.count ? a[line] : "<end>")\nwant: \(line < b.count ? b[line] : "<end>")\n(see GoldenTests.swift to regenerate)")
        }
    }

    func testGoldenLines() throws { try check("golden-lines", Fixtures.goldenLines()) }
    func testGoldenLogHeatmap() throws { try check("golden-log-heatmap", Fixtures.goldenLogHeatmap()) }
    func testGoldenContours() throws { try check("golden-contours", Fixtures.goldenContours()) }
}
