import Foundation
import XCTest
@testable import EngineCore
import StageAPI
@testable import ShellStages

/// pipeline.yaml written to cost without bound, or to smuggle a path or a
/// line past the rules: each is refused at parse time with file:line:col and
/// a hint, before anything is expanded.
final class HostileInputTests: XCTestCase {
    func parseErrors(_ yaml: String, maxStages: Int = SpecParser.defaultMaxStages) -> [PipelineError] {
        do {
            _ = try SpecParser.parse(yaml: yaml, file: "pipeline.yaml", maxStages: maxStages)
            XCTFail("expected the pipeline to be rejected")
            return []
        } catch let e as PipelineErrors {
            return e.errors
        } catch {
            XCTFail("unexpected error \(error)")
            return []
        }
    }

    /// The 612-byte "billion laughs": 9 levels of 9 aliases, 9⁹ nodes once expanded.
    static let aliasBomb: String = {
        var s = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for k in 1..<names.count {
            let p = names[k - 1]
            s += "\(names[k]): &\(names[k]) [" + Array(repeating: "*\(p)", count: 9).joined(separator: ",") + "]\n"
        }
        return s + "stages:\n  s:\n    kind: concat\n    params: {suffix: *i}\n    outs: [x]\n"
    }()

    func testAliasBombIsRefusedAtTheFirstAnchor() {
        let errs = parseErrors(Self.aliasBomb)
        XCTAssertEqual(errs.count, 1)
        XCTAssertEqual(errs.first?.location, SourceLocation(file: "pipeline.yaml", line: 1, column: 4))
        XCTAssertEqual(errs.first?.message, "YAML anchor '&a': anchors and aliases are not supported")
        XCTAssertTrue(errs.first?.hint?.contains("matrix") ?? false)
    }

    func testAnAliasUsedAsAMappingKeyIsRefused() {
        // Yams hashes mapping keys while composing: an aliased key would be expanded there.
        let errs = parseErrors("stages:\n  ? *k\n  : {kind: concat, outs: [x]}\n")
        XCTAssertEqual(errs.map(\.description), ["pipeline.yaml:2:5: error: YAML alias '*k': anchors and aliases are not supported\n  hint: write the value out in full; to repeat a stage over values, use 'matrix:'"])
    }

    func testAmpersandsAndStarsInsideValuesAreNotAnchors() throws {
        let spec = try SpecParser.parse(yaml: """
            stages:
              s:
                kind: shell
                params: {cmd: "cat in/*.csv && echo *", plain: echo a && b *c}
                desc: a & b
                outs: [x]
              t:
                kind: shell
                params:
                  cmd: |
                    *alias &anchor
                outs: [y]
            """, file: "pipeline.yaml")
        XCTAssertEqual(spec.stages[0].params["plain"], .string("echo a && b *c"))
        XCTAssertEqual(spec.stages[1].params["cmd"], .string("*alias &anchor\n"))
    }

    func testMatrixValueWithNewlineOrSlashIsRefusedAtTheValue() {
        var errs = parseErrors("stages:\n  s:\n    kind: concat\n    matrix: {v: [ok, \"a\\nb\"]}\n    outs: [\"o/${v}\"]\n")
        XCTAssertEqual(errs.count, 1)
        XCTAssertEqual(errs.first?.location, SourceLocation(file: "pipeline.yaml", line: 4, column: 22))
        XCTAssertEqual(errs.first?.message, "matrix value 'a\\nb' of variable 'v' in stage 's' contains a newline")
        errs = parseErrors("stages:\n  s:\n    kind: concat\n    matrix:\n      v:\n        - x/../../etc\n    outs: [\"o/${v}\"]\n")
        XCTAssertEqual(errs.first?.location, SourceLocation(file: "pipeline.yaml", line: 6, column: 11))
        XCTAssertEqual(errs.first?.message, "matrix value 'x/../../etc' of variable 'v' in stage 's' contains '/'")
        for bad in ["..", "\"\"", "\"a b\"", "\"a,b=c\"", "\"\\t\""] {
            let e = parseErrors("stages:\n  s:\n    kind: concat\n    matrix: {v: [\(bad)]}\n    outs: [\"o/${v}\"]\n")
            XCTAssertEqual(e.count, 1, bad)
            XCTAssertTrue(e.first?.hint?.contains("letters, digits") ?? false, bad)
        }
    }

