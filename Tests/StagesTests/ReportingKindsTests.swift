import EngineCore
import StageAPI
import Foundation
import XCTest
@testable import Stages
@testable import StageSupport
@testable import TableQuery
@testable import ClaimStages
@testable import GalleryStages

/// The claims and gallery kinds, and the CSV/metrics plumbing figures use.
final class ReportingKindsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("stages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("staging"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ path: String, _ text: String) throws {
        let url = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func context(_ kind: any StageKind, params: Value.Object, deps: [String], outs: [String], upstream: [UpstreamStage] = []) throws -> StageContext {
        let info = StageInfo(name: "s", deps: deps, outs: outs)
        try kind.validate(Params(params), stage: info)
        return StageContext(info: info, params: Params(params), root: dir, staging: dir.appendingPathComponent("staging"),
                            parallelism: 1, upstream: upstream, reporter: { _ in }, cancelled: { false })
    }

    func claim(_ id: String, _ metric: String, _ op: String, _ bound: Double) -> Value {
        .object(.init([("id", .string(id)), ("figure", .string("fig9")), ("claim", .string("\(id) holds")),
                       ("metric", .string(metric)), (op, .double(bound))]))
    }

    func testTablesHandleQuotesSelectByValueAndRejectRaggedRows() throws {
        let t = try Table.parse("a,b,name\n1,2.5,x\n1,3,\"q, r\"\n2,4,\"say \"\"hi\"\"\"\n", name: "t.csv")
        XCTAssertEqual(try t.doubles(Column("b")), [2.5, 3, 4])
        XCTAssertEqual(try t.texts(Column("name", .text)), ["x", "q, r", "say \"hi\""])
        XCTAssertEqual(try t.selecting(Column("a"), 1.0).count, 2, "numeric cells compare as numbers")
        XCTAssertEqual(try t.distinctInts(Column("a", .int)), [1, 2])
        XCTAssertThrowsError(try t.doubles(Column("nope")))
        XCTAssertThrowsError(try Table.parse("a,b\n1\n", name: "t.csv"))
        XCTAssertThrowsError(try Table.parse("a\nx\n", name: "t.csv").doubles(Column("a")))
    }

    func testClaimsPassWriteTheirValuesAndVerifyRechecksThem() throws {
        try write("m.json", #"{"figure":"fig9","metrics":{"err":0.01,"p":0.97},"provenance":[]}"# + "\n")
        let params = Value.Object([("claims", .array([claim("small-error", "m.json#err", "le", 0.02), claim("likely", "m.json#p", "ge", 0.9)]))])
        let ctx = try context(ClaimsKind(), params: params, deps: ["m.json"], outs: ["claims.json"])
        try ClaimsKind().validateAndRun(ctx)
        let out = try String(contentsOf: dir.appendingPathComponent("staging/claims.json"), encoding: .utf8)
        XCTAssertTrue(out.contains(#""id":"small-error""#) && out.contains(#""value":0.01"#) && out.contains(#""holds":true"#), out)
        XCTAssertEqual(try ClaimsKind().verify(root: dir, stage: ctx.info, params: Params(params)), [])
        // The committed metrics change so that a claim no longer holds: verify says which, with the value.
        try write("m.json", #"{"metrics":{"err":0.05,"p":0.97}}"#)
        let problems = try ClaimsKind().verify(root: dir, stage: ctx.info, params: Params(params))
        XCTAssertEqual(problems.count, 1)
        XCTAssertTrue(problems[0].contains("small-error") && problems[0].contains("err = 0.05") && problems[0].contains("≤ 0.02"), problems[0])
    }

    func testAFailingClaimFailsTheStageWithItsMeasuredValueAndWritesNothing() throws {
        try write("m.json", #"{"metrics":{"p":0.4}}"#)
        let params = Value.Object([("claims", .array([claim("likely", "m.json#p", "ge", 0.9)]))])
        let ctx = try context(ClaimsKind(), params: params, deps: ["m.json"], outs: ["claims.json"])
        XCTAssertThrowsError(try ClaimsKind().validateAndRun(ctx)) { e in
            XCTAssertTrue("\(e)".contains("claim likely does not hold: p = 0.4, required ≥ 0.9"), "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("staging/claims.json").path))
    }

    func testClaimsParamsAreChecked() throws {
        let info = StageInfo(name: "s", deps: ["m.json"], outs: ["c.json"])
        let bad: [(Value, String)] = [
            (claim("x", "m.json", "le", 1), "must be FIGURE#NAME"),
            (claim("x", "other.json#a", "le", 1), "not among the stage's deps"),
            (.object(.init([("id", .string("x")), ("figure", .string("f")), ("claim", .string("c")), ("metric", .string("m.json#a"))])), "needs exactly one bound"),
            (.object(.init([("id", .string("x")), ("figure", .string("f")), ("claim", .string("c")), ("le", .int(1))])), "needs exactly one of table"),
            (.object(.init([("id", .string("x")), ("figure", .string("f")), ("claim", .string("c")), ("table", .string("t.csv")), ("le", .int(1))])),
             "needs exactly one reduction"),
            (.object(.init([("id", .string("x")), ("figure", .string("f")), ("claim", .string("c")), ("table", .string("t.csv")),
                            ("where", .object(.init([("d", .object(.init([("ge", .int(1)), ("gt", .int(2))])))]))), ("max", .string("p")), ("le", .int(1))])),
             "at most one lower bound"),
        ]
        for (c, message) in bad {
            XCTAssertThrowsError(try ClaimsKind().validate(Params(.init([("claims", .array([c]))])), stage: info)) { e in
                XCTAssertTrue("\(e)".contains(message), "\(e)")
            }
        }
    }

    func testGalleryShowsFiguresClaimsAndProvenanceDeterministically() throws {
        try write("figures/f.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n")
        try write("artifacts/f/metrics.json", #"{"figure":"fig9","metrics":{"p":0.97},"provenance":[{"key":"abcdef0123456789ff","kind":"ode","params":{"d":3},"stage":"ode-run"}]}"#)
        try write("artifacts/claims.json", "{\n  \"claims\": [\n    " + #"{"bound":"≥ 0.9","claim":"P is large & <clear>","figure":"fig9","holds":true,"id":"likely","metric":"artifacts/f/metrics.json#p","value":0.97312}"# + "\n  ]\n}\n")
        let fig = Value.object(.init([("svg", .string("figures/f.svg")), ("metrics", .string("artifacts/f/metrics.json")),
                                      ("title", .string("Figure 9")), ("caption", .string("What it shows."))]))
        let params = Value.Object([("title", .string("Gallery")), ("claims", .string("artifacts/claims.json")), ("figures", .array([fig]))])
        let deps = ["figures/f.svg", "artifacts/f/metrics.json", "artifacts/claims.json"]
        let up = [UpstreamStage(name: "fig9", kind: "figure", key: String(repeating: "7", count: 64), params: "{}", outs: ["figures/f.svg", "artifacts/f/metrics.json"])]
        try GalleryKind().validateAndRun(try context(GalleryKind(), params: params, deps: deps, outs: ["figures/index.html"], upstream: up))
        let html = try String(contentsOf: dir.appendingPathComponent("staging/figures/index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<img src=\"f.svg\" alt=\"Figure 9\">"), "the image path is relative to the page")
        XCTAssertTrue(html.contains("P is large &amp; &lt;clear&gt;"), "text is escaped")
        XCTAssertTrue(html.contains("<td class=\"num\">0.9731</td>"), "measured value, 4 significant digits")
        XCTAssertTrue(html.contains("1 of 1 claims hold"))
        XCTAssertTrue(html.contains("<code>fig9</code> (figure) key <code>7777777777777777</code>"))
        XCTAssertTrue(html.contains("<code>ode-run</code> (ode) key <code>abcdef0123456789</code><pre>{&quot;d&quot;:3}</pre>"))
        // Same inputs, same bytes.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("staging/figures/index.html"))
        try GalleryKind().validateAndRun(try context(GalleryKind(), params: params, deps: deps, outs: ["figures/index.html"], upstream: up))
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("staging/figures/index.html"), encoding: .utf8), html)
    }

    func testHTMLNumberFormatting() {
        XCTAssertEqual(HTML.number(0.97312), "0.9731")
        XCTAssertEqual(HTML.number(2.2596076), "2.26")
        XCTAssertEqual(HTML.number(-0.013), "-0.013")
        XCTAssertEqual(HTML.number(12345.6), "12350")
        XCTAssertEqual(HTML.number(0), "0")
        XCTAssertEqual(HTML.relative("figures/a.svg", from: "figures/index.html"), "a.svg")
        XCTAssertEqual(HTML.relative("artifacts/x.csv", from: "figures/index.html"), "../artifacts/x.csv")
    }
}
