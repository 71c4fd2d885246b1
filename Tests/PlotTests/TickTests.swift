import XCTest
@testable import Plot

final class TickTests: XCTestCase {
    /// Parses a label (U+2212 minus) back to a number.
    func number(_ label: String) -> Double? { Double(label.replacingOccurrences(of: "\u{2212}", with: "-")) }

    func testLinearAwkwardRangeAroundZero() throws {
        let t = try TickLocator.linear(-0.013, 0.021, maxTicks: 7)
        let majors = t.major
        XCTAssertGreaterThanOrEqual(majors.count, 3)
        XCTAssertLessThanOrEqual(majors.count, 7)
        XCTAssertNil(t.multiplier)
        for tick in majors {
            XCTAssertGreaterThanOrEqual(tick.value, -0.013)
            XCTAssertLessThanOrEqual(tick.value, 0.021)
            // Labels are exact decimals of the values, with one number of decimals throughout.
            XCTAssertEqual(number(tick.label!)!, tick.value, accuracy: 1e-15)
        }
        let decimals = Set(majors.map { $0.label!.split(separator: ".").last!.count })
        XCTAssertEqual(decimals.count, 1)
        // Steps are 1, 2 or 5 × 10ⁿ.
        let step = majors[1].value - majors[0].value
        let mantissa = step / pow(10, floor(log10(step)))
        XCTAssertTrue([1.0, 2.0, 5.0].contains { abs($0 - mantissa) < 1e-9 }, "step \(step)")
        XCTAssertTrue(majors.contains { $0.value == 0 && $0.label == "0.000" || $0.label == "0.00" })
        XCTAssertTrue(majors.first!.label!.hasPrefix("\u{2212}"), "negative labels use U+2212")
        XCTAssertEqual(try TickLocator.linear(-0.013, 0.021, maxTicks: 4).major.map(\.label!), ["\u{2212}0.01", "0.00", "0.01", "0.02"])
    }

