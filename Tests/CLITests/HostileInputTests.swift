import Foundation
import XCTest

/// Hostile pipeline files and locks through the real binary: each is refused
/// with its message and exit code, quickly, and nothing is written.
final class HostileInputCLITests: XCTestCase {
    static let regressions = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/regressions")

    func regression(_ path: String) throws -> String {
        try String(contentsOf: Self.regressions.appendingPathComponent(path), encoding: .utf8)
    }

    func expectRefused(_ yaml: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let s = try Scratch(["pipeline.yaml": yaml])
        let r = try s.repro("status")
        XCTAssertEqual(r.status, 65, r.all, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(expected), r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains("hint:"), r.stderr, file: file, line: line)
        XCTAssertFalse(s.exists("repro.lock"), file: file, line: line)
    }

    func testNestedAliasesAreRefusedBeforeExpansion() throws {
        // Once: 27 s and 2.4 GB in Yams, then an abort.
        try expectRefused(regression("pipeline/alias-bomb.yaml"),
                          "pipeline.yaml:1:4: error: YAML anchor '&a': anchors and aliases are not supported")
    }

    func testAHundredMillionStageMatrixIsRefusedWithItsCount() throws {
        // Once: 3.9 GB in 9 s, then an abort.
        try expectRefused(regression("pipeline/matrix-1e8.yaml"),
                          "pipeline.yaml:4:13: error: stage 's' expands to 100000000 stages (10 × 10 × 10 × 10 × 10 × 10 × 10 × 10 values)")
    }

    func testMatrixValuesWithANewlineOrASlashAreRefused() throws {
        try expectRefused(regression("pipeline/matrix-newline.yaml"),
                          "pipeline.yaml:4:22: error: matrix value 'a\\nb' of variable 'v' in stage 's' contains a newline")
        try expectRefused("stages:\n  s:\n    kind: shell\n    params: {argv: [\"true\"]}\n    matrix: {v: [a/b]}\n    outs: [\"o-${v}\"]\n",
                          "pipeline.yaml:5:18: error: matrix value 'a/b' of variable 'v' in stage 's' contains '/'")
    }

    func testOutsMayNotNameThePipelineFile() throws {
        try expectRefused("stages:\n  s:\n    kind: shell\n    params: {argv: [\"true\"]}\n    outs: [pipeline.yaml]\n",
                          "pipeline.yaml:5:12: error: output 'pipeline.yaml' of stage 's' is the pipeline file")
    }

    func testAUTF16PipelineIsNamedAsSuch() throws {
        let s = try Scratch([:])
        let yaml = "stages:\n  s:\n    kind: shell\n    params: {argv: [\"true\"]}\n    outs: [x]\n"
        try Data([0xFF, 0xFE] + Array(yaml.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
            .write(to: s.root.appendingPathComponent("pipeline.yaml"))
        let r = try s.repro("status")
        XCTAssertEqual(r.status, 65, r.all)
        XCTAssertTrue(r.stderr.contains("pipeline.yaml:1:1: error: pipeline.yaml is UTF-16 text"), r.stderr)
        XCTAssertFalse(r.stderr.contains("run repro from the project directory"), r.stderr)
    }

    func testALockNested50000DeepIsDamagedNotACrash() throws {
        let s = try Scratch(["pipeline.yaml": "stages:\n  s:\n    kind: shell\n    params: {argv: [\"true\"]}\n    outs: [x]\n",
                             "repro.lock": try regression("lock/deep-50000.lock")])
        let r = try s.repro("status")
        XCTAssertTrue(r.status == 1 || r.status == 65, "exit \(r.status) (once: SIGSEGV)\n\(r.all)")
        XCTAssertTrue(r.stderr.contains("repro.lock is damaged (invalid JSON at byte 256: nested deeper than 256 levels)"), r.stderr)
    }
}
