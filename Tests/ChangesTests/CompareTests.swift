import XCTest
@testable import Changes
import EngineCore
import StageAPI

final class YAMLEditTests: XCTestCase {
    let text = """
        # a comment that must stay
        stages:
          cell:
            kind: ode-sweep   # trailing comment
            matrix:
              mu: [2.0, 3.5]
              d: [10, 100]
            params:
              target: {mu: ["${mu}"]}
              init: {tau: 1, seeds: {from: 0, count: 2000}}
              end_times:
                - 100
                - 400
            outs: ["out/${mu}-${d}.csv"]
          other:
            kind: concat
            deps: [cell@*]
            outs: [all.csv]

        """

    func testReplacesAFlowScalarKeepingEverythingElse() throws {
        let t = try YAMLEdit.set(text, path: ["stages", "cell", "params", "init", "seeds", "count"], value: "200")
        XCTAssertEqual(t, text.replacingOccurrences(of: "count: 2000}", with: "count: 200}"))
    }

    func testReplacesAMatrixAxis() throws {
        let t = try YAMLEdit.set(text, path: ["stages", "cell", "matrix", "mu"], value: "[3.0]")
        XCTAssertEqual(t, text.replacingOccurrences(of: "mu: [2.0, 3.5]", with: "mu: [3.0]"))
    }

    func testReplacesABlockListWithAFlowOne() throws {
        let t = try YAMLEdit.set(text, path: ["stages", "cell", "params", "end_times"], value: "[50]")
        XCTAssertEqual(t, text.replacingOccurrences(of: "end_times:\n        - 100\n        - 400", with: "end_times: [50]"))
    }

