import XCTest
@testable import EngineCore
import StageAPI

/// `NAME@*` deps: every out of every instance of a matrix stage, in matrix order.
final class GatherTests: XCTestCase {
    static let cells = """
        stages:
          cell:
            kind: concat
            matrix:
              d: [10, 2]
              mu: [a, b]
            outs: ["out/${d}-${mu}.csv", "out/${d}-${mu}.log"]
          gather:
            kind: concat
            deps: [extra.txt, cell@*]
            outs: [all.csv]
        """

    func testExpandsToEveryOutOfEveryInstanceInMatrixOrder() throws {
        let t = try TempProject(["pipeline.yaml": Self.cells, "extra.txt": "x\n"])
        let p = try t.project().pipeline
        let g = p.stages[p.index(of: "gather")!]
        XCTAssertEqual(g.spec.deps, ["extra.txt",
                                     "out/10-a.csv", "out/10-a.log", "out/10-b.csv", "out/10-b.log",
                                     "out/2-a.csv", "out/2-a.log", "out/2-b.csv", "out/2-b.log"])
        XCTAssertEqual(g.upstream.map { p.stages[$0].name }.sorted(),
                       ["cell@d=10,mu=a", "cell@d=10,mu=b", "cell@d=2,mu=a", "cell@d=2,mu=b"])
        // Each expanded path points at the `@*` entry (line 10, column 23).
        XCTAssertEqual(g.spec.locations.deps.count, 9)
        XCTAssertEqual(g.spec.locations.deps[1...].map(\.line), Array(repeating: 10, count: 8))
        XCTAssertEqual(g.spec.locations.deps[8].column, 23)
    }

    func testGatherRunsAfterEveryInstanceAndRerunsWhenOneChanges() throws {
        let yaml = """
            stages:
              cell:
                kind: concat
                params: {suffix: "${k}\\n"}
                matrix: {k: [1, 2, 3]}
                outs: ["c/${k}"]
              gather:
                kind: concat
                deps: [cell@*]
                outs: [all]
            """
        let t = try TempProject(["pipeline.yaml": yaml])
        XCTAssertFalse(try t.run(jobs: 2).failed)
        XCTAssertEqual(t.read("all"), "1\n2\n3\n")
        try t.write("pipeline.yaml", yaml.replacingOccurrences(of: "[1, 2, 3]", with: "[1, 2, 4, 3]"))
        let s = try t.run(jobs: 2)
        XCTAssertEqual(s.outcomes, ["cell@k=1": "up to date", "cell@k=2": "up to date", "cell@k=4": "ran",
                                    "cell@k=3": "up to date", "gather": "ran"])
        XCTAssertEqual(t.read("all"), "1\n2\n4\n3\n")
    }

    func testAPathWithAtThatNamesNoStageIsAFile() throws {
        let t = try TempProject(["pipeline.yaml": """
            stages:
              s:
                kind: concat
                deps: [run@2.csv, data/x@*]
                outs: [o]
            """, "run@2.csv": "a\n", "data/x@*": "b\n"])
        XCTAssertEqual(try t.project().pipeline.stages[0].spec.deps, ["run@2.csv", "data/x@*"])
    }

    func testUnknownStageIsAnErrorAtTheEntry() throws {
        let errors = try pipelineErrors("""
            stages:
              cell:
                kind: concat
                matrix: {k: [1]}
                outs: ["c/${k}"]
              gather:
                kind: concat
                deps: [cel@*]
                outs: [all]
            """)
        XCTAssertEqual(errors.count, 1)
        XCTAssertEqual(errors[0].location, SourceLocation(file: "pipeline.yaml", line: 8, column: 12))
        XCTAssertTrue(errors[0].message.contains("no stage named 'cel'"), errors[0].message)
        XCTAssertTrue(errors[0].hint?.contains("did you mean 'cell@*'?") ?? false, "\(errors[0])")
    }

    func testPlainStageSelfGatherAndOtherFormsAreErrors() throws {
        let errors = try pipelineErrors("""
            stages:
              plain:
                kind: concat
                outs: [p]
              cell:
                kind: concat
                matrix: {k: [1, 2]}
                deps: [cell@*]
                outs: ["c/${k}"]
              gather:
                kind: concat
                deps: [plain@*, cell@k=1]
                outs: [all]
            """)
        let messages = errors.map { "\($0.location!.line):\($0.location!.column) \($0.message)" }
        XCTAssertEqual(messages.count, 4, "\(messages)")
        // Both instances of `cell` gather their own matrix.
        XCTAssertEqual(messages.filter { $0.hasPrefix("8:12 ") && $0.contains("all instances of its own matrix") }.count, 2, "\(messages)")
        XCTAssertTrue(messages.contains { $0.hasPrefix("12:12 ") && $0.contains("stage 'plain' has no matrix") }, "\(messages)")
        XCTAssertTrue(messages.contains { $0.hasPrefix("12:21 ") && $0.contains("'@k=1' is not a form repro knows") }, "\(messages)")
    }

    func testCycleThroughAGatherIsReported() throws {
        let errors = try pipelineErrors("""
            stages:
              cell:
                kind: concat
                matrix: {k: [1, 2]}
                deps: [all]
                outs: ["c/${k}"]
              gather:
                kind: concat
                deps: [cell@*]
                outs: [all]
            """)
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors[0].message.contains("dependency cycle"), errors[0].message)
        XCTAssertTrue(errors[0].message.contains("gather"), errors[0].message)
    }
}
