import XCTest
@testable import EngineCore
import StageAPI

final class RunnerTests: XCTestCase {
    let twoStage = """
        stages:
          first:
            kind: concat
            params: {suffix: "!"}
            deps: [in.txt]
            outs: [mid.txt]
          second:
            kind: concat
            deps: [mid.txt]
            outs: [out/final.txt]
        """

    func testRunsThenIsUpToDate() throws {
        let t = try TempProject(["pipeline.yaml": twoStage, "in.txt": "hi"])
        let s1 = try t.run()
        XCTAssertEqual(s1.outcomes, ["first": "ran", "second": "ran"])
        XCTAssertEqual(t.read("out/final.txt"), "hi!")
        let s2 = try t.run()
        XCTAssertEqual(s2.outcomes, ["first": "up to date", "second": "up to date"])
    }

    func testParamChangeRerunsAndRoundTripRestoresFromCache() throws {
        let t = try TempProject(["pipeline.yaml": twoStage, "in.txt": "hi"])
        _ = try t.run()
        try t.write("pipeline.yaml", twoStage.replacingOccurrences(of: "\"!\"", with: "\"?\""))
        XCTAssertEqual(try t.run().outcomes, ["first": "ran", "second": "ran"])
        XCTAssertEqual(t.read("out/final.txt"), "hi?")
        try t.write("pipeline.yaml", twoStage)
        XCTAssertEqual(try t.run().outcomes, ["first": "restored", "second": "restored"])
        XCTAssertEqual(t.read("out/final.txt"), "hi!")
    }

    func testInputContentChangeRerunsOnlyDownstream() throws {
        let t = try TempProject(["pipeline.yaml": twoStage + """

              other:
                kind: concat
                deps: [other.txt]
                outs: [other.out]
            """, "in.txt": "hi", "other.txt": "o"])
        _ = try t.run()
        try t.write("in.txt", "ho")
        XCTAssertEqual(try t.run().outcomes, ["first": "ran", "second": "ran", "other": "up to date"])
    }

    func testSameContentUpstreamDoesNotRerunDownstream() throws {
        // Early cutoff: an upstream rerun that produces identical bytes leaves dependents alone.
        let t = try TempProject(["pipeline.yaml": twoStage, "in.txt": "hi"])
        _ = try t.run()
        let s = try t.run(force: false, code: fakeCode(["Sources/TestConcat/Concat.swift": String(repeating: "9", count: 64)]))
        XCTAssertEqual(s.outcomes, ["first": "ran", "second": "ran"])  // both are concat: both code keys changed
        let t2 = try TempProject(["pipeline.yaml": """
            stages:
              a:
                kind: count
                params: {value: 1, counter: "\(FileManager.default.temporaryDirectory.path)/cnt-\(UUID().uuidString)"}
                outs: [a.txt]
              b:
                kind: concat
                deps: [a.txt]
                outs: [b.txt]
            """])
        _ = try t2.run()
        let s2 = try t2.run(code: fakeCode(["Sources/TestCount/Count.swift": String(repeating: "8", count: 64)]))
        XCTAssertEqual(s2.outcomes, ["a": "ran", "b": "up to date"])
    }

    func testCodeDigestChangeRerunsThatKindAndItsDependentsOnly() throws {
        let counter = FileManager.default.temporaryDirectory.appendingPathComponent("cnt-\(UUID().uuidString)").path
        let t = try TempProject(["pipeline.yaml": """
            stages:
              c:
                kind: concat
                deps: [in.txt]
                outs: [c.txt]
              d:
                kind: concat
                deps: [c.txt]
                outs: [d.txt]
              n:
                kind: count
                params: {value: 2, counter: "\(counter)"}
                outs: [n.txt]
            """, "in.txt": "x"])
        _ = try t.run()
        let changed = fakeCode(["Sources/TestConcat/Concat.swift": String(repeating: "7", count: 64)])
        XCTAssertEqual(try t.run(code: changed).outcomes, ["c": "ran", "d": "ran", "n": "up to date"])
    }

