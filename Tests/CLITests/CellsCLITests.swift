import Foundation
import XCTest

/// A sweep as one stage per cell gathered by `concat`, against one stage
/// computing the same cells; adding a d runs only the new cells.
final class CellsCLITests: XCTestCase {
    static let common = """
              init: {tau: 1, seeds: {from: 0, count: 4}}
              end_times: [4, 8]
        """

    /// One ode-sweep stage per (weights, |μ|, d), the axes in the order the
    /// sweep kind loops over them (weights, then |μ|, then d), and the gather.
    static func cells(d: String) -> String {
        """
        stages:
          cell:
            kind: ode-sweep
            matrix:
              weights: [fixed, trainable]
              mu: [2.0, 3.5]
              d: \(d)
            params:
              target: {mu: ["${mu}"]}
              d: ["${d}"]
              weights: ["${weights}"]
        \(common)
            outs: ["cells/${weights}-${mu}-${d}.csv"]
          sweep:
            kind: concat
            deps: [cell@*]
            outs: [gathered.csv]

        """
    }

    /// The same cells in one ode-sweep stage (its own pipeline file and lock).
    static func single(d: String) -> String {
        """
        stages:
          whole:
            kind: ode-sweep
            params:
              target: {mu: [2.0, 3.5]}
              d: \(d)
              weights: [fixed, trainable]
        \(common)
            outs: [whole.csv]

        """
    }

    func testGatheredCellsEqualOneStageAndANewDRunsOnlyItsCells() throws {
        let s = try Scratch(["pipeline.yaml": Self.cells(d: "[3, 6]"), "single.yaml": Self.single(d: "[3, 6]")])
        let first = try s.repro("all", "-j", "2")
        XCTAssertEqual(first.status, 0, first.all)
        XCTAssertTrue(first.stdout.contains("9 ran"), first.stdout)
        XCTAssertEqual(try s.repro("all", "--file", "single.yaml").status, 0)
        let gathered = try XCTUnwrap(s.read("gathered.csv"))
        XCTAssertEqual(gathered.split(separator: "\n").count, 1 + 8 * 2)  // header + 8 cells × 2 end times
        XCTAssertEqual(gathered, s.read("whole.csv"))

        // One more d: exactly its 4 cells and the gather run; the other 8 are untouched.
        try s.write("pipeline.yaml", Self.cells(d: "[3, 6, 9]"))
        let status = try s.repro("status", "--json")
        let stages = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["stages"] as? [[String: Any]])
        let stale = stages.filter { $0["state"] as? String != "up-to-date" }.compactMap { $0["name"] as? String }
        XCTAssertEqual(stale, ["cell@weights=fixed,mu=2.0,d=9", "cell@weights=fixed,mu=3.5,d=9",
                               "cell@weights=trainable,mu=2.0,d=9", "cell@weights=trainable,mu=3.5,d=9", "sweep"], status.stdout)
        let second = try s.repro("all", "-j", "2")
        XCTAssertEqual(second.status, 0, second.all)
        XCTAssertTrue(second.stdout.contains("5 ran, 8 up to date"), second.stdout)
        let ranLines = second.stdout.split(separator: "\n").filter { $0.split(separator: " ").dropFirst().first == "ran" }
        XCTAssertEqual(ranLines.compactMap { $0.split(separator: " ").first.map(String.init) }, stale, second.stdout)

        try s.write("single.yaml", Self.single(d: "[3, 6, 9]"))
        XCTAssertEqual(try s.repro("all", "--file", "single.yaml").status, 0)
        XCTAssertEqual(s.read("gathered.csv"), s.read("whole.csv"))
        XCTAssertEqual(s.read("gathered.csv")?.split(separator: "\n").count, 1 + 12 * 2)
    }
}
