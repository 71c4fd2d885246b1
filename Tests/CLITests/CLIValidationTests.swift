import XCTest

/// Each validation error through the real binary: exit 65, file:line:column, a hint.
final class CLIValidationTests: XCTestCase {
    func expectInvalid(_ yaml: String, files: [String: String] = [:], _ expected: String, at location: String,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let s = try Scratch(files.merging(["pipeline.yaml": yaml]) { a, _ in a })
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 65, r.all, file: file, line: line)
        XCTAssertTrue(r.stderr.contains("pipeline.yaml:\(location): error:"), r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(expected), r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains("hint:"), r.stderr, file: file, line: line)
        XCTAssertFalse(s.exists("repro.lock"), "nothing is written for an invalid pipeline", file: file, line: line)
    }

    func testYAMLSyntax() throws {
        try expectInvalid("stages:\n  a:\n    kind: shell\n     outs: [x]\n", "invalid YAML", at: "4:10")
    }

    func testUnknownKey() throws {
        try expectInvalid("stages:\n  a:\n    kind: shell\n    params: {argv: [echo]}\n    output: [x]\n", "unknown key 'output'", at: "5:5")
    }

    func testUnknownKind() throws {
        try expectInvalid("stages:\n  a:\n    kind: shel\n    outs: [x]\n", "unknown stage kind 'shel'", at: "3:11")
    }

    func testWrongParamType() throws {
        try expectInvalid("stages:\n  a:\n    kind: shell\n    params:\n      argv: 3\n    outs: [x]\n", "'argv' must be a list of strings", at: "5:7")
    }

    func testMissingDep() throws {
        try expectInvalid("stages:\n  a:\n    kind: shell\n    params: {argv: [echo]}\n    deps: [in.txt]\n    outs: [x]\n",
                          "dependency 'in.txt' of stage 'a' does not exist", at: "5:12")
    }

    func testDuplicateOutput() throws {
        try expectInvalid("stages:\n  a:\n    kind: shell\n    params: {argv: [echo]}\n    outs: [x]\n  b:\n    kind: shell\n    params: {argv: [echo]}\n    outs: [x]\n",
                          "output 'x' is written by both 'a' and 'b'", at: "9:12")
    }

    func testCycle() throws {
        try expectInvalid("""
            stages:
              a:
                kind: shell
                params: {argv: [echo]}
                deps: [b.txt]
                outs: [a.txt]
              b:
                kind: shell
                params: {argv: [echo]}
                deps: [a.txt]
                outs: [b.txt]
            """, "dependency cycle: a -> b -> a", at: "2:3")
    }

    func testOutputOutsideProject() throws {
        try expectInvalid("stages:\n  a:\n    kind: shell\n    params: {argv: [echo]}\n    outs: [../escape.txt]\n",
                          "leaves the project", at: "5:12")
    }

    func testMissingPipelineFile() throws {
        let s = try Scratch([:])
        let r = try s.repro("status")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("cannot read pipeline.yaml"), r.stderr)
    }

    func testUnknownStageNameIsAUsageError() throws {
        let s = try Scratch(["pipeline.yaml": "stages:\n  a:\n    kind: shell\n    params: {argv: [echo]}\n    outs: [x]\n"])
        let r = try s.repro("run", "b")
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("no stage named 'b'"), r.stderr)
    }

    func testHelpDocumentsExitCodes() throws {
        let s = try Scratch([:])
        let r = try s.repro("--help")
        for code in ["0 ", "1 ", "2 ", "3 ", "4 ", "64", "65", "130"] { XCTAssertTrue(r.stdout.contains("  \(code)"), "exit code \(code) in --help") }
    }
}
