import XCTest
@testable import EngineCore
import StageAPI
@testable import ConcatStages

/// The engine's `concat` kind: byte-exact gathers, refused inputs named.
final class ConcatKindTests: XCTestCase {
    /// Runs the kind on `files` (path -> bytes) as deps in the given order.
    func gather(_ files: [(String, [UInt8])]) throws -> (Result<[UInt8], Error>, TempProject) {
        let t = try TempProject()
        for (p, bytes) in files {
            let url = t.root.appendingPathComponent(p)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        let staging = t.root.appendingPathComponent("staging")
        let ctx = StageContext(info: StageInfo(name: "g", deps: files.map(\.0), outs: ["out.csv"]), params: Params(.init()),
                               root: t.root, staging: staging, parallelism: 1, reporter: { _ in }, cancelled: { false })
        do {
            try CSVConcatKind().validateAndRun(ctx)
            return (.success(Array(try Data(contentsOf: staging.appendingPathComponent("out.csv")))), t)
        } catch {
            return (.failure(error), t)
        }
    }

    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    func testFirstWholeThenRowsOfTheOthersInDepsOrder() throws {
        let (r, _) = try gather([("b.csv", bytes("x,y\n1,2\n")), ("a.csv", bytes("x,y\n3,4\r\n\"q\nr\",5\n")), ("c.csv", bytes("x,y\n"))])
        XCTAssertEqual(try r.get(), bytes("x,y\n1,2\n3,4\r\n\"q\nr\",5\n"))
    }

    /// Files larger than a read chunk, and a header longer than one, are joined exactly.
    func testLongFilesAndLongHeadersAreByteExact() throws {
        let header = (0..<12_000).map { "column\($0)" }.joined(separator: ",")
        XCTAssertGreaterThan(header.utf8.count, CSVConcatKind.chunk)
        func rows(_ n: Int) -> String { (0..<n).map { "\($0 &* 2_654_435_761),é\n" }.joined() }
        let a = header + "\n" + rows(9000), b = header + "\n" + rows(7000), c = header + "\n"
        let (r, _) = try gather([("a", bytes(a)), ("b", bytes(b)), ("c", bytes(c))])
        XCTAssertEqual(try r.get(), bytes(a + b.dropFirst(header.utf8.count + 1)))
    }

    func testDifferentHeaderNamesTheFileAndShowsBothLinesEscaped() throws {
        let (r, _) = try gather([("one.csv", bytes("a,b\n1,2\n")), ("two.csv", bytes("a\tb\n3\n"))])
        XCTAssertThrowsError(try r.get()) { e in
            XCTAssertEqual("\(e)", "the header of 'two.csv' differs from that of 'one.csv': 'a\\tb' vs 'a,b'; every gathered CSV must have the same first line")
        }
        // A later header that only extends the first one differs too.
        let (r2, _) = try gather([("one.csv", bytes("a,b\n")), ("two.csv", bytes("a,b,c\n"))])
        XCTAssertThrowsError(try r2.get()) { XCTAssertTrue("\($0)".contains("header of 'two.csv' differs"), "\($0)") }
    }

    func testEmptyFileAndMissingTrailingNewlineAreRefused() throws {
        let (r, _) = try gather([("one.csv", bytes("a\n1\n")), ("empty.csv", [])])
        XCTAssertThrowsError(try r.get()) { XCTAssertTrue("\($0)".hasPrefix("'empty.csv' is empty"), "\($0)") }
        let (r2, _) = try gather([("one.csv", bytes("a\n1")), ("two.csv", bytes("a\n2\n"))])
        XCTAssertThrowsError(try r2.get()) { XCTAssertTrue("\($0)".hasPrefix("'one.csv' does not end with a newline"), "\($0)") }
        let (r3, _) = try gather([("one.csv", bytes("a\n1\n")), ("two.csv", bytes("a"))])
        XCTAssertThrowsError(try r3.get()) { XCTAssertTrue("\($0)".hasPrefix("'two.csv' does not end with a newline"), "\($0)") }
    }

    func testParamsAndShapeAreChecked() throws {
        let registry = KindRegistry([CSVConcatKind()])
        for (stage, expected) in [
            ("    params: {sep: ','}\n    deps: [a.csv]\n    outs: [o.csv]", "unknown parameter 'sep' for kind 'concat'"),
            ("    deps: [a.csv]\n    outs: [o.csv, p.csv]", "writes exactly one out (it lists 2)"),
            ("    outs: [o.csv]", "needs at least one dep"),
        ] {
            let t = try TempProject(["pipeline.yaml": "stages:\n  g:\n    kind: concat\n" + stage + "\n", "a.csv": "x\n"])
            XCTAssertThrowsError(try Pipeline.load(root: t.root, registry: registry)) { e in
                XCTAssertTrue("\(e)".contains(expected), "\(e)")
                XCTAssertTrue("\(e)".hasPrefix("pipeline.yaml:"), "\(e)")
            }
        }
    }

    /// Editing the kind's source changes its stages' keys, as for every kind.
    func testItsCodeDigestIsPartOfTheKey() throws {
        let t = try TempProject(["pipeline.yaml": "stages:\n  g:\n    kind: concat\n    deps: [a.csv]\n    outs: [o.csv]\n", "a.csv": "x\n1\n"])
        let registry = KindRegistry([CSVConcatKind()])
        func run(_ digest: String) throws -> RunSummary {
            let code = fakeDigests([(path: "Sources/ConcatStages/ConcatKind.swift", sha256: digest)])
            let p = try Project(root: t.root, registry: registry, code: code)
            return try Runner(project: p, options: RunOptions(), reporter: SilentReporter()).run(Array(p.pipeline.stages.indices))
        }
        XCTAssertEqual(try run(String(repeating: "1", count: 64)).outcome("g"), .ran)
        XCTAssertEqual(try run(String(repeating: "1", count: 64)).outcome("g"), .upToDate)
        let changed = try run(String(repeating: "2", count: 64))
        XCTAssertEqual(changed.outcome("g"), .ran)
        XCTAssertTrue(changed.results[0].reasons.contains { $0.contains("code") }, "\(changed.results[0].reasons)")
        XCTAssertEqual(t.read("o.csv"), "x\n1\n")
    }
}