    func testOutputPathChangeIsAKeyChange() throws {
        let t = try TempProject(["pipeline.yaml": twoStage, "in.txt": "hi"])
        _ = try t.run()
        try t.write("pipeline.yaml", twoStage.replacingOccurrences(of: "out/final.txt", with: "out/renamed.txt"))
        XCTAssertEqual(try t.run().outcomes, ["first": "up to date", "second": "ran"])
    }

    func testCorruptedCacheObjectIsDetectedAndRebuilt() throws {
        let t = try TempProject(["pipeline.yaml": twoStage, "in.txt": "hi"])
        _ = try t.run()
        let store = try t.project().store
        let sha = try LockFile.load(from: t.root.appendingPathComponent("repro.lock")).stages["second"]!.outs[0].output.sha256
        try Data("garbage".utf8).write(to: store.objectURL(sha))
        try FileManager.default.removeItem(at: t.root.appendingPathComponent("out/final.txt"))
        let s = try t.run()
        XCTAssertEqual(s.outcome("second"), .ran)
        XCTAssertTrue(s.results.first { $0.name == "second" }!.reasons.contains { $0.contains("corrupted") })
        XCTAssertEqual(t.read("out/final.txt"), "hi!")
        XCTAssertEqual(try FileHasher.hash(url: store.objectURL(sha)).sha256, sha, "the object was stored again")
    }

    func testModifiedOutputIsRestored() throws {
        let t = try TempProject(["pipeline.yaml": twoStage, "in.txt": "hi"])
        _ = try t.run()
        try t.write("out/final.txt", "tampered")
        XCTAssertEqual(try t.run().outcomes, ["first": "up to date", "second": "restored"])
        XCTAssertEqual(t.read("out/final.txt"), "hi!")
    }

    func testJobsDoNotChangeLockOrOutputs() throws {
        var yaml = "stages:\n"
        for i in 0..<12 {
            yaml += "  s\(i):\n    kind: concat\n    params: {suffix: \"\(i)\"}\n    deps: [\(i == 0 ? "in.txt" : "o\((i + 1) / 2).txt")]\n    outs: [o\(i + 1).txt]\n"
        }
        let a = try TempProject(["pipeline.yaml": yaml, "in.txt": "seed"])
        let b = try TempProject(["pipeline.yaml": yaml, "in.txt": "seed"])
        _ = try a.run(jobs: 1)
        _ = try b.run(jobs: 4)
        XCTAssertEqual(a.read("repro.lock"), b.read("repro.lock"))
        for i in 1...12 { XCTAssertEqual(a.read("o\(i).txt"), b.read("o\(i).txt")) }
    }

    func testFailureSkipsDependentsAndKeepGoingRunsTheRest() throws {
        let yaml = """
            stages:
              bad:
                kind: fail
                outs: [bad.txt]
              after:
                kind: concat
                deps: [bad.txt]
                outs: [after.txt]
              independent:
                kind: concat
                deps: [in.txt]
                outs: [ind.txt]
            """
        let t = try TempProject(["pipeline.yaml": yaml, "in.txt": "x"])
        let s = try t.run(keepGoing: true)
        XCTAssertEqual(s.outcome("bad"), .failed("failing on purpose"))
        XCTAssertEqual(s.outcome("after"), .skipped("upstream stage 'bad' failed"))
        XCTAssertEqual(s.outcome("independent"), .ran)
        XCTAssertTrue(s.failed)
        let lock = try LockFile.load(from: t.root.appendingPathComponent("repro.lock"))
        XCTAssertEqual(lock.stages.keys.sorted(), ["independent"])
        XCTAssertNil(t.read("bad.txt"))

        let t2 = try TempProject(["pipeline.yaml": yaml, "in.txt": "x"])
        let s2 = try t2.run(keepGoing: false)
        XCTAssertEqual(s2.outcome("bad"), .failed("failing on purpose"))
        if case .skipped = s2.outcome("independent")! {} else { XCTFail("without --keep-going nothing new starts after a failure") }
    }

