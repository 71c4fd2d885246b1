import Foundation
import XCTest
import ShellStages

final class CLIRunTests: XCTestCase {
    static let pipeline = """
        stages:
          concat:
            kind: shell
            params:
              argv: [sh, -c, "cat a.txt b.txt > out/ab.txt"]
            deps: [a.txt, b.txt]
            outs: [out/ab.txt]
          upper:
            kind: shell
            params:
              argv: [sh, -c, "tr a-z A-Z < out/ab.txt > out/up-${n}.txt"]
            matrix:
              n: [1, 2, 3]
            deps: [out/ab.txt]
            outs: ["out/up-${n}.txt"]
        """

    func project() throws -> Scratch {
        try Scratch(["pipeline.yaml": Self.pipeline, "a.txt": "hello\n", "b.txt": "world\n"])
    }

    func testRunStatusVerifyWhy() throws {
        let s = try project()
        XCTAssertEqual(try s.repro("status").status, 2)
        let r = try s.repro("all", "-j", "2")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("4 ran"), r.stdout)
        XCTAssertEqual(s.read("out/up-2.txt"), "HELLO\nWORLD\n")
        XCTAssertEqual(try s.repro("status").status, 0)
        let again = try s.repro("all")
        XCTAssertTrue(again.stdout.contains("4 up to date"), again.stdout)

        // verify catches a one-byte change and names the file.
        XCTAssertEqual(try s.repro("verify").status, 0)
        try s.write("out/up-3.txt", "HELLO\nWORLD!")
        let v = try s.repro("verify")
        XCTAssertEqual(v.status, 3)
        XCTAssertTrue(v.stdout.contains("out/up-3.txt (upper@n=3)"), v.stdout)
        XCTAssertFalse(v.stdout.contains("out/up-2.txt"), v.stdout)

        // why names the changed field, old and new values.
        try s.write("pipeline.yaml", Self.pipeline.replacingOccurrences(of: "tr a-z A-Z", with: "tr a-y A-Y"))
        let w = try s.repro("why", "upper@n=1")
        XCTAssertTrue(w.stdout.contains("params changed: argv[2]") || w.stdout.contains("params changed: argv"), w.stdout)
        XCTAssertTrue(w.stdout.contains("tr a-z A-Z") && w.stdout.contains("tr a-y A-Y"), w.stdout)
        try s.write("a.txt", "hallo\n")
        let w2 = try s.repro("why", "concat")
        XCTAssertTrue(w2.stdout.contains("input changed: a.txt"), w2.stdout)

