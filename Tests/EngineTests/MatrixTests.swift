import XCTest
@testable import EngineCore
import StageAPI

final class MatrixTests: XCTestCase {
    func testExpansionNamesOrderAndTypedSubstitution() throws {
        let spec = try SpecParser.parse(yaml: """
            stages:
              sweep:
                kind: concat
                params: {d: "${d}", label: "d=${d} seed=${seed}"}
                matrix:
                  d: [10, 100]
                  seed: [1, 2, 3]
                outs: ["out/${d}/${seed}.txt"]
            """, file: "pipeline.yaml")
        XCTAssertEqual(spec.stages.map(\.name), [
            "sweep@d=10,seed=1", "sweep@d=10,seed=2", "sweep@d=10,seed=3",
            "sweep@d=100,seed=1", "sweep@d=100,seed=2", "sweep@d=100,seed=3",
        ])
        XCTAssertEqual(spec.stages[4].params["d"], .int(100))
        XCTAssertEqual(spec.stages[4].params["label"], .string("d=100 seed=2"))
        XCTAssertEqual(spec.stages[4].outs, ["out/100/2.txt"])
        XCTAssertEqual(spec.stages[4].baseName, "sweep")
    }

    func testUnknownPlaceholderIsAnError() throws {
        XCTAssertThrowsError(try SpecParser.parse(yaml: """
            stages:
              s:
                kind: concat
                matrix: {d: [1]}
                outs: ["out/${seed}.txt"]
            """, file: "pipeline.yaml")) { e in
            XCTAssertTrue("\(e)".contains("'${seed}' is not a matrix variable"), "\(e)")
        }
    }

    func testSelectByBaseNameTakesEveryInstance() throws {
        let t = try TempProject(["pipeline.yaml": """
            stages:
              s:
                kind: concat
                matrix: {k: [1, 2]}
                outs: ["o${k}"]
              t:
                kind: concat
                deps: [o1]
                outs: [t]
            """])
        let p = try t.project()
        XCTAssertEqual(try p.pipeline.select(["s"]).map { p.pipeline.stages[$0].name }, ["s@k=1", "s@k=2"])
        XCTAssertEqual(try p.pipeline.select(["t"]).map { p.pipeline.stages[$0].name }, ["s@k=1", "t"])
        XCTAssertEqual(try p.pipeline.select(["s@k=1"], downstreamToo: true).map { p.pipeline.stages[$0].name }, ["s@k=1", "t"])
        XCTAssertThrowsError(try p.pipeline.select(["nope"]))
    }
}