    func testLinearLabelsAreExact() throws {
        let t = try TickLocator.linear(0, 1, maxTicks: 11)
        XCTAssertEqual(t.major.map(\.label!), ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"])
        XCTAssertEqual(t.major[3].value, 0.3)   // 3/10, not 3 × 0.1
        XCTAssertEqual(try TickLocator.linear(0, 100, maxTicks: 6).major.map(\.label!), ["0", "20", "40", "60", "80", "100"])
    }

    func testLogSevenDecades() throws {
        let t = try TickLocator.log(1e-7, 3e-3, maxMajor: 7)
        XCTAssertEqual(t.major.map(\.label!), ["10^{\u{2212}7}", "10^{\u{2212}6}", "10^{\u{2212}5}", "10^{\u{2212}4}", "10^{\u{2212}3}"])
        XCTAssertEqual(t.major.map(\.value), [1e-7, 1e-6, 1e-5, 1e-4, 1e-3])
        // Minor ticks at 2…9 × 10ⁿ inside the range: 8 per full decade, then 2e-3 and 3e-3.
        XCTAssertEqual(t.minor.count, 4 * 8 + 2)
        XCTAssertEqual(t.minor.last!.value, 3e-3, accuracy: 1e-18)
        XCTAssertTrue(t.ticks.allSatisfy { $0.value >= 1e-7 * (1 - 1e-9) && $0.value <= 3e-3 * (1 + 1e-9) })
        XCTAssertEqual(t.ticks.map(\.value), t.ticks.map(\.value).sorted())
        // Fewer labels allowed: every other decade, the rest become minor.
        let sparse = try TickLocator.log(1e-7, 3e-3, maxMajor: 3)
        XCTAssertLessThanOrEqual(sparse.major.count, 3)
        XCTAssertGreaterThanOrEqual(sparse.major.count, 2)
        // The label renders as 10 with a superscript −7.
        let rich = RichText(t.major[0].label!)
        XCTAssertEqual(rich.plainText, "10\u{2212}7")
        XCTAssertGreaterThan(rich.runs[1].shift, 0)
    }

    func testLogWithinOneDecade() throws {
        let t = try TickLocator.log(3, 8)
        XCTAssertGreaterThanOrEqual(t.major.count, 2)
        XCTAssertTrue(t.major.allSatisfy { $0.value >= 3 && $0.value <= 8 })
        XCTAssertEqual(number(t.major[0].label!), t.major[0].value)
    }

    func testSingleValue() throws {
        let lin = try TickLocator.linear(5, 5)
        XCTAssertTrue(lin.major.contains { $0.value == 5 })
        XCTAssertGreaterThanOrEqual(lin.major.count, 2)
        let zero = try TickLocator.linear(0, 0)
        XCTAssertTrue(zero.major.contains { $0.value == 0 })
        let log = try TickLocator.log(0.01, 0.01)
        XCTAssertTrue(log.major.contains { $0.value == 0.01 })
        // A figure of one point draws (the range is widened).
        var fig = Figure(width: 200, height: 150)
        fig[0, 0].scatter([2.5], [7])
        XCTAssertNoThrow(try fig.svg())
    }

    func testMultiplierForTinyAndHugeValues() throws {
        let tiny = try TickLocator.linear(0, 3e-6, maxTicks: 4)
        XCTAssertEqual(tiny.multiplier, "×10^{\u{2212}6}")
        XCTAssertTrue(tiny.major.allSatisfy { number($0.label!)! * 1e-6 - $0.value < 1e-18 })
        let huge = try TickLocator.linear(-1.2e5, 1.2e5, maxTicks: 5)
        XCTAssertEqual(huge.multiplier, "×10^{5}")
        XCTAssertEqual(huge.major.map(\.label!), ["\u{2212}1.0", "\u{2212}0.5", "0.0", "0.5", "1.0"])
    }

    func testNonFiniteLimitsThrow() {
        XCTAssertThrowsError(try TickLocator.linear(.nan, 1)) { XCTAssertTrue("\($0)".contains("finite")) }
        XCTAssertThrowsError(try TickLocator.linear(0, .infinity))
        XCTAssertThrowsError(try TickLocator.log(0, 1)) { XCTAssertTrue("\($0)".contains("> 0")) }
        XCTAssertThrowsError(try TickLocator.log(-1, 1))
        var fig = Figure()
        fig[0, 0].line([1, 2], [1, 2])
        fig[0, 0].xLimits = 0...Double.infinity
        XCTAssertThrowsError(try fig.svg()) { XCTAssertTrue("\($0)".contains("panel (0, 0)")) }
        fig[0, 0].xLimits = 0...1
        fig[0, 0].yScale = .log
        fig[0, 0].yLimits = 0...1
        XCTAssertThrowsError(try fig.svg()) { XCTAssertTrue("\($0)".contains("log")) }
    }

    func testNonFiniteDataAreSkipped() throws {
        // Documented: NaN/∞ (and ≤ 0 on a log axis) break a line; they never reach the SVG.
        var fig = Figure(width: 200, height: 150)
        fig[0, 0].line([0, 1, 2, 3, 4, 5, 6], [0, 1, .nan, 3, 4, .infinity, 6])
        let svg = try fig.svg()
        XCTAssertFalse(svg.contains("nan") || svg.contains("inf"))
        let path = try XCTUnwrap(svg.split(separator: "\n").first { $0.contains("stroke=\"#0072b2\"") })
        XCTAssertEqual(path.filter { $0 == "M" }.count, 2, "two pieces: 0–1 and 3–4; the lone point 6 draws no segment")
        var logFig = Figure(width: 200, height: 150)
        logFig[0, 0].line([1, 2, 3, 4], [1, -1, 0, 10])
        logFig[0, 0].yScale = .log
        XCTAssertNoThrow(try logFig.svg())
        // All data invalid: a default range, no error.
        var empty = Figure(width: 200, height: 150)
        empty[0, 0].line([.nan], [.nan])
        XCTAssertNoThrow(try empty.svg())
    }

    func testMismatchedLengthsThrowNamingTheMark() {
        var fig = Figure(rows: 1, cols: 2)
        fig[0, 1].line([1, 2, 3], [1, 2], label: "w(t)")
        XCTAssertThrowsError(try fig.svg()) { error in
            let s = "\(error)"
            XCTAssertTrue(s.contains("panel (0, 1)") && s.contains("w(t)") && s.contains("3") && s.contains("2"), s)
        }
        var grid = Figure()
        grid[0, 0].contour(x: [0, 1, 2], y: [0, 1], z: [[0, 1, 2]])
        XCTAssertThrowsError(try grid.svg())
    }

    func testFixedFormatting() {
        XCTAssertEqual(Fixed.format(0.125), "0.13")       // half away from zero after scaling
        XCTAssertEqual(Fixed.format(-0.125), "-0.13")
        XCTAssertEqual(Fixed.format(1.005), "1")          // 1.005 × 100 is 100.4999… in binary
        XCTAssertEqual(Fixed.format(-0.001), "0")         // no negative zero
        XCTAssertEqual(Fixed.format(12.5), "12.5")
        XCTAssertEqual(Fixed.format(-3.14159, digits: 3), "-3.142")
        XCTAssertEqual(Fixed.format(100), "100")
        XCTAssertEqual(Fixed.scaled(-1250, digits: 3), "-1.25")
        XCTAssertEqual(Fixed.scaled(5, digits: 3), "0.005")
    }
}

extension TickTests {
    func testCustomTickLabelsShareDecimals() {
        XCTAssertEqual(TickChoice.labels(for: [0, 0.2, 0.4, 1, 1.2], scale: .linear), ["0.0", "0.2", "0.4", "1.0", "1.2"])
        XCTAssertEqual(TickChoice.labels(for: [-1, 0, 2], scale: .linear), ["\u{2212}1", "0", "2"])
        XCTAssertEqual(TickChoice.labels(for: [0.01, 0.1, 1], scale: .log), ["10^{\u{2212}2}", "10^{\u{2212}1}", "10^{0}"])
        XCTAssertEqual(TickChoice.labels(for: [2, 4, 8], scale: .log), ["2", "4", "8"])
    }
}
