import Foundation
import Random
@testable import Stages
import XCTest
@testable import StageSupport
@testable import TableQuery

/// Typed tables: a schema's header and types are enforced with the file, line
/// and column named; selections compare typed values; and the claims'
/// selection and reduction agree with a naive reference on random tables.
final class TableTests: XCTestCase {
    let schema = [Column("weights", .choice(["fixed", "trainable"])), Column("mu"), Column("d", .int), Column("seed", .int, optional: true)]

    func testASchemaChecksTheHeaderAndEveryCellNamingFileLineAndColumn() throws {
        let good = "weights,mu,d,seed\nfixed,2.0,10,\ntrainable,2.5,20,3\n"
        let t = try Table.parse(good, name: "t.csv", schema: schema)
        XCTAssertEqual(try t.doubles(Column("mu")), [2.0, 2.5])
        XCTAssertEqual(try t.ints(Column("d", .int)), [10, 20])
        XCTAssertEqual(try t.optionalDoubles(Column("seed")), [nil, 3])
        func message(_ text: String) -> String {
            do { _ = try Table.parse(text, name: "t.csv", schema: schema); return "parsed" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("weights,mu,dim,seed\n"), "t.csv line 1: header column 3 is 'dim' where its schema has 'd' (schema: weights,mu,d,seed)")
        XCTAssertEqual(message("weights,mu,d,seed\nfixed,2.0,10,\nfixed,x,10,1\n"), "t.csv line 3, column 'mu': 'x' is not a number")
        XCTAssertEqual(message("weights,mu,d,seed\nfixed,2.0,1.5,1\n"), "t.csv line 2, column 'd': '1.5' is not an integer")
        XCTAssertEqual(message("weights,mu,d,seed\nfixed,,10,1\n"), "t.csv line 2, column 'mu': is empty; the column is number")
        XCTAssertEqual(message("weights,mu,d,seed\nfixd,2.0,10,1\n"), "t.csv line 2, column 'weights': 'fixd' is not one of fixed, trainable")
        XCTAssertThrowsError(try t.doubles(Column("seed"))) { XCTAssertEqual("\($0)", "t.csv line 2, column 'seed': is empty where a number is needed") }
        XCTAssertThrowsError(try t.doubles(Column("nope"))) { XCTAssertTrue("\($0)".contains("column 'nope': is not a column"), "\($0)") }
    }

    func testSelectionsCompareTypedValuesAndRefuseTypeMismatches() throws {
        let t = try Table.parse("weights,mu,d,seed\nfixed,2.0,10,\ntrainable,2.0,20,3\nfixed,3.5,1000,4\n", name: "t.csv", schema: schema)
        XCTAssertEqual(try t.selecting(.fixed).count, 2)
        XCTAssertEqual(try t.selecting(Column("mu"), 2).count, 2, "an integer selects a number column by value")
        XCTAssertEqual(try t.selecting([Condition("d", .range(lower: 20, lowerInclusive: true, upper: nil, upperInclusive: false))]).count, 2)
        XCTAssertEqual(try t.selecting([Condition("seed", .range(lower: 0, lowerInclusive: true, upper: nil, upperInclusive: false))]).count, 2,
                       "an empty cell passes no test")
        XCTAssertThrowsError(try t.selecting([Condition("weights", .equals(.number(1)))]))
        XCTAssertThrowsError(try t.selecting([Condition("mu", .equals(.text("2.0")))]))
    }

    func testAWriterRefusesACellThatDoesNotFitItsColumn() throws {
        var t = CSVTable(schema: schema)
        t.append([Column("weights"): .text("fixed"), Column("mu"): .double(2), Column("d"): .int(3), Column("seed"): .empty])
        XCTAssertNoThrow(try t.check(name: "t.csv"))
        XCTAssertEqual(t.text, "weights,mu,d,seed\nfixed,2.0,3,\n")
        for (column, cell, why) in [("weights", CSVTable.Cell.text("fixd"), "'fixd' (not one of fixed, trainable)"),
                                    ("mu", .double(.nan), "the non-finite number nan"), ("mu", .empty, "an empty cell"),
                                    ("d", .double(3), "the number 3.0 (the column is integer)")] {
            var bad = CSVTable(schema: schema)
            var row: [Column: CSVTable.Cell] = [Column("weights"): .text("fixed"), Column("mu"): .double(2), Column("d"): .int(3), Column("seed"): .int(1)]
            row[Column(column)] = cell
            bad.append(row)
            XCTAssertThrowsError(try bad.check(name: "t.csv")) {
                XCTAssertTrue("\($0)".hasPrefix("would write \(why) into t.csv, column '\(column)', row 1"), "\($0)")
            }
        }
    }

    // MARK: the evaluator against a naive reference

    /// The project's seeded generator: every run tests the same tables.
    struct Gen {
        var r = Xoshiro256(seed: 42, stream: "table-evaluator")
        mutating func int(_ n: Int) -> Int { r.nextInt(below: n) }
    }

    func testSelectionAndReductionAgreeWithANaiveReferenceOnRandomTables() throws {
        var g = Gen()
        var checked = 0, failures = 0
        for _ in 0..<3000 {
            let rows = [0, 1, 1, 2, 5, 12][g.int(6)]
            // Columns: a category, an integer, a number (sometimes NaN or empty).
            let cats = ["a", "b"], ints = [1, 2, 10, 1000]
            var cells: [(String, Int, String)] = []
            for _ in 0..<rows {
                let x: String = switch g.int(12) { case 0: "nan"; case 1: ""; default: (Double(g.int(2001)) / 100 - 10).description }
                cells.append((cats[g.int(2)], ints[g.int(4)], x))
            }
            let text = "k,n,x\n" + cells.map { "\($0.0),\($0.1),\($0.2)" }.joined(separator: "\n") + (rows > 0 ? "\n" : "")
            let table = try Table.parse(text, name: "r.csv")
            // A random selection: category, integer range, both or none.
            var conditions: [Condition] = []
            let cat = cats[g.int(2)], lo = Double(ints[g.int(4)])
            if g.int(2) == 0 { conditions.append(Condition("k", .equals(.text(cat)))) }
            if g.int(2) == 0 { conditions.append(Condition("n", .range(lower: lo, lowerInclusive: true, upper: nil, upperInclusive: false))) }
            let useCat = conditions.contains { $0.column == "k" }, useLo = conditions.contains { $0.column == "n" }
            let naiveRows = cells.filter { (!useCat || $0.0 == cat) && (!useLo || Double($0.1) >= lo) }
            let reductions: [Reduction] = [.max("x"), .min("x"), .mean("x"), .count, .value("x"), .atLargest(of: "n", value: "x")]
            for r in reductions {
                let got: Double?
                do { got = try r.evaluate(try table.selecting(conditions)) } catch { got = nil }
                let expected = naive(r, naiveRows)
                if let e = expected {
                    XCTAssertEqual(got, e, "\(r) over \(naiveRows)")
                } else {
                    XCTAssertNil(got, "\(r) over \(naiveRows): must fail, not give a number")
                    failures += 1
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(failures, 1000, "empty selections, NaN and empty cells, ambiguous rows were exercised")
        XCTAssertEqual(checked, 18000)
    }

    /// What a reduction should give over the selected rows, or nil where it must fail
    /// (no row, a non-finite or empty value among those read, an ambiguous row).
    func naive(_ r: Reduction, _ rows: [(String, Int, String)]) -> Double? {
        if case .count = r { return rows.isEmpty ? nil : Double(rows.count) }
        guard !rows.isEmpty else { return nil }
        var xs: [Double] = []
        for row in rows {
            guard let x = Double(row.2), x.isFinite else { return nil }
            xs.append(x)
        }
        switch r {
        case .max: return xs.max()
        case .min: return xs.min()
        case .mean: return xs.reduce(0, +) / Double(xs.count)
        case .value: return xs.count == 1 ? xs[0] : nil
        case .atLargest:
            let top = rows.map(\.1).max()!
            let at = rows.indices.filter { rows[$0].1 == top }
            return at.count == 1 ? xs[at[0]] : nil
        default: return nil
        }
    }
}
