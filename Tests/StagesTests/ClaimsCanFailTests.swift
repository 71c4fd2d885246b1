import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest

/// Every claim of the project's pipeline.yaml can fail from the metric side:
/// with the number it reads moved just past its bound (one ulp, on the
/// committed data: a metric rewritten in its figure's metrics JSON, or the
/// cells a table claim reduces rewritten in its CSV), the `claims` stage fails
/// naming that claim and no other; with a metric removed, it fails saying so.
/// The committed data itself passes. (The data side: ClaimsDataSideTests.)
final class ClaimsCanFailTests: XCTestCase {
    /// A `binomial` claim's interval [k_lo/n, k_hi/n], computed here independently of the stage (pmf
    /// summed in log space, not GSL's CDF): the central acceptance region of Binomial(n, p), (1 − level)/tests
    /// split between the two tails.
    func binomialInterval(p: Double, n: Int, level: Double, tests: Int) -> [Double] {
        let tail = (1 - level) / Double(tests) / 2
        func lnGamma(_ x: Double) -> Double { let r: Double = lgamma(x); return r }
        let logNFact = lnGamma(Double(n + 1)), logP = log(p), logQ = log(1 - p)
        let pmf: [Double] = (0...n).map { (k: Int) -> Double in
            let logChoose: Double = logNFact - lnGamma(Double(k + 1)) - lnGamma(Double(n - k + 1))
            return exp(logChoose + Double(k) * logP + Double(n - k) * logQ)
        }
        // k_lo: the largest k with P(X < k) ≤ tail; k_hi: the smallest k with P(X > k) ≤ tail.
        var below = 0.0, kLo = 0
        while below + pmf[kLo] <= tail { below += pmf[kLo]; kLo += 1 }
        var above = 0.0, kHi = n
        while above + pmf[kHi] <= tail { above += pmf[kHi]; kHi -= 1 }
        return [Double(kLo) / Double(n), Double(kHi) / Double(n)]
    }

    /// The bound's numbers: a binomial claim's interval from the n of its selected rows and, for min/max, their count.
    func bound(_ c: ClaimFixture, rows: [[String: String]]) throws -> (op: String, values: [Double]) {
        guard c.op == "binomial" else { return (c.op, c.values) }
        let n = try XCTUnwrap(Int(try XCTUnwrap(rows.first?["n"])), "\(c.id): no n")
        XCTAssertTrue(rows.allSatisfy { $0["n"] == String(n) }, "\(c.id): one n for the selected rows")
        let stage = try ClaimFixture.claimsStage()
        guard case .array(let items)? = stage.spec.params["claims"],
              let o = items.compactMap({ if case .object(let o) = $0, o["id"] == .string(c.id) { o } else { nil } }).first else { throw Unreadable(c.id) }
        let joint = o["min"] != nil || o["max"] != nil
        return ("between", binomialInterval(p: c.values[0], n: n, level: 0.95, tests: joint ? rows.count : 1))
    }

    /// Values just outside the bound (both sides for `between`).
    func pastTheBound(_ op: String, _ values: [Double]) -> [Double] {
        switch op {
        case "lt": [values[0]]
        case "le": [values[0].nextUp]
        case "gt": [values[0]]
        case "ge": [values[0].nextDown]
        default: [values[0].nextDown, values[1].nextUp]
        }
    }

    /// The metrics file `file` with `key` set to `value` (nil: removed).
    func rewritten(_ file: String, key: String, value: Double?) throws -> String {
        guard case .object(var o) = try JSONReader.parse(String(contentsOf: ClaimFixture.root.appendingPathComponent(file), encoding: .utf8)),
              case .object(var m)? = o["metrics"] else { throw Unreadable("\(file) is not a metrics file") }
        XCTAssertNotNil(m[key], "\(file) has no metric \(key)")
        m[key] = value.map { .double($0) }
        o["metrics"] = .object(m)
        return Value.object(o).canonicalJSON + "\n"
    }

    /// A table claim's files with the reduced column of every selected row set to `value` (so max, min,
    /// the one value and the value at the largest key are all `value`).
    func tablesWith(_ c: ClaimFixture, value: Double) throws -> [String: String] {
        var out: [String: String] = [:]
        for file in c.tables {
            var csv = try RawCSV(ClaimFixture.root.appendingPathComponent(file))
            let col = try XCTUnwrap(csv.header.firstIndex(of: try XCTUnwrap(c.column)))
            for i in csv.rows.indices where c.selects(csv.cells(csv.rows[i])) { csv.rows[i][col] = value.description }
            out[file] = csv.text
        }
        return out
    }

    func testEveryClaimFailsJustPastItsBoundAndWhenItsMetricIsMissing() throws {
        let stage = try ClaimFixture.claimsStage()
        XCTAssertNil(try runClaims(stage, replacing: [:]), "the committed data must satisfy every claim")
        let all = try ClaimFixture.all(stage)
        XCTAssertEqual(all.count, 45)
        XCTAssertGreaterThanOrEqual(all.filter { $0.op == "binomial" }.count, 4, "fig4's and fig7's ≈ 1/2 claims are binomial intervals, covered here too")
        XCTAssertGreaterThanOrEqual(all.filter { !$0.tables.isEmpty }.count, 18, "most claims are on tables")
        for c in all {
            if let file = c.metricFile, let name = c.metricName {
                for v in pastTheBound(c.op, c.values) {
                    let message = try runClaims(stage, replacing: [file: try rewritten(file, key: name, value: v)])
                    XCTAssertEqual(message?.split(separator: "\n").count, 1, "\(c.id) at \(v): \(message ?? "passed")")
                    XCTAssertTrue(message?.hasPrefix("claim \(c.id) does not hold: \(name) = ") ?? false, "\(c.id) at \(v): \(message ?? "passed")")
                }
                let missing = try runClaims(stage, replacing: [file: try rewritten(file, key: name, value: nil)])
                XCTAssertTrue(missing?.contains("claim \(c.id): metric '\(name)' is missing") ?? false, "\(c.id): \(missing ?? "passed")")
            } else {
                let rows = try c.tables.flatMap { f in
                    let csv = try RawCSV(ClaimFixture.root.appendingPathComponent(f))
                    return csv.rows.map(csv.cells).filter(c.selects)
                }
                XCTAssertFalse(rows.isEmpty, "\(c.id) selects rows of the committed tables")
                let (op, values) = try bound(c, rows: rows)
                // Claims on the same rows may fail with it (the lowest point past the upper bound takes the
                // highest with it); a claim on other data must not.
                let sharing = Set(all.filter { !Set($0.tables).isDisjoint(with: c.tables) }.map(\.id))
                for v in pastTheBound(op, values) {
                    let message = try runClaims(stage, replacing: try tablesWith(c, value: v)) ?? "passed"
                    let lines = message.split(separator: "\n").map(String.init)
                    XCTAssertTrue(lines.contains { $0.hasPrefix("claim \(c.id) does not hold: ") && $0.contains("= \(v), required") }, "\(c.id) at \(v): \(message)")
                    for line in lines {
                        let id = line.dropFirst("claim ".count).prefix { $0 != " " && $0 != ":" }
                        XCTAssertTrue(sharing.contains(String(id)), "\(c.id) at \(v) also failed \(id), which reads other data: \(line)")
                    }
                }
            }
        }
    }
}
