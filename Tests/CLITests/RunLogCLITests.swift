import Foundation
import XCTest

/// `repro log`: the run records as a table, filtered, or passed through as JSON.
final class RunLogCLITests: XCTestCase {
    static let pipeline = """
        stages:
          a:
            kind: shell
            params: {argv: [sh, -c, "echo a > a.txt"]}
            outs: [a.txt]
          up:
            kind: shell
            matrix: {n: [1, 2]}
            params: {argv: [sh, -c, "cat a.txt a.txt > up-${n}.txt"]}
            deps: [a.txt]
            outs: ["up-${n}.txt"]

        """

    func testTableFilterJSONAndMalformedLines() throws {
        let s = try Scratch(["pipeline.yaml": Self.pipeline])
        XCTAssertTrue(try s.repro("log").stdout.contains("no run records yet"))
        // -j 1: the two instances start one after the other, so the order of the rows is known.
        XCTAssertEqual(try s.repro("all", "-j", "1", "--no-sandbox").status, 0)
        XCTAssertEqual(try s.repro("all", "-j", "1", "--no-sandbox").status, 0)  // up to date: no new records

        let table = try s.repro("log")
        XCTAssertEqual(table.status, 0, table.all)
        let lines = table.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, table.stdout)
        XCTAssertTrue(lines[0].hasPrefix("start (UTC) ") && lines[0].contains(" stage "), table.stdout)
        // Aligned: the stage column starts at the same offset on every row.
        let offset = lines[0].range(of: "stage")!.lowerBound.utf16Offset(in: lines[0])
        for (line, stage) in zip(lines.dropFirst(), ["a", "up@n=1", "up@n=2"]) {
            XCTAssertEqual(line.dropFirst(offset).split(separator: " ").first.map(String.init), stage, table.stdout)
            XCTAssertTrue(line.contains(" ran "), String(line))
        }

        let up = try s.repro("log", "up", "--json")
        let records = up.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(records.map { $0["stage"] as? String }, ["up@n=1", "up@n=2"])
        XCTAssertEqual(records.first?["executor"] as? String, "local")
        XCTAssertEqual(records.first?["rss_scope"] as? String, "children")
        XCTAssertNotNil(records.first?["cpu_seconds"] as? Double)
        XCTAssertTrue((records.first?["start"] as? String)?.hasSuffix("Z") ?? false)

        let file = s.root.appendingPathComponent(".repro/runs.jsonl")
        let h = try FileHandle(forWritingTo: file)
        try h.seekToEnd()
        try h.write(contentsOf: Data("{\"truncated\n".utf8))
        try h.close()
        let bad = try s.repro("log", "a")
        XCTAssertEqual(bad.status, 0, bad.all)
        XCTAssertTrue(bad.stderr.contains("skipped line 4 of .repro/runs.jsonl"), bad.stderr)
        XCTAssertEqual(bad.stdout.split(separator: "\n").count, 2, bad.stdout)
    }

    /// The gallery shows each figure's compute cost from the engine's
    /// `.repro/compute-cost.js`; its own bytes do not change when the costs do.
    func testGalleryCostComesFromASidecarAndItsBytesStayTheSame() throws {
        let s = try Scratch([
            "pipeline.yaml": """
                stages:
                  data:
                    kind: shell
                    params: {argv: [sh, -c, "echo x > data.txt"]}
                    outs: [data.txt]
                  fig:
                    kind: shell
                    params: {argv: [sh, -c, "cp f.src figs/f.svg && cp m.src figs/m.json"]}
                    deps: [data.txt, f.src, m.src]
                    outs: [figs/f.svg, figs/m.json]
                  gallery:
                    kind: gallery
                    params:
                      title: T
                      claims: claims.json
                      figures: [{svg: figs/f.svg, metrics: figs/m.json, title: F, caption: C}]
                    deps: [claims.json, figs/f.svg, figs/m.json]
                    outs: [figs/index.html]

                """,
            "f.src": "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n", "m.src": "{\"figure\": \"f1\"}\n", "claims.json": "{\"claims\": []}\n",
        ])
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        let html = try XCTUnwrap(s.read("figs/index.html"))
        XCTAssertTrue(html.contains("<p class=\"cost\" data-stage=\"fig\">"), html)
        XCTAssertTrue(html.contains("<script src=\"../.repro/compute-cost.js\"></script>"), html)
        XCTAssertTrue(html.contains("repro log"), html)

        func costs() throws -> [String: [String: Double]] {
            let js = try XCTUnwrap(s.read(".repro/compute-cost.js"))
            let prefix = "window.reproComputeCost = "
            XCTAssertTrue(js.hasPrefix(prefix) && js.hasSuffix(";\n"), js)
            let json = js.dropFirst(prefix.count).dropLast(2)
            return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [String: Double]])
        }
        let first = try costs()
        XCTAssertEqual(first["fig"]?["stages"], 2)  // fig and data
        XCTAssertEqual(first["fig"]?["measured"], 2)
        XCTAssertEqual(first["gallery"]?["stages"], 3)
        XCTAssertGreaterThan(first["fig"]?["wall_seconds"] ?? 0, 0)

        // Rerun everything: new run records, new costs, the same page.
        XCTAssertEqual(try s.repro("all", "--force").status, 0)
        XCTAssertEqual(s.read("figs/index.html"), html)
        XCTAssertEqual(try costs()["fig"]?["measured"], 2)
        XCTAssertEqual(s.read(".repro/runs.jsonl")?.split(separator: "\n").count, 6)
    }
}
