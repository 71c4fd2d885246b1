import Foundation
import XCTest

/// `repro diff`, experiments and `verify --numeric`, end to end with the real
/// binary in a scratch git repository with a small pipeline of its own: a
/// table whose numbers scale with a param, a claim on their sum (holds below
/// 15: 12 at SCALE 2, 18 at SCALE 3), a metrics file and a figure.
final class AuthorsLoopTests: XCTestCase {
    static let pipeline = """
        # a small paper
        sandbox: none
        stages:
          gen:
            kind: shell
            params:
              argv: [sh, -c, "echo x,y > out/data.csv; for i in 1 2 3; do echo $i,$((i * SCALE)) >> out/data.csv; done"]
              env: {SCALE: "2"}   # the scale
            outs: [out/data.csv]
          claims:
            kind: shell
            params: {argv: [sh, scripts/claims.sh]}
            deps: [out/data.csv, scripts/claims.sh]
            outs: [artifacts/claims.json, artifacts/fig1/metrics.json]
          fig:
            kind: shell
            params: {argv: [sh, scripts/fig.sh]}
            deps: [out/data.csv, scripts/fig.sh]
            outs: [figures/fig1.svg]

        """
    static let claimsScript = """
        s=$(tail -n +2 out/data.csv | awk -F, '{s += $2} END {print s}')
        if [ "$s" -lt 15 ]; then h=true; else h=false; fi
        mkdir -p artifacts/fig1
        printf '{"claims": [\\n  {"id":"sum-small","figure":"fig1","claim":"the sum stays below 15","bound":"< 15","holds":%s,"value":%s,"metric":"m"},\\n  {"id":"rows","figure":"fig1","claim":"three rows","bound":"= 3","holds":true,"value":3}\\n]}\\n' $h $s > artifacts/claims.json
        printf '{"figure":"fig1","metrics":{"rows":3,"sum":%s}}\\n' $s > artifacts/fig1/metrics.json

        """
    static let figScript = """
        s=$(tail -n +2 out/data.csv | awk -F, '{s += $2} END {print s}')
        mkdir -p figures
        printf '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect x="0" y="0" width="%s" height="50" fill="blue"/></svg>\\n' $((s * 5)) > figures/fig1.svg

        """

    /// A committed project whose outputs are all up to date; `out/` is not committed (its table is read from the cache).
    func makeProject() throws -> Scratch {
        let s = try Scratch(["pipeline.yaml": Self.pipeline, "scripts/claims.sh": Self.claimsScript, "scripts/fig.sh": Self.figScript,
                             ".gitignore": ".repro/\nout/\n"])
        try git(s, "init", "-q", ".")
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        try git(s, "add", "-A")
        try git(s, "commit", "-qm", "base")
        return s
    }