    func testForceRerunsEvenWithCache() throws {
        let t = try TempProject(["pipeline.yaml": twoStage, "in.txt": "hi"])
        _ = try t.run()
        XCTAssertEqual(try t.run(force: true).outcomes, ["first": "ran", "second": "ran"])
    }

    func testStageThatForgetsAnOutputFailsAndWritesNothing() throws {
        let t = try TempProject(["pipeline.yaml": """
            stages:
              s:
                kind: shell
                params: {argv: [sh, -c, "echo a > one.txt"]}
                outs: [one.txt, two.txt]
            """])
        let s = try t.run()
        guard case .failed(let m) = s.outcome("s")! else { return XCTFail() }
        XCTAssertTrue(m.contains("did not write its declared output 'two.txt'"), m)
        XCTAssertNil(t.read("one.txt"))
    }

    func testShellStageSeesOnlyItsDeclaredDeps() throws {
        let t = try TempProject(["pipeline.yaml": """
            stages:
              s:
                kind: shell
                params: {argv: [sh, -c, "cat declared.txt > out.txt; cat undeclared.txt >> out.txt"]}
                deps: [declared.txt]
                outs: [out.txt]
            """, "declared.txt": "d", "undeclared.txt": "u"])
        let s = try t.run()
        guard case .failed(let m) = s.outcome("s")! else { return XCTFail("reading an undeclared file must fail") }
        XCTAssertTrue(m.contains("undeclared.txt"), m)
    }

    func testCancellationStopsCleanlyAndKeepsFinishedWork() throws {
        let t = try TempProject(["pipeline.yaml": """
            stages:
              quick:
                kind: concat
                deps: [in.txt]
                outs: [q.txt]
              slow:
                kind: sleep
                params: {seconds: 30}
                deps: [q.txt]
                outs: [s.txt]
            """, "in.txt": "x"])
        let p = try t.project()
        let runner = Runner(project: p, options: RunOptions(jobs: 2), reporter: SilentReporter())
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { runner.control.cancel() }
        let start = Date()
        let s = try runner.run(Array(p.pipeline.stages.indices))
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        XCTAssertTrue(s.interrupted)
        XCTAssertEqual(s.outcome("quick"), .ran)
        XCTAssertEqual(s.outcome("slow"), .cancelled)
        XCTAssertNil(t.read("s.txt"))
        let lock = try LockFile.load(from: t.root.appendingPathComponent("repro.lock"))
        XCTAssertEqual(lock.stages.keys.sorted(), ["quick"])
    }

    func testRemovedStagesLeaveTheLockOnAFullRun() throws {
        let t = try TempProject(["pipeline.yaml": twoStage, "in.txt": "hi"])
        _ = try t.run()
        try t.write("pipeline.yaml", "stages:\n  first:\n    kind: concat\n    params: {suffix: \"!\"}\n    deps: [in.txt]\n    outs: [mid.txt]\n")
        _ = try t.run()
        XCTAssertEqual(try LockFile.load(from: t.root.appendingPathComponent("repro.lock")).stages.keys.sorted(), ["first"])
    }

    func testStaleSourcesAreDetected() throws {
        let t = try TempProject(["pipeline.yaml": "stages:\n  s:\n    kind: concat\n    outs: [o]\n",
                                 "Sources/TestConcat/Concat.swift": "// edited after the build\n"])
        let p = try t.project()
        XCTAssertEqual(p.staleSources(for: [0]), ["Sources/TestConcat/Concat.swift"])
        XCTAssertThrowsError(try t.run()) { XCTAssertTrue("\($0)".contains("built from other sources")) }
        // Matching content: not stale.
        let sha = FileHasher.hash(data: Array("// edited after the build\n".utf8))
        XCTAssertEqual(try t.project(code: fakeCode(["Sources/TestConcat/Concat.swift": sha])).staleSources(for: [0]), [])
    }
}
