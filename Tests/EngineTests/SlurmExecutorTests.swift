import Foundation
import XCTest
@testable import EngineCore
import StageAPI

/// The Slurm executor against fake sbatch/squeue/scontrol/scancel: arrays, per-task states, retries, Ctrl-C.
final class SlurmExecutorTests: XCTestCase {
    func testStagesReadyTogetherGoAsOneArrayEachWithItsOwnTask() throws {
        let t = try slurmProject(stages: 3)
        let fake = try FakeSlurm(plan: ["COMPLETED"])
        let runs = try executeConcurrently(try slurmExecutor(t, fake, throttle: 5), t, stages: ["s0", "s1", "s2"])
        XCTAssertEqual(fake.sbatchCalls.count, 1, "\(fake.sbatchCalls)")
        XCTAssertTrue(fake.sbatchCalls[0].contains("--array=0-2%5"), fake.sbatchCalls[0])
        XCTAssertTrue(fake.sbatchCalls[0].contains("--no-requeue"), fake.sbatchCalls[0])
        var jobIDs: Set<String> = []
        for name in ["s0", "s1", "s2"] {
            let run = try XCTUnwrap(runs[name])
            XCTAssertNil(run.error, "\(name): \(String(describing: run.error))")
            let a = try XCTUnwrap(run.attempts.first)
            XCTAssertEqual(run.attempts.count, 1)
            XCTAssertEqual(a.state, "COMPLETED")
            XCTAssertEqual(a.attempt, 1)
            XCTAssertEqual(a.cpuSeconds, 1.5)
            XCTAssertEqual(a.maxRSSKiB, 2048)
            XCTAssertTrue(a.jobID?.hasPrefix("101_") == true, "\(String(describing: a.jobID))")
            jobIDs.insert(a.jobID!)
            // The task's output is in the runner's staging directory, under the stage's own name.
            let project = try t.project()
            let i = project.pipeline.index(of: name)!
            let out = project.tmpDir.appendingPathComponent("\(i)-\(name)/out/\(name).txt")
            XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), "ran \(name)\n")
        }
        XCTAssertEqual(jobIDs, ["101_0", "101_1", "101_2"], "each stage has its own task")
        // Each task has its own staging directory and usage file, named in the index beside the script.
        let index = try String(contentsOf: try indexFile(t, job: 1), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(index.count, 5)
        XCTAssertEqual(Set(index[1...3].map { $0.contains("\"staging\":") ? String($0).components(separatedBy: "\"staging\":")[1] : "" }).count, 3)
    }

    /// A task the node refused for a key mismatch fails the stage with the
    /// node's message, and is not retried even with `retry_on: [failed]`.
    func testATaskRefusedForAKeyMismatchFailsWithTheNodesMessageAndIsNotRetried() throws {
        let t = try slurmProject(stages: 1, executor: "  retries: 2\n  retry_on: [failed]\n")
        let fake = try FakeSlurm(plan: ["REFUSED"])
        let run = try XCTUnwrap(try executeConcurrently(try slurmExecutor(t, fake), t, stages: ["s0"])["s0"])
        let message = "\(try XCTUnwrap(run.error))"
        XCTAssertTrue(message.contains("refused to run it: stage 's0' was submitted with key aaa, and here its key is bbb: input changed: data/x"), message)
        XCTAssertEqual(fake.sbatchCalls.count, 1, "a key mismatch is never retried: \(fake.sbatchCalls)")
        // The index the node read carries the key.
        let index = try String(contentsOf: try indexFile(t, job: 1), encoding: .utf8)
        XCTAssertTrue(index.contains("\"key\":{"), index)
    }

    func testDifferentResourcesGoAsDifferentJobs() throws {
        let t = try slurmProject(stages: 3, resources: [2: "{cpus_per_task: 2}"])
        let fake = try FakeSlurm(plan: ["COMPLETED"])
        let runs = try executeConcurrently(try slurmExecutor(t, fake), t, stages: ["s0", "s1", "s2"])
        XCTAssertTrue(runs.values.allSatisfy { $0.error == nil }, "\(runs.mapValues { String(describing: $0.error) })")
        let calls = fake.sbatchCalls.sorted()
        XCTAssertEqual(calls.count, 2, "\(calls)")
        XCTAssertEqual(calls.filter { $0.contains("--array=0-1%8") && !$0.contains("--cpus-per-task") }.count, 1, "\(calls)")
        XCTAssertEqual(calls.filter { !$0.contains("--array") && $0.contains("--cpus-per-task=2") && $0.contains("--job-name=repro:s2") }.count, 1,
                       "a stage alone goes as a plain job: \(calls)")
    }

    func testANodeFailureIsRetriedInAFreshStagingDirectoryThenSucceeds() throws {
        let t = try slurmProject(stages: 2, executor: "  retries: 2\n")
        let fake = try FakeSlurm(plan: ["COMPLETED NODE_FAIL", "COMPLETED"])
        let runs = try executeConcurrently(try slurmExecutor(t, fake), t, stages: ["s0", "s1"])
        XCTAssertNil(runs["s0"]?.error)
        XCTAssertNil(runs["s1"]?.error, "\(String(describing: runs["s1"]?.error))")
        XCTAssertEqual(fake.sbatchCalls.count, 2, "\(fake.sbatchCalls)")
        XCTAssertTrue(fake.sbatchCalls[1].contains("--job-name=repro:s1"), "only the lost task is resubmitted: \(fake.sbatchCalls[1])")
        let s1 = try XCTUnwrap(runs["s1"])
        XCTAssertEqual(s1.attempts.map(\.attempt), [1, 2])
        XCTAssertEqual(s1.attempts.map(\.state), ["NODE_FAIL", "COMPLETED"])
        XCTAssertEqual(s1.attempts.map(\.jobID), ["101_1", "102"])
        XCTAssertEqual(s1.attempts[0].host, "node1", "the lost attempt's host comes from scontrol (no usage file)")
        XCTAssertNil(s1.attempts[0].cpuSeconds)
        XCTAssertNotEqual(s1.attempts[0].exitStatus, 0)
        XCTAssertTrue(s1.logs.contains { $0.contains("ended NODE_FAIL on node1 (attempt 1 of 3): resubmitting") }, "\(s1.logs)")
        let first = try String(contentsOf: try indexFile(t, job: 1), encoding: .utf8)
        let second = try String(contentsOf: try indexFile(t, job: 2), encoding: .utf8)
        let staging = { (s: String) in s.components(separatedBy: "\"staging\":\"").dropFirst().map { $0.prefix { $0 != "\"" } } }
        XCTAssertTrue(Set(staging(first)).isDisjoint(with: staging(second)), "a retry never reuses a staging directory")
    }

    func testAFailedJobIsNotRetried() throws {
        let t = try slurmProject(stages: 1, executor: "  retries: 2\n")
        let fake = try FakeSlurm(plan: ["FAILED"])
        let run = try XCTUnwrap(try executeConcurrently(try slurmExecutor(t, fake), t, stages: ["s0"])["s0"])
        XCTAssertEqual(fake.sbatchCalls.count, 1)
        let message = "\(try XCTUnwrap(run.error))"
        XCTAssertTrue(message.contains("Slurm job 101 ended FAILED (exit 3:0)"), message)
        XCTAssertTrue(message.contains("retry_on"), "says how to ask for a retry: \(message)")
        XCTAssertTrue(message.contains("task 0 ran s0"), "shows the log's tail: \(message)")
        XCTAssertEqual(run.attempts.map(\.exitStatus), [3])
    }

    func testAFailedJobIsRetriedWhenAsked() throws {
        let t = try slurmProject(stages: 1, executor: "  retries: 1\n  retry_on: [failed]\n")
        let fake = try FakeSlurm(plan: ["FAILED", "COMPLETED"])
        let run = try XCTUnwrap(try executeConcurrently(try slurmExecutor(t, fake), t, stages: ["s0"])["s0"])
        XCTAssertNil(run.error)
        XCTAssertEqual(run.attempts.map(\.state), ["FAILED", "COMPLETED"])
    }

    func testPerStageRetriesOverrideTheExecutorBlock() throws {
        let t = try slurmProject(stages: 1, executor: "  retries: 0\n", resources: [0: "{retries: 1, retry_on: [timeout]}"])
        let fake = try FakeSlurm(plan: ["TIMEOUT", "COMPLETED"])
        let run = try XCTUnwrap(try executeConcurrently(try slurmExecutor(t, fake), t, stages: ["s0"])["s0"])
        XCTAssertNil(run.error)
        XCTAssertEqual(run.attempts.map(\.state), ["TIMEOUT", "COMPLETED"])
    }

    func testRetriesRunOut() throws {
        let t = try slurmProject(stages: 1, executor: "  retries: 2\n")
        let fake = try FakeSlurm(plan: ["NODE_FAIL"])
        let run = try XCTUnwrap(try executeConcurrently(try slurmExecutor(t, fake), t, stages: ["s0"])["s0"])
        XCTAssertEqual(fake.sbatchCalls.count, 3)
        XCTAssertEqual(run.attempts.map(\.attempt), [1, 2, 3])
        let message = "\(try XCTUnwrap(run.error))"
        XCTAssertTrue(message.contains("Slurm job 103 ended NODE_FAIL (exit 0:0) on attempt 3 of 3"), message)
    }

    func testCtrlCCancelsTheWholeArray() throws {
        let t = try slurmProject(stages: 3)
        let fake = try FakeSlurm(plan: ["COMPLETED"])
        try fake.hold()
        let start = Date()
        let runs = try executeConcurrently(try slurmExecutor(t, fake), t, stages: ["s0", "s1", "s2"],
                                           cancelled: { Date().timeIntervalSince(start) > 1.5 })
        XCTAssertEqual(fake.scancelCalls, ["101"], "one scancel of the array job")
        for name in ["s0", "s1", "s2"] {
            XCTAssertTrue(runs[name]?.error is StageCancelled, "\(name): \(String(describing: runs[name]?.error))")
        }
    }

    /// 40 stages ready at once reach the executor together (the runner gives each its own thread
    /// at once), so they go as one array; their outputs are installed; a rerun submits nothing.
    func testARunThroughTheRunnerSubmitsOneArrayAndARerunNothing() throws {
        let t = try slurmProject(stages: 40)
        let fake = try FakeSlurm(plan: ["COMPLETED"])
        let p = try t.project()
        let runner = Runner(project: p, options: RunOptions(jobs: 64, executor: try slurmExecutor(t, fake, throttle: 64)), reporter: SilentReporter())
        let summary = try runner.run(Array(p.pipeline.stages.indices))
        XCTAssertEqual(Set(summary.outcomes.values), ["ran"])
        XCTAssertEqual(t.read("out/s39.txt"), "ran s39\n")
        XCTAssertEqual(fake.sbatchCalls.count, 1, "\(fake.sbatchCalls)")
        XCTAssertTrue(fake.sbatchCalls.first?.contains("--array=0-39%64") == true, "\(fake.sbatchCalls)")
        let again = try Runner(project: try t.project(), options: RunOptions(jobs: 64, executor: try slurmExecutor(t, fake)),
                               reporter: SilentReporter()).run(Array(p.pipeline.stages.indices))
        XCTAssertEqual(Set(again.outcomes.values), ["up to date"])
        XCTAssertEqual(fake.sbatchCalls.count, 1, "a rerun submits nothing")
    }

    func testSbatchRefusingIsReportedToEveryStageOfTheArray() throws {
        let t = try slurmProject(stages: 2)
        let fake = try FakeSlurm(plan: ["COMPLETED"])
        try fake.script("sbatch", "echo 'sbatch: error: Batch job submission failed: Invalid partition name specified' >&2; exit 1")
        let runs = try executeConcurrently(try slurmExecutor(t, fake), t, stages: ["s0", "s1"])
        for name in ["s0", "s1"] {
            let message = "\(try XCTUnwrap(runs[name]?.error))"
            XCTAssertTrue(message.contains("sbatch failed (exit 1): sbatch: error: Batch job submission failed: Invalid partition"), message)
        }
    }

    /// The index file of the k-th submission (job-PID-k under .repro/tmp/slurm).
    private func indexFile(_ t: TempProject, job k: Int) throws -> URL {
        let dir = try t.project().tmpDir.appendingPathComponent("slurm")
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasSuffix("-\(k)") })
        return dir.appendingPathComponent(name).appendingPathComponent("index.json")
    }
}