        let j = try s.repro("status", "--json")
        XCTAssertEqual(j.status, 2)
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any]
        let stages = obj?["stages"] as? [[String: Any]]
        XCTAssertEqual(stages?.count, 4)
        XCTAssertEqual(stages?.first?["state"] as? String, "out-of-date")
    }

    /// The output grows with the work done, not with the pipeline: an
    /// up-to-date run prints its summary only; restored stages are counted;
    /// -v gives every stage its line; what runs is always printed, with why.
    func testOutputScalesWithTheWorkNotThePipeline() throws {
        let s = try project()
        XCTAssertEqual(try s.repro("all").status, 0)
        let again = try s.repro("all")
        XCTAssertEqual(again.stdout.split(separator: "\n").count, 1, again.stdout)
        XCTAssertTrue(again.stdout.hasPrefix("4 up to date in "), again.stdout)
        let verbose = try s.repro("all", "-v")
        XCTAssertEqual(verbose.stdout.components(separatedBy: "up to date  ").count - 1, 4, verbose.stdout)
        // An input changes: what runs is printed, each with why.
        try s.write("a.txt", "hallo\n")
        let ran = try s.repro("all")
        XCTAssertTrue(ran.stdout.contains("run      concat  (input changed: a.txt"), ran.stdout)
        XCTAssertTrue(ran.stdout.contains("4 ran"), ran.stdout)
        // Changed back: every stage comes back from the cache, counted, not listed.
        try s.write("a.txt", "hello\n")
        let restored = try s.repro("all")
        XCTAssertTrue(restored.stdout.contains("4 restored from cache"), restored.stdout)
        XCTAssertFalse(restored.stdout.contains("restored    "), "restored stages are counted, not listed: \(restored.stdout)")
        XCTAssertTrue(try s.repro("all", "-v", "--force").stdout.contains("4 ran"))
    }

    func testJobsGiveIdenticalLockAndOutputs() throws {
        let a = try project(), b = try project()
        XCTAssertEqual(try a.repro("all", "-j", "1").status, 0)
        XCTAssertEqual(try b.repro("all", "-j", "4").status, 0)
        XCTAssertEqual(a.read("repro.lock"), b.read("repro.lock"))
        for p in ["out/ab.txt", "out/up-1.txt", "out/up-2.txt", "out/up-3.txt"] { XCTAssertEqual(a.read(p), b.read(p)) }
    }

    func testRestoreFromCacheAfterParamRoundTrip() throws {
        let s = try project()
        try s.repro("all")
        let changed = Self.pipeline.replacingOccurrences(of: "n: [1, 2, 3]", with: "n: [1, 2, 3]\n      # comment only")
            .replacingOccurrences(of: "cat a.txt b.txt", with: "cat b.txt a.txt")
        try s.write("pipeline.yaml", changed)
        XCTAssertTrue(try s.repro("all").stdout.contains("4 ran"))
        try s.write("pipeline.yaml", Self.pipeline)
        let r = try s.repro("all")
        XCTAssertTrue(r.stdout.contains("4 restored from cache"), r.stdout)
        XCTAssertEqual(try s.repro("verify").status, 0)
    }

    func testSigkillMidWriteLeavesOutputsAndLockIntact() throws {
        let s = try Scratch(["pipeline.yaml": """
            stages:
              slow:
                kind: shell
                params: {argv: [sh, -c, "printf v1 > out.txt"]}
                outs: [out.txt]
            """])
        XCTAssertEqual(try s.repro("all").status, 0)
        let lockBefore = s.read("repro.lock")
        try s.write("pipeline.yaml", """
            stages:
              slow:
                kind: shell
                params: {argv: [sh, -c, "printf partial > out.txt; sleep 3; printf %s -done >> out.txt"]}
                outs: [out.txt]
            """)
        let (p, o, e) = try CLI.start(["all"], in: s.root)
        let staged = { () -> Bool in
            let tmp = s.root.appendingPathComponent(".repro/tmp")
            let dirs = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
            return dirs.contains { (try? String(contentsOf: tmp.appendingPathComponent("\($0)/out.txt"), encoding: .utf8)) == "partial" }
        }
        XCTAssertTrue(s.wait(staged), "the stage started writing")
        kill(p.processIdentifier, SIGKILL)
        let r = CLI.finish(p, o, e)
        XCTAssertEqual(r.status, 9)
        XCTAssertEqual(s.read("out.txt"), "v1", "the previous output is intact")
        XCTAssertEqual(s.read("repro.lock"), lockBefore, "the lock is intact")
        XCTAssertEqual(try s.repro("verify").status, 0)
        // The next run cleans up and completes.
        usleep(3_200_000)
        let next = try s.repro("all")
        XCTAssertEqual(next.status, 0, next.all)
        XCTAssertEqual(s.read("out.txt"), "partial-done")
    }

    func testInterruptStopsCleanlyWithExit130() throws {
        let s = try Scratch(["pipeline.yaml": """
            stages:
              fast:
                kind: shell
                params: {argv: [sh, -c, "echo f > f.txt"]}
                outs: [f.txt]
              slow:
                kind: shell
                params: {argv: [sh, -c, "echo start > s.txt; sleep 20; echo end >> s.txt"]}
                deps: [f.txt]
                outs: [s.txt]
            """])
        let (p, o, e) = try CLI.start(["all"], in: s.root)
        XCTAssertTrue(s.wait { (try? FileManager.default.contentsOfDirectory(atPath: s.root.appendingPathComponent(".repro/tmp").path))?.contains { $0.hasSuffix("slow") } ?? false })
        usleep(200_000)
        let start = Date()
        kill(p.processIdentifier, SIGINT)
        let r = CLI.finish(p, o, e)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "the sleeping child was stopped")
        XCTAssertEqual(r.status, 130, r.all)
        XCTAssertTrue(r.stdout.contains("interrupted"), r.stdout)
        XCTAssertEqual(s.read("f.txt"), "f\n", "finished work is kept")
        XCTAssertFalse(s.exists("s.txt"), "no half-written output")
        let lock = s.read("repro.lock") ?? ""
        XCTAssertTrue(lock.contains("\"fast\"") && !lock.contains("\"slow\""), lock)
    }

    func testConcurrentRunsWaitAndLeaveAConsistentLock() throws {
        var yaml = "stages:\n"
        for i in 0..<4 { yaml += "  s\(i):\n    kind: shell\n    params: {argv: [sh, -c, \"sleep 0.3; echo \(i) > o\(i).txt\"]}\n    outs: [o\(i).txt]\n" }
        let s = try Scratch(["pipeline.yaml": yaml])
        let a = try CLI.start(["all", "-j", "1"], in: s.root)
        let b = try CLI.start(["all", "-j", "1"], in: s.root)
        let ra = CLI.finish(a.0, a.1, a.2), rb = CLI.finish(b.0, b.1, b.2)
        XCTAssertEqual(ra.status, 0, ra.all)
        XCTAssertEqual(rb.status, 0, rb.all)
        XCTAssertTrue((ra.stdout + rb.stdout).contains("waiting for it to finish"), ra.stdout + rb.stdout)
        XCTAssertTrue(ra.stdout.contains("4 up to date") || rb.stdout.contains("4 up to date"), "the second run found the first's work")
        XCTAssertEqual(try s.repro("verify").status, 0)
        XCTAssertEqual(try s.repro("status").status, 0)
    }

    func testCheckRebuildDetectsNondeterminism() throws {
        let s = try Scratch(["pipeline.yaml": """
            stages:
              stable:
                kind: shell
                params: {argv: [sh, -c, "echo same > s.txt"]}
                outs: [s.txt]
              noisy:
                kind: shell
                params: {argv: [sh, -c, "od -An -N8 -tx8 /dev/urandom > n.txt"]}
                outs: [n.txt]
            """])
        try s.repro("all")
        let ok = try s.repro("check", "--rebuild", "stable")
        XCTAssertEqual(ok.status, 0, ok.all)
        let bad = try s.repro("check", "--rebuild")
        XCTAssertEqual(bad.status, 4, bad.all)
        XCTAssertTrue(bad.stdout.contains("NONDETERMINISTIC: n.txt"), bad.stdout)
        XCTAssertEqual(try s.repro("verify").status, 0, "check changes nothing")
    }

    func testFailingStageReportsItsOutputAndExits1() throws {
        let s = try Scratch(["pipeline.yaml": """
            stages:
              bad:
                kind: shell
                params: {argv: [sh, -c, "echo something went wrong >&2; exit 3"]}
                outs: [x.txt]
            """])
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("exited with status 3") && r.stdout.contains("something went wrong"), r.stdout)
    }

    func testGCDropsUnusedCacheEntries() throws {
        let s = try project()
        try s.repro("all")
        try s.write("a.txt", "other\n")
        try s.repro("all")
        let g = try s.repro("gc")
        XCTAssertEqual(g.status, 0)
        XCTAssertTrue(g.stdout.contains("removed 4 run records"), g.stdout)
        try s.write("a.txt", "hello\n")
        XCTAssertTrue(try s.repro("all").stdout.contains("4 ran"), "collected entries are really gone")
    }

    func testStaleBinaryIsDetected() throws {
        let s = try Scratch(["pipeline.yaml": "stages:\n  a:\n    kind: shell\n    params: {argv: [sh, -c, \"echo > x\"]}\n    outs: [x]\n",
                             "Sources/ShellStages/ShellKind.swift": "// not the source this binary was built from\n"])
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 64, r.all)
        XCTAssertTrue(r.stderr.contains("built from other sources") && r.stderr.contains("Sources/ShellStages/ShellKind.swift"), r.stderr)
        XCTAssertTrue(try s.repro("status").stdout.contains("warning: this repro binary was built from other sources"))
        XCTAssertEqual(try s.repro("all", "--allow-stale").status, 0)
    }

    func testDagFormats() throws {
        let s = try project()
        XCTAssertTrue(try s.repro("dag").stdout.contains("upper@n=1 [shell] <- concat"))
        XCTAssertTrue(try s.repro("dag", "--dot").stdout.contains("\"concat\" -> \"upper@n=1\";"))
        XCTAssertTrue(try s.repro("dag", "--mermaid").stdout.contains("s0 --> s1"))
    }
}