    @discardableResult
    func git(_ s: Scratch, _ args: String...) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-c", "user.email=t@example.org", "-c", "user.name=t", "-c", "commit.gpgsign=false"] + args
        p.currentDirectoryURL = s.root
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let d = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "git \(args)")
        return String(decoding: d, as: UTF8.self)
    }

    func setScale(_ s: Scratch, _ v: String) throws {
        try s.write("pipeline.yaml", s.read("pipeline.yaml")!.replacingOccurrences(of: #"SCALE: "2""#, with: "SCALE: \"\(v)\""))
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testDiffNamesTheStageTheClaimsValuesAndTheFlipInTextJSONAndHTML() throws {
        let s = try makeProject()
        let same = try s.repro("diff")
        XCTAssertEqual(same.status, 0, same.all)
        XCTAssertTrue(same.stdout.contains("no differences"), same.all)

        try setScale(s, "3")
        let notRun = try s.repro("diff")
        XCTAssertEqual(notRun.status, 0, notRun.all)
        XCTAssertTrue(notRun.stdout.contains("note: 3 stages are out of date in the working tree (gen, claims, fig)"), notRun.stdout)
        XCTAssertEqual(try s.repro("all").status, 0)
        let text = try s.repro("diff")
        XCTAssertFalse(text.stdout.contains("out of date"), text.stdout)
        XCTAssertEqual(text.status, 7, text.all)  // a claim flipped
        XCTAssertTrue(text.stdout.contains("FLIPPED  sum-small: holds → fails, value 12 → 18, bound < 15"), text.stdout)
        XCTAssertTrue(text.stdout.contains("artifacts/fig1/metrics.json sum: 12 → 18 (Δ +6, +50%)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("  gen:\n    - params changed: env.SCALE: \"2\" -> \"3\""), text.stdout)
        XCTAssertTrue(text.stdout.contains("out/data.csv: 3 matched by x\n    y: 3 cells differ, max |Δ| 3, max rel 0.333"), text.stdout)
        XCTAssertTrue(text.stdout.contains("figures:"), text.stdout)
        XCTAssertFalse(text.stdout.contains("not available"), text.stdout)

        let j = try json(try s.repro("diff", "--json", "HEAD").stdout)
        XCTAssertEqual(j["schema"] as? String, "repro-diff/1")
        XCTAssertEqual(j["exit_code"] as? Int, 7)
        let claims = try XCTUnwrap(j["claims"] as? [[String: Any]])
        XCTAssertEqual(claims.count, 1)
        XCTAssertEqual(claims[0]["id"] as? String, "sum-small")
        XCTAssertEqual(claims[0]["change"] as? String, "flipped")
        XCTAssertEqual((claims[0]["old"] as? [String: Any])?["value"] as? Int, 12)
        XCTAssertEqual((claims[0]["new"] as? [String: Any])?["value"] as? Int, 18)
        XCTAssertEqual((claims[0]["new"] as? [String: Any])?["holds"] as? Bool, false)
        let stages = try XCTUnwrap(j["stages"] as? [[String: Any]])
        XCTAssertEqual(stages.map { $0["stage"] as? String }, ["claims", "fig", "gen"])
        XCTAssertEqual(stages[2]["reasons"] as? [String], [#"params changed: env.SCALE: "2" -> "3""#])
        let metrics = try XCTUnwrap(j["metrics"] as? [[String: Any]])
        XCTAssertEqual(metrics.first?["abs_delta"] as? Double, 6)

        let html1 = try s.repro("diff", "--html", "page1")
        XCTAssertEqual(html1.status, 7, html1.all)
        let page = try XCTUnwrap(s.read("page1/index.html"))
        XCTAssertTrue(page.contains("<tr class=\"flipped\"><td><code>sum-small</code>"), page)
        XCTAssertTrue(page.contains("1500 of 20000 pixels changed"), page)  // the bar grew from 60 to 90 px, 50 px high
        XCTAssertEqual(page.components(separatedBy: "src=\"data:image/png;base64,").count - 1, 3)
        XCTAssertFalse(page.contains("http://") && page.contains("src=\"http"), "self-contained")
        _ = try s.repro("diff", "--html", "page2")
        XCTAssertEqual(s.read("page2/index.html"), page, "the page's bytes are deterministic")

        // Between two commits: the same report; the uncommitted table comes from the cache.
        try git(s, "commit", "-qam", "scale 3")
        let commits = try s.repro("diff", "HEAD~1", "HEAD")
        XCTAssertEqual(commits.status, 7, commits.all)
        XCTAssertTrue(commits.stdout.contains("out/data.csv: 3 matched by x"), commits.stdout)
        // A damaged cache object of a committed file: its bytes come from git instead.
        let lock = try json(s.read("repro.lock")!)
        let claimsSHA = try XCTUnwrap(((((lock["stages"] as? [String: Any])?["claims"] as? [String: Any])?["outs"] as? [String: Any])?["artifacts/claims.json"] as? [String: Any])?["sha256"] as? String)
        let object = ".repro/cache/objects/\(claimsSHA.prefix(2))/\(claimsSHA)"
        XCTAssertTrue(s.exists(object))
        try s.write(object, "{\"claims\": []}\n")
        let damaged = try s.repro("diff", "HEAD~1", "HEAD")
        XCTAssertTrue(damaged.stdout.contains("FLIPPED  sum-small: holds → fails, value 12 → 18"), damaged.stdout)
        // Without the cache, the uncommitted table is named, not guessed.
        try FileManager.default.removeItem(at: s.root.appendingPathComponent(".repro/cache"))
        let nocache = try s.repro("diff", "HEAD~1", "HEAD")
        XCTAssertTrue(nocache.stdout.contains("out/data.csv in HEAD~1 (") && nocache.stdout.contains("not committed, and sha256"), nocache.stdout)
        XCTAssertTrue(nocache.stdout.contains("FLIPPED  sum-small"), nocache.stdout)
    }

    func testAnExperimentLeavesTheProjectUntouchedAndApplyGivesTheHandEditsLock() throws {
        let s = try makeProject()
        let lockBefore = try Data(contentsOf: s.root.appendingPathComponent("repro.lock"))
        let run = try s.repro("exp", "run", "-n", "big", "--set", #"gen.env.SCALE="3""#)
        XCTAssertEqual(run.status, 0, run.all)
        XCTAssertTrue(run.stdout.contains("1 claim(s) flipped (sum-small)"), run.all)
        XCTAssertEqual(try git(s, "status", "--porcelain"), "", "an experiment writes nothing git sees")
        XCTAssertEqual(try Data(contentsOf: s.root.appendingPathComponent("repro.lock")), lockBefore)
        XCTAssertTrue(s.read("artifacts/claims.json")!.contains(#""value":12"#))

        let list = try s.repro("exp", "list")
        XCTAssertTrue(list.stdout.contains(#"big  --set gen.env.SCALE="3"  ran 3, restored 0, up to date 0  1 claim(s) flipped: sum-small"#), list.all)
        let diff = try s.repro("exp", "diff", "big")
        XCTAssertEqual(diff.status, 7, diff.all)
        XCTAssertTrue(diff.stdout.contains("repro diff: HEAD (") && diff.stdout.contains("→ experiment big"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("FLIPPED  sum-small: holds → fails, value 12 → 18"), diff.stdout)

        // The same override from a --set-file.
        try s.write("more.yaml", "# overrides\ngen.env.SCALE: \"3\"\n")
        let viaFile = try s.repro("exp", "run", "-n", "viafile", "--set-file", "more.yaml")
        XCTAssertEqual(viaFile.status, 0, viaFile.all)
        XCTAssertEqual(s.read(".repro/exp/viafile/pipeline.yaml"), s.read(".repro/exp/big/pipeline.yaml"))
        XCTAssertEqual(try s.repro("exp", "remove", "viafile").status, 0)
        try FileManager.default.removeItem(at: s.root.appendingPathComponent("more.yaml"))

        // A second experiment restores what the first computed (shared cache).
        let again = try s.repro("exp", "run", "-n", "again", "--set", #"gen.env.SCALE="3""#)
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertTrue(try s.repro("exp", "show", "again").stdout.contains("restored from the cache: 3"))

        // gc keeps what an experiment uses: apply below restores, runs nothing.
        XCTAssertEqual(try s.repro("gc").status, 0)

        // The hand edit plus `repro all`, in a copy.
        let hand = try makeProject()
        try setScale(hand, "3")
        XCTAssertEqual(try hand.repro("all").status, 0)

        let apply = try s.repro("exp", "apply", "big")
        XCTAssertEqual(apply.status, 0, apply.all)
        XCTAssertTrue(apply.stdout.contains("3 restored from cache"), apply.all)
        XCTAssertEqual(s.read("pipeline.yaml"), hand.read("pipeline.yaml"), "a minimal edit: the comment and layout kept")
        XCTAssertEqual(s.read("repro.lock"), hand.read("repro.lock"))
        XCTAssertEqual(s.read("artifacts/claims.json"), hand.read("artifacts/claims.json"))
        XCTAssertEqual(try s.repro("verify").status, 0)

        XCTAssertEqual(try s.repro("exp", "remove", "again").status, 0)
        XCTAssertFalse(s.exists(".repro/exp/again"))
    }

    func testBadInputIsNamedWithItsExitCodeAndWritesNothing() throws {
        let s = try Scratch(["README": "x\n", ".gitignore": ".repro/\nout/\n"])
        try git(s, "init", "-q", ".")
        try git(s, "add", "-A")
        try git(s, "commit", "-qm", "before repro")
        for (p, c) in ["pipeline.yaml": Self.pipeline, "scripts/claims.sh": Self.claimsScript, "scripts/fig.sh": Self.figScript] { try s.write(p, c) }
        XCTAssertEqual(try s.repro("all").status, 0)
        try git(s, "add", "-A")
        try git(s, "commit", "-qm", "base")

        func refused(_ args: [String], _ code: Int32, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let r = try CLI.run(args, in: s.root)
            XCTAssertEqual(r.status, code, r.all, file: file, line: line)
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)", file: file, line: line)
        }
        try refused(["diff", "nosuch", "--html", "page"], 64, "unknown revision 'nosuch'")
        try refused(["diff", "HEAD~1"], 65, "has no repro.lock")
        try refused(["diff", "exp:nosuch"], 64, "no experiment named 'nosuch'")
        try refused(["exp", "diff", "nosuch"], 64, "no experiment named 'nosuch'")
        try refused(["exp", "run", "--set", "gne.env.SCALE=3"], 64, "no stage named 'gne' in pipeline.yaml (did you mean 'gen'?)")
        try refused(["exp", "run", "--set", "gen.env.SCALE=3"], 64, "parameter 'env.SCALE' must be a string, got integer 3")
        try refused(["exp", "run", "--set", #"gen.evn.SCALE="3""#], 64, "('evn': did you mean 'env'?)")
        try refused(["exp", "run", "--set", "gen.env.SCALE"], 64, "expected STAGE.PARAM=VALUE")
        try refused(["exp", "run", "--set", "gen.env.SCALE=[1,"], 64, "is not YAML")
        try refused(["exp", "run", "-n", "../x", "--set", #"gen.env.SCALE="3""#], 64, "an experiment name is made of")
        try refused(["exp", "run"], 64, "needs at least one override")
        XCTAssertFalse(s.exists("page"))
        XCTAssertFalse(s.exists(".repro/exp"))
        XCTAssertEqual(try git(s, "status", "--porcelain"), "")

        // A shallow clone: the older commit is not there, and it says how to get it.
        let shallow = try Scratch([:])
        try git(shallow, "clone", "-q", "--depth", "1", "file://" + s.root.path, "clone")
        let r = try CLI.run(["diff", "HEAD~1", "HEAD"], in: shallow.root.appendingPathComponent("clone"))
        XCTAssertEqual(r.status, 64, r.all)
        XCTAssertTrue(r.stderr.contains("unknown revision 'HEAD~1'") && r.stderr.contains("git fetch --unshallow"), r.stderr)
    }

    func testVerifyNumericPassesACopyWithinToleranceAndFailsOneBeyond() throws {
        let s = try makeProject()
        XCTAssertEqual(try s.repro("verify", "--numeric").status, 0)
        let data = s.read("out/data.csv")!
        try s.write("out/data.csv", data.replacingOccurrences(of: "2,4\n", with: "2,4.000000000001\n"))
        try s.write("artifacts/fig1/metrics.json", s.read("artifacts/fig1/metrics.json")!.replacingOccurrences(of: #""sum":12"#, with: #""sum":12.0000000000001"#))
        XCTAssertEqual(try s.repro("verify").status, 3)
        let within = try s.repro("verify", "--numeric")
        XCTAssertEqual(within.status, 0, within.all)
        XCTAssertTrue(within.stdout.contains("2 outputs differ in bytes; every number within rtol 1e-09, atol 0; all 2 claims hold"), within.stdout)

        try s.write("out/data.csv", data.replacingOccurrences(of: "2,4\n", with: "2,4.001\n"))
        let beyond = try s.repro("verify", "--numeric", "--rtol", "1e-6")
        XCTAssertEqual(beyond.status, 3, beyond.all)
        XCTAssertTrue(beyond.stdout.contains("BEYOND    out/data.csv: y: 1 cells beyond tolerance"), beyond.stdout)
        let loose = try s.repro("verify", "--numeric", "--rtol", "1e-3")
        XCTAssertEqual(loose.status, 0, loose.all)

        try s.write("out/data.csv", data + "4,8\n")
        let rows = try s.repro("verify", "--numeric", "--rtol", "1")
        XCTAssertEqual(rows.status, 3, rows.all)
        XCTAssertTrue(rows.stdout.contains("rows differ (1 added, 0 removed): not numeric"), rows.stdout)
    }

    func testCheckRebuildNumericAcceptsNoiseWithinTolerance() throws {
        // The last digits of a number differ on every run (as another platform's rounding would).
        let s = try Scratch(["pipeline.yaml": """
            sandbox: none
            stages:
              noisy:
                kind: shell
                params: {argv: [sh, -c, "echo x > n.csv; echo 1.000000000000$(od -An -N2 -tu2 /dev/urandom | tr -d ' ') >> n.csv"]}
                outs: [n.csv]
              text:
                kind: shell
                params: {argv: [sh, -c, "od -An -N8 -tx8 /dev/urandom > t.txt"]}
                outs: [t.txt]
            """])
        XCTAssertEqual(try s.repro("all").status, 0)
        XCTAssertEqual(try s.repro("check", "--rebuild", "noisy").status, 4)
        let numeric = try s.repro("check", "--rebuild", "--numeric", "noisy")
        XCTAssertEqual(numeric.status, 0, numeric.all)
        XCTAssertTrue(numeric.stdout.contains("1 output(s) differ in bytes with every number within rtol 1e-09, atol 0.0: n.csv"), numeric.stdout)
        let strict = try s.repro("check", "--rebuild", "--numeric", "--rtol", "1e-16", "noisy")
        XCTAssertEqual(strict.status, 4, strict.all)
        let text = try s.repro("check", "--rebuild", "--numeric", "text")
        XCTAssertEqual(text.status, 4, "a text output is not numeric: " + text.all)
        XCTAssertEqual(try s.repro("verify").status, 0, "check changes nothing")
    }

    func testAMatrixAxisOverrideAddsInstancesAndABadOneIsSaidOnce() throws {
        let s = try Scratch(["pipeline.yaml": """
            sandbox: none
            stages:
              cell:
                kind: shell
                matrix:
                  n: [1, 2]     # the cells
                params:
                  argv: [sh, -c, "echo n,sq > out/c-${n}.csv; echo ${n},$((${n} * ${n})) >> out/c-${n}.csv"]
                outs: ["out/c-${n}.csv"]
              all:
                kind: concat
                deps: [cell@*]
                outs: [out/all.csv]

            """, ".gitignore": ".repro/\n"])
        try git(s, "init", "-q", ".")
        XCTAssertEqual(try s.repro("all").status, 0)
        try git(s, "add", "-A")
        try git(s, "commit", "-qm", "base")
        let run = try s.repro("exp", "run", "-n", "three", "--set", "cell.matrix.n=[1, 2, 3]")
        XCTAssertEqual(run.status, 0, run.all)
        XCTAssertTrue(s.read(".repro/exp/three/pipeline.yaml")!.contains("      n: [1, 2, 3]     # the cells\n"))
        let diff = try s.repro("exp", "diff", "three")
        XCTAssertEqual(diff.status, 6, diff.all)
        XCTAssertTrue(diff.stdout.contains("  added    cell@n=3\n"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("out/all.csv: 1 rows added, 0 removed; 2 matched by n"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("out/c-3.csv: new table, 1 rows × 2 columns"), diff.stdout)
        XCTAssertEqual(try git(s, "status", "--porcelain"), "")

        let bad = try s.repro("exp", "run", "--set", "cell.argv=[true]")
        XCTAssertEqual(bad.status, 64, bad.all)
        XCTAssertTrue(bad.stderr.contains("stage 'cell' (all 2 instances)"), bad.stderr)
        XCTAssertEqual(bad.stderr.components(separatedBy: "error:").count - 1, 1, bad.stderr)
    }
}
