import EngineCore
import StageAPI
import Foundation
import XCTest
import SlurmExecutor

/// Issue 26, part 2: a cluster task carries the key the coordinator computed,
/// and `repro exec-stage` (the real binary, as a Slurm node runs it) refuses
/// to run when the key of what it loads differs: exit 5, naming what changed.
final class TaskKeyCLITests: XCTestCase {
    func pipeline(_ word: String) -> String {
        """
        stages:
          s:
            kind: shell
            params:
              argv: [sh, -c, "cat data/in.txt > out/a.txt; echo \(word) >> out/a.txt"]
            deps: [data/in.txt]
            outs: [out/a.txt]

        """
    }

    /// A project run once locally, and the task the coordinator would submit for its stage now.
    func setUpProject() throws -> (Scratch, SlurmTask) {
        let s = try Scratch(["pipeline.yaml": pipeline("one"), "data/in.txt": "hello\n"])
        XCTAssertEqual(try s.repro("all").status, 0)
        let entry = try XCTUnwrap(LockFile.load(from: s.root.appendingPathComponent("repro.lock")).stages["s"])
        let dir = s.root.appendingPathComponent(".repro/tmp/slurm/job-1").path
        let task = SlurmTask(stage: "s", staging: dir + "/task-0", usage: dir + "/usage-0.json", threads: 1, noSandbox: false,
                             upstream: [], key: TaskKey(key: entry.key, fields: entry.fields))
        return (s, task)
    }

    func execStage(_ s: Scratch, _ task: SlurmTask) throws -> CLI.Result {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let line = String(decoding: try encoder.encode(task), as: UTF8.self)
        try s.write(".repro/tmp/slurm/job-1/index.json", "{\"version\": 1, \"tasks\": [\n\(line)\n]}\n")
        return try s.repro("exec-stage", "--index", s.root.appendingPathComponent(".repro/tmp/slurm/job-1/index.json").path, "--task", "0")
    }

    func testTheRightKeyRunsAndAWrongOneIsRefused() throws {
        let (s, task) = try setUpProject()
        let ok = try execStage(s, task)
        XCTAssertEqual(ok.status, 0, ok.all)
        XCTAssertEqual(s.read(".repro/tmp/slurm/job-1/task-0/out/a.txt"), "hello\none\n")

        var zeros = task
        zeros.key.key = String(repeating: "0", count: 64)
        try? FileManager.default.removeItem(at: s.root.appendingPathComponent(".repro/tmp/slurm/job-1/task-0"))
        let r = try execStage(s, zeros)
        XCTAssertEqual(r.status, 5, r.all)
        XCTAssertTrue(r.stderr.contains("key mismatch") && r.stderr.contains("do not make its key 000000000000"), r.stderr)
        XCTAssertFalse(s.exists(".repro/tmp/slurm/job-1/task-0/out/a.txt"), "a refused task runs nothing")
    }

    /// The params change while the job waits: refused, naming the param, old → new.
    func testAParamChangedWhileTheJobWaitedIsNamed() throws {
        let (s, task) = try setUpProject()
        try s.write("pipeline.yaml", pipeline("two"))
        let r = try execStage(s, task)
        XCTAssertEqual(r.status, 5, r.all)
        XCTAssertTrue(r.stderr.contains("params changed: argv[2]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("echo one") && r.stderr.contains("echo two"), r.stderr)
        XCTAssertTrue(r.stderr.contains("nothing was run or stored"), r.stderr)
        XCTAssertFalse(s.exists(".repro/tmp/slurm/job-1/task-0/out/a.txt"))
    }

    /// A dep's content changes while the job waits: refused, naming the dep.
    func testADepChangedWhileTheJobWaitedIsNamed() throws {
        let (s, task) = try setUpProject()
        try s.write("data/in.txt", "changed\n")
        let r = try execStage(s, task)
        XCTAssertEqual(r.status, 5, r.all)
        XCTAssertTrue(r.stderr.contains("input changed: data/in.txt"), r.stderr)
        XCTAssertFalse(s.exists(".repro/tmp/slurm/job-1/task-0/out/a.txt"))
    }

    /// Another platform's facts (here: a fingerprint the coordinator saw differently) are named.
    func testAnotherPlatformIsNamed() throws {
        let (s, task) = try setUpProject()
        var other = task
        var fields = try XCTUnwrap(LockFile.load(from: s.root.appendingPathComponent("repro.lock")).stages["s"]?.fields)
        fields.platform = [PlatformFact(name: "`python3 --version`", value: "Python 3.9.0")]
        other.key = TaskKey(key: fields.key, fields: fields)
        let r = try execStage(s, other)
        XCTAssertEqual(r.status, 5, r.all)
        XCTAssertTrue(r.stderr.contains("platform: `python3 --version` Python 3.9.0 no longer recorded"), r.stderr)
    }
}
