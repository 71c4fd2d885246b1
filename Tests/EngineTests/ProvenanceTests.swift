import XCTest
@testable import EngineCore
import StageAPI

final class ProvenanceTests: XCTestCase {
    let yaml = """
        stages:
          a:
            kind: count
            params: {value: 1, counter: "/tmp/repro-prov-counter"}
            outs: [a.txt]
          gallery:
            kind: provenance
            deps: [a.txt]
            outs: [g.txt]
        """

    func testUpstreamKeysAreShownAndPartOfTheKey() throws {
        let t = try TempProject(["pipeline.yaml": yaml])
        _ = try t.run()
        let lock = try LockFile.load(from: t.root.appendingPathComponent("repro.lock"))
        let aKey = lock.stages["a"]!.key
        XCTAssertEqual(t.read("g.txt"), "a \(aKey) {\"counter\":\"/tmp/repro-prov-counter\",\"value\":1}\nok\n")
        XCTAssertEqual(lock.stages["gallery"]!.fields.upstream, [.init(path: "a", sha256: aKey)])
        XCTAssertTrue(t.read("repro.lock")!.contains("\"upstream\": [[\"a\", \"\(aKey)\"]]"))
        // a's code changes but its output bytes do not: a plain dependent would be
        // up to date (early cutoff); a provenance stage reruns, since a's key changed.
        let s = try t.run(code: fakeCode(["Sources/TestCount/Count.swift": String(repeating: "3", count: 64)]))
        XCTAssertEqual(s.outcomes, ["a": "ran", "gallery": "ran"])
        XCTAssertNotEqual(t.read("g.txt"), "a \(aKey) {\"counter\":\"/tmp/repro-prov-counter\",\"value\":1}\nok\n")
    }

    func testVerifyRunsKindChecks() throws {
        let t = try TempProject(["pipeline.yaml": yaml])
        _ = try t.run()
        XCTAssertTrue(try Inspector(project: t.project()).verify().mismatches.isEmpty)
    }

    func testExecutorBlockIsValidated() throws {
        let errs = try pipelineErrors("""
            executor:
              type: slurm
              partitoin: x
              cpus_per_task: 0
            stages:
              a:
                kind: concat
                outs: [x]
                resources: {memory: 1G}
            """)
        let msgs = errs.map(\.description)
        XCTAssertTrue(msgs.contains { $0.contains(":3:3: error: unknown key 'partitoin' in executor") }, "\(msgs)")
        XCTAssertTrue(msgs.contains { $0.contains(":4:") && $0.contains("cpus_per_task") && $0.contains("must be ≥ 1") }, "\(msgs)")
        XCTAssertTrue(msgs.contains { $0.contains("unknown key 'memory' in resources of stage 'a'") }, "\(msgs)")
    }
}
