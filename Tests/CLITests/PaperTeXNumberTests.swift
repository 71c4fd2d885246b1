import Foundation
import XCTest
@testable import Stages
@testable import ClaimStages

/// The number rule and the key rule of `artifacts/claims.tex` (Sources/ClaimStages/ClaimsTeX.swift).
final class PaperTeXNumberTests: XCTestCase {
    func testFourSignificantDigitsFixedOrScientific() {
        let cases: [(Double, String)] = [
            (1.0591491246042624, "1.059"), (0.9308537637399236, "0.9309"), (-0.9999999999913024, "-1"),
            (0.0008588005502468127, "8.588\\times10^{-4}"), (125, "125"), (14.857142857142858, "14.86"),
            (0, "0"), (1e-7, "1\\times10^{-7}"), (999.95, "1000"), (9999.5, "10000"), (0.001, "0.001"),
            (0.00099996, "0.001"), (1234567, "1.235\\times10^{6}"), (-2.5e-5, "-2.5\\times10^{-5}"),
            (0.5, "0.5"), (0.0018015835491103083, "0.001802"), (123456, "123500"), (2.0, "2"),
        ]
        for (x, want) in cases { XCTAssertEqual(TeXNumber.math(x), want, "\(x)") }
        XCTAssertEqual(TeXNumber.tex(0.5), "\\ensuremath{0.5}")
        XCTAssertEqual(TeXNumber.text(-8.588e-4), "\u{2212}8.588×10\u{2212}4")
    }

    /// Against the value itself: the printed number, read back, is within half a unit of its 4th
    /// significant digit, and has at most 4 significant digits.
    func testRoundedValuesAreWithinHalfAUnitOfTheFourthDigit() {
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 { state &+= 0x9E3779B97F4A7C15; var z = state; z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) &* 0x94D049BB133111EB; return z ^ (z >> 31) }
        for _ in 0..<5000 {
            let mantissa = Double(next() >> 11) / Double(1 << 53) * 10       // [0, 10)
            let exponent = Int(next() % 25) - 12
            let x = (next() & 1 == 0 ? 1 : -1) * mantissa * pow(10, Double(exponent))
            guard x != 0 else { continue }
            let s = TeXNumber.math(x)
            let parts = s.components(separatedBy: "\\times10^{")
            let m = Double(parts[0])!
            let e = parts.count == 2 ? Double(parts[1].dropLast())! : 0
            let y = m * pow(10, e)
            let unit = pow(10, floor(log10(abs(x))) - 3)
            XCTAssertLessThanOrEqual(abs(y - x), 0.5 * unit * (1 + 1e-9) + abs(x) * 1e-15, "\(x) printed as \(s)")
            let digits = parts[0].filter(\.isNumber).drop { $0 == "0" }
            XCTAssertLessThanOrEqual(digits.reversed().drop { $0 == "0" }.count, 4, "\(x) printed as \(s)")
        }
    }

    func testKeysKeepPlainIdsAndEncodeEverythingElseInjectively() {
        XCTAssertEqual(ClaimsTeX.key("fig4-fixed-no-collapse-at-mu2"), "fig4-fixed-no-collapse-at-mu2")
        XCTAssertEqual(ClaimsTeX.key("a_b.c:d/e"), "a_b.c:d/e")
        XCTAssertEqual(ClaimsTeX.key("fig2 μ"), "fig2+20++3BC+")
        XCTAssertEqual(ClaimsTeX.key("50%#{}"), "50+25++23++7B++7D+")
        XCTAssertNotEqual(ClaimsTeX.key("a+20+"), ClaimsTeX.key("a "))
    }

    func testStatementsBecomeLaTeXWithoutExtraPackages() {
        XCTAssertEqual(TeXText.escape("|μ| ≤ 2 & 5% of m₊"), "\\ensuremath{|}\\ensuremath{\\mu}\\ensuremath{|} \\ensuremath{\\le} 2 \\& 5\\% of m\\ensuremath{_+}")
        XCTAssertEqual(TeXText.escape("α_sim"), "\\ensuremath{\\alpha}\\_sim")
        XCTAssertEqual(TeXText.escape("日"), "[U+65E5]")
    }
}