    func testAddsAKeyToAFlowMappingAndABlockMapping() throws {
        let t1 = try YAMLEdit.set(text, path: ["stages", "cell", "params", "target", "rho"], value: "0.5")
        XCTAssertEqual(t1, text.replacingOccurrences(of: #"target: {mu: ["${mu}"]}"#, with: #"target: {mu: ["${mu}"], rho: 0.5}"#))
        let t2 = try YAMLEdit.set(text, path: ["stages", "cell", "params", "weights", "mode"], value: "fixed")
        XCTAssertEqual(t2, text.replacingOccurrences(of: "        - 400\n", with: "        - 400\n      weights: {mode: fixed}\n"))
        let t3 = try YAMLEdit.set(text, path: ["stages", "other", "params", "x"], value: "1")
        XCTAssertEqual(t3, text.replacingOccurrences(of: "    outs: [all.csv]\n", with: "    outs: [all.csv]\n    params: {x: 1}\n"))
    }

    func testKeepsATrailingComment() throws {
        let t = try YAMLEdit.set(text, path: ["stages", "cell", "kind"], value: "ode")
        XCTAssertEqual(t, text.replacingOccurrences(of: "kind: ode-sweep   #", with: "kind: ode   #"))
    }

    func testRefusesToDescendIntoAScalar() {
        XCTAssertThrowsError(try YAMLEdit.set(text, path: ["stages", "cell", "kind", "x"], value: "1"))
    }
}

final class TableCompareTests: XCTestCase {
    func csv(_ s: String) -> CSVText { CSVText.parse(Data(s.utf8))! }

    func testMatchesRowsByKeyColumnsAndMeasuresNumbers() {
        let a = csv("weights,d,p\nfixed,10,0.5\nfixed,20,0.25\ntrainable,10,1\n")
        let b = csv("weights,d,p\nfixed,10,0.5\nfixed,20,0.3\ntrainable,10,1\ntrainable,20,1\n")
        let c = TableComparison.compare(a, b)
        XCTAssertEqual(c.keyColumns, ["weights", "d"])
        XCTAssertEqual(c.rowsAdded, 1)
        XCTAssertEqual(c.rowsRemoved, 0)
        XCTAssertEqual(c.rowsMatched, 3)
        XCTAssertEqual(c.changedColumns.map(\.name), ["p"])
        XCTAssertEqual(c.changedColumns[0].maxAbs, 0.05, accuracy: 1e-15)
        XCTAssertEqual(c.changedColumns[0].cellsDiffering, 1)
    }

    func testTellsFormFromNumbersAndTolerance() {
        let a = csv("x,y\n1,2.0\n3,4e0\n")
        let b = csv("x,y\n1,2\n3,4.000000000001\n")
        let c = TableComparison.compare(a, b, rtol: 1e-9)
        XCTAssertEqual(c.changedColumns.map(\.name), ["y"])
        XCTAssertEqual(c.changedColumns[0].cellsDiffering, 1)
        XCTAssertTrue(c.withinTolerance)
        XCTAssertFalse(TableComparison.compare(a, b, rtol: 1e-15).withinTolerance)
    }

    func testQuotedFields() {
        let t = csv("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n")
        XCTAssertEqual(t.rows, [["x, y", "say \"hi\""]])
    }
}

final class ClaimsParseTests: XCTestCase {
    func testLenientOnUnknownFields() {
        let c = ClaimRecord.parse(Data(#"{"claims":[{"id":"a","value":1.5,"holds":true,"bound":"≥ 1","new_field":{"x":1}},{"nope":1}],"other":2}"#.utf8))!
        XCTAssertEqual(c.count, 1)
        XCTAssertEqual(c["a"]?.value, .double(1.5))
        XCTAssertEqual(c["a"]?.holds, true)
    }
}

final class PNGTests: XCTestCase {
    func testRoundTripAndDifference() throws {
        let a = RGBAImage(width: 3, height: 2, pixels: (0..<24).map { UInt8($0 * 10) })
        var bp = a.pixels
        bp[4] = 0
        let b = RGBAImage(width: 3, height: 2, pixels: bp)
        XCTAssertEqual(try RGBAImage.decodePNG(a.encodePNG()), a)
        XCTAssertEqual(RGBAImage.difference(a, b).changed, 1)
        XCTAssertEqual(RGBAImage.difference(a, a).changed, 0)
    }
}

final class FastNumberTests: XCTestCase {
    func testApproximateIsWithinAnUlpAndPairIsExactWhereItMatters() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<20000 {
            let d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &g))
            guard d.isFinite, d == 0 || d.magnitude > 1e-280 else { continue }
            let s = Array("\(d)".utf8)
            let v = try! XCTUnwrap(Cells.approximate(s, 0..<s.count) ?? Cells.number(s, 0..<s.count))
            XCTAssertLessThanOrEqual(Swift.abs(v - d), 2 * d.ulp, "\(d)")
            let (x, y) = Cells.pair(s, 0..<s.count, s, 0..<s.count)!
            XCTAssertEqual(x, d); XCTAssertEqual(y, d)
        }
        let a = Array("0.1".utf8), b = Array("0.10000000000000001".utf8), c = Array("1e-1".utf8)
        XCTAssertEqual(Cells.pair(a, 0..<a.count, b, 0..<b.count).map { $0.0 == $0.1 }, true)
        XCTAssertEqual(Cells.pair(a, 0..<a.count, c, 0..<c.count).map { $0.0 == $0.1 }, true)
        let n = Array("nan".utf8)
        XCTAssertNil(Cells.approximate(n, 0..<n.count))
    }
}

final class TableKeyTests: XCTestCase {
    func testLeadingCoordinatesAreTheKeyAndCountsAreData() {
        // A sweep: text and few-valued coordinates first, then counts; a new |μ| adds rows.
        var a = "weights,mu,d,t_end,n,collapsed,p\n", b = a
        for w in ["fixed", "trainable"] { for mu in ["2.0", "3.5"] { for d in [2, 10] { for t in ["100.0", "400.0"] {
            a += "\(w),\(mu),\(d),\(t),2000,\(d),0.1\n"
        } } } }
        for w in ["fixed", "trainable"] { for mu in ["2.0", "3.0", "3.5"] { for d in [2, 10] { for t in ["100.0", "400.0"] {
            b += "\(w),\(mu),\(d),\(t),2000,\(d + (mu == "3.5" && d == 10 ? 1 : 0)),0.1\n"
        } } } }
        let c = TableComparison.compare(CSVText.parse(Data(a.utf8))!, CSVText.parse(Data(b.utf8))!)
        XCTAssertEqual(c.keyColumns, ["weights", "mu", "d", "t_end"])
        XCTAssertEqual(c.rowsAdded, 8)
        XCTAssertEqual(c.rowsMatched, 16)
        XCTAssertEqual(c.changedColumns.map(\.name), ["collapsed"])
        XCTAssertEqual(c.changedColumns.first?.cellsDiffering, 4)
    }

    func testSamplesAreMatchedInOrderWithinTheirSeedAndStep() {
        let a = CSVText.parse(Data("seed,step,x1,x2\n1,0,0.5,0.25\n1,0,0.75,0.125\n2,0,1.5,2.5\n".utf8))!
        let b = CSVText.parse(Data("seed,step,x1,x2\n1,0,0.5,0.25\n1,0,0.75,0.5\n2,0,1.5,2.5\n".utf8))!
        let c = TableComparison.compare(a, b)
        XCTAssertEqual(c.keyColumns, ["seed", "step"])
        XCTAssertEqual(c.changedColumns.map(\.name), ["x2"])
        XCTAssertEqual(c.changedColumns.first?.maxAbs, 0.375)
    }
}
