import XCTest
@testable import EngineCore
import StageAPI

/// Every validation error names file, line and column, and says what to do.
final class SpecValidationTests: XCTestCase {
    func testYAMLSyntaxErrorHasLocation() throws {
        let errs = try pipelineErrors("stages:\n  a:\n    kind: concat\n   outs: [x]\n")
        XCTAssertEqual(errs.count, 1)
        XCTAssertEqual(errs[0].location?.line, 4)
        XCTAssertTrue(errs[0].description.hasPrefix("pipeline.yaml:4:"), errs[0].description)
        XCTAssertTrue(errs[0].description.contains("invalid YAML"))
    }

    func testUnknownKeysAtTopAndStageLevelWithSuggestion() throws {
        let errs = try pipelineErrors("""
            stages:
              a:
                kind: concat
                outz: [x]
            extra: 1
            """)
        let msgs = errs.map(\.description)
        XCTAssertTrue(msgs.contains { $0.contains("pipeline.yaml:4:5") && $0.contains("unknown key 'outz'") && $0.contains("did you mean 'outs'") }, "\(msgs)")
        XCTAssertTrue(msgs.contains { $0.contains("pipeline.yaml:5:1") && $0.contains("unknown key 'extra'") }, "\(msgs)")
    }

    func testUnknownKindSuggestsClosest() throws {
        let errs = try pipelineErrors("stages:\n  a:\n    kind: concta\n    outs: [x]\n")
        XCTAssertEqual(errs.count, 1)
        XCTAssertEqual(errs[0].location, SourceLocation(file: "pipeline.yaml", line: 3, column: 11))
        XCTAssertTrue(errs[0].message.contains("unknown stage kind 'concta'"))
        XCTAssertTrue(errs[0].hint?.contains("did you mean 'concat'") ?? false)
    }

    func testWrongParamTypeAndBadValuePointAtTheParameter() throws {
        let errs = try pipelineErrors("""
            stages:
              a:
                kind: concat
                params:
                  suffix: 3
                outs: [x]
              b:
                kind: concat
                params: {scale: -1}
                outs: [y]
            """)
        XCTAssertEqual(errs.count, 2)
        XCTAssertEqual(errs[0].location?.line, 5)
        XCTAssertTrue(errs[0].message.contains("'suffix' must be a string, got integer 3"), errs[0].message)
        XCTAssertEqual(errs[1].location?.line, 9)
        XCTAssertTrue(errs[1].message.contains("'scale' must be > 0, got -1.0"), errs[1].message)
    }

    func testUnknownParameterIsReported() throws {
        let errs = try pipelineErrors("stages:\n  a:\n    kind: concat\n    params: {sufix: x}\n    outs: [x]\n")
        XCTAssertEqual(errs.count, 1)
        XCTAssertEqual(errs[0].location?.line, 4)
        XCTAssertTrue(errs[0].message.contains("unknown parameter 'sufix'"))
    }

    func testMissingDependency() throws {
        let errs = try pipelineErrors("stages:\n  a:\n    kind: concat\n    deps: [nowhere.txt]\n    outs: [x]\n")
        XCTAssertEqual(errs.count, 1)
        XCTAssertEqual(errs[0].location, SourceLocation(file: "pipeline.yaml", line: 4, column: 12))
        XCTAssertTrue(errs[0].message.contains("'nowhere.txt'") && errs[0].message.contains("no stage produces it"))
    }

    func testTwoStagesWritingOneOutput() throws {
        let errs = try pipelineErrors("stages:\n  a:\n    kind: concat\n    outs: [x]\n  b:\n    kind: concat\n    outs: [x]\n")
        XCTAssertEqual(errs.count, 1)
        XCTAssertEqual(errs[0].location?.line, 7)
        XCTAssertTrue(errs[0].message.contains("written by both 'a' and 'b'"))
    }

    func testCycleIsPrinted() throws {
        let errs = try pipelineErrors("""
            stages:
              a:
                kind: concat
                deps: [c.txt]
                outs: [a.txt]
              b:
                kind: concat
                deps: [a.txt]
                outs: [b.txt]
              c:
                kind: concat
                deps: [b.txt]
                outs: [c.txt]
            """)
        XCTAssertEqual(errs.count, 1)
        XCTAssertTrue(errs[0].message.contains("dependency cycle: a -> b -> c -> a"), errs[0].message)
    }

    func testOutputPathsOutsideTheProject() throws {
        let errs = try pipelineErrors("""
            stages:
              a:
                kind: concat
                outs: [/tmp/x, ../y, .repro/z, ok/./w]
            """)
        XCTAssertEqual(errs.count, 4)
        XCTAssertEqual(Set(errs.map { $0.location!.line }), [4])
        XCTAssertTrue(errs[0].message.contains("absolute"))
        XCTAssertTrue(errs[1].message.contains("leaves the project"))
        XCTAssertTrue(errs[2].message.contains(".repro"))
    }

    func testAllErrorsAreReportedTogether() throws {
        let errs = try pipelineErrors("stages:\n  a:\n    kind: nope\n    outs: [x]\n  b:\n    kind: concat\n    deps: [q]\n    outs: [y]\n")
        XCTAssertEqual(errs.count, 2)
    }

    func testNorwayIsAString() throws {
        let spec = try SpecParser.parse(yaml: "stages:\n  a:\n    kind: concat\n    params: {country: no, flag: true, n: 010, x: 1e-3, s: '1'}\n    outs: [x]\n", file: "p.yaml")
        let p = spec.stages[0].params
        XCTAssertEqual(p["country"], .string("no"))
        XCTAssertEqual(p["flag"], .bool(true))
        XCTAssertEqual(p["n"], .int(10))
        XCTAssertEqual(p["x"], .double(1e-3))
        XCTAssertEqual(p["s"], .string("1"))
    }
}