    func testNumbersAndWordsAreStillMatrixValues() throws {
        let spec = try SpecParser.parse(yaml: "stages:\n  s:\n    kind: concat\n    matrix: {v: [-1, 2.5e+20, 1.0e-7, true, power_2, a.b]}\n    outs: [\"o/${v}\"]\n",
                                        file: "pipeline.yaml")
        XCTAssertEqual(spec.stages.map(\.name), ["s@v=-1", "s@v=2.5e+20", "s@v=1e-07", "s@v=true", "s@v=power_2", "s@v=a.b"])
    }

    func testAMatrixTooLargeIsRefusedBeforeExpanding() {
        // 10⁸ stages from 8 × 10 values: refused from the list lengths alone.
        let vars = (1...8).map { "v\($0): [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]" }.joined(separator: ", ")
        let errs = parseErrors("stages:\n  s:\n    kind: concat\n    matrix: {\(vars)}\n    outs: [\"o/${v1}\"]\n")
        XCTAssertEqual(errs.count, 1)
        XCTAssertEqual(errs.first?.location, SourceLocation(file: "pipeline.yaml", line: 4, column: 13))
        XCTAssertEqual(errs.first?.message, "stage 's' expands to 100000000 stages (10 × 10 × 10 × 10 × 10 × 10 × 10 × 10 values), which takes the pipeline past the limit of 100000 stages")
        XCTAssertEqual(errs.first?.hint, "use fewer or shorter matrix lists, or raise the limit with --max-stages N")
    }

    func testTheStageLimitCountsTheWholePipelineAndCanBeRaised() throws {
        let yaml = "stages:\n  a:\n    kind: concat\n    outs: [a]\n  s:\n    kind: concat\n    matrix: {i: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], j: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}\n    outs: [\"o/${i}/${j}\"]\n"
        let errs = parseErrors(yaml, maxStages: 100)
        XCTAssertEqual(errs.map(\.message), ["stage 's' expands to 100 stages (10 × 10 values), which takes the pipeline past the limit of 100 stages"])
        XCTAssertEqual(try SpecParser.parse(yaml: yaml, file: "pipeline.yaml", maxStages: 101).stages.count, 101)
    }

    func testAHugeTemplateTimesAMatrixIsRefused() {
        let big = String(repeating: "x", count: 1 << 20)
        let errs = parseErrors("stages:\n  s:\n    kind: concat\n    params: {suffix: \(big)}\n    matrix: {i: [\((0..<100).map(String.init).joined(separator: ","))]}\n    outs: [\"o/${i}\"]\n")
        XCTAssertEqual(errs.count, 1)
        XCTAssertTrue(errs.first?.message.hasPrefix("stage 's' expands to 100 stages of about 1048") ?? false, "\(errs)")
        XCTAssertTrue(errs.first?.message.hasSuffix("more than 64 MB of stage definitions") ?? false, "\(errs)")
    }

    func testStageNamesWithControlCharactersAreShownEscaped() {
        let errs = parseErrors("stages:\n  \"a\\nb\":\n    kind: concat\n    outs: [x]\n")
        XCTAssertEqual(errs.count, 1)
        XCTAssertEqual(errs.first?.location?.line, 2)
        XCTAssertEqual(errs.first?.message, "invalid stage name 'a\\nb'")
        XCTAssertFalse(errs.first?.description.dropLast((errs.first?.hint?.count ?? 0) + 9).contains("\n") ?? true)
    }

    func testPathsWithControlCharactersOrEscapesAreRefused() throws {
        let cases: [(String, String)] = [
            ("\"a\\nb\"", "output path 'a\\nb' of stage 's' contains a newline"),
            ("\"a\\0b\"", "output path 'a\\0b' of stage 's' contains a NUL character"),
            ("\"a\\u001bb\"", "output path 'a\\u{1b}b' of stage 's' contains a control character"),
            ("\"a\\u2028b\"", "output path 'a\\u{2028}b' of stage 's' contains a control character"),
            ("/etc/x", "output path '/etc/x' of stage 's' is absolute (outside the project)"),
            ("a/../../x", "output path 'a/../../x' of stage 's' leaves the project ('..')"),
            ("\(String(repeating: "n", count: 300))/x", "output path '\(String(repeating: "n", count: 80))…' of stage 's' has a component longer than 255 bytes"),
        ]
        for (path, message) in cases {
            let errs = try pipelineErrors("stages:\n  s:\n    kind: concat\n    outs: [\(path)]\n")
            XCTAssertEqual(errs.map(\.message), [message], path)
            XCTAssertEqual(errs.first?.location, SourceLocation(file: "pipeline.yaml", line: 4, column: 12), path)
            XCTAssertEqual(errs.first?.hint, "use a relative path inside the project, e.g. artifacts/s/result.csv", path)
        }
        let errs = try pipelineErrors("stages:\n  s:\n    kind: concat\n    deps: [\"in\\tput\"]\n    outs: [x]\n")
        XCTAssertEqual(errs.map(\.message), ["dependency path 'in\\tput' of stage 's' contains a control character"])
    }

    func testAMatrixCannotSpliceAnEscapeIntoAPath() throws {
        let errs = try pipelineErrors("stages:\n  s:\n    kind: concat\n    matrix: {v: [..]}\n    outs: [\"o/${v}/x\"]\n")
        XCTAssertEqual(errs.map(\.message), ["matrix value '..' of variable 'v' in stage 's' is a path component ('..')"])
    }

    func testOutsMayNotOverwriteThePipelineTheLockOrCode() throws {
        let errs = try pipelineErrors("""
            stages:
              a:
                kind: concat
                outs: [pipeline.yaml, repro.lock, other.yaml]
              b:
                kind: shell
                params: {argv: ["true"]}
                outs: [Sources/ShellStages/ShellKind.swift, data, made/x]
              c:
                kind: concat
                outs: [made]
            """, files: ["data/keep.txt": "precious"])
        XCTAssertEqual(errs.map(\.description), [
            "pipeline.yaml:4:12: error: output 'pipeline.yaml' of stage 'a' is the pipeline file\n  hint: a stage writes only files of its own, e.g. artifacts/a/result.csv",
            "pipeline.yaml:4:27: error: output path 'repro.lock' of stage 'a' is the lock file\n  hint: use a relative path inside the project, e.g. artifacts/a/result.csv",
            "pipeline.yaml:8:12: error: output 'Sources/ShellStages/ShellKind.swift' of stage 'b' is source code of kind 'shell' (part of its stages' keys)\n  hint: a stage writes only files of its own, e.g. artifacts/b/result.csv",
            "pipeline.yaml:8:49: error: output 'data' of stage 'b' is an existing directory\n  hint: a stage writes only files of its own, e.g. artifacts/b/result.csv",
            "pipeline.yaml:11:12: error: output 'made' of stage 'c' is a directory of other declared paths\n  hint: a stage writes only files of its own, e.g. artifacts/c/result.csv",
        ])
    }

    func testAnotherPipelineFileMayNotOverwritePipelineYAML() throws {
        // other.yaml's lock is other.lock (issue 26: it was checked as other.yaml.lock, which is no lock).
        let t = try TempProject(["other.yaml": "stages:\n  a:\n    kind: concat\n    outs: [pipeline.yaml, other.lock]\n"])
        XCTAssertThrowsError(try Pipeline.load(root: t.root, file: "other.yaml", registry: testRegistry)) { e in
            XCTAssertEqual((e as? PipelineErrors)?.errors.map(\.message), [
                "output 'pipeline.yaml' of stage 'a' is the pipeline file",
                "output 'other.lock' of stage 'a' is this pipeline file's lock",
            ])
        }
    }

    func testALongCycleIsFoundWithoutRecursion() {
        // 300 000 stages in one ring: a recursive search would overflow the stack.
        let n = 300_000
        let upstream = (0..<n).map { [($0 + n - 1) % n] }
        let cycle = Pipeline.findCycle(upstream: upstream, among: Set(0..<n))
        XCTAssertEqual(cycle.count, n)
        XCTAssertEqual(cycle.prefix(3), [0, 1, 2])
    }
}

extension HostileInputTests {
    func testNestingDeeperThanTheLimitIsRefusedWhereItHappens() throws {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let errs = parseErrors("stages:\n  s:\n    kind: concat\n    params: {x: \(deep)}\n    outs: [x]\n")
        XCTAssertEqual(errs.map(\.description), ["pipeline.yaml:4:269: error: lists and mappings nest deeper than 256 levels\n  hint: flatten the structure"])
        let ok = String(repeating: "[", count: 250) + String(repeating: "]", count: 250)
        XCTAssertNoThrow(try SpecParser.parse(yaml: "stages:\n  s:\n    kind: concat\n    params: {x: \(ok)}\n    outs: [x]\n", file: "pipeline.yaml"))
    }
}
