import Foundation
import Synchronization
import XCTest
@testable import EngineCore
import StageAPI
@testable import SlurmExecutor

/// Reading Slurm's output per array task, the usage file from the node, the
/// index file, and the command helper's pipes.
final class SlurmStateTests: XCTestCase {
    /// `scontrol -o show job` of a 4-task array as Slurm 22.05 prints it: two done, one lost with
    /// its node, and the pending remainder as one record with a range.
    func testArrayRecordsAreReadPerTask() {
        let text = """
            JobId=208 ArrayJobId=205 ArrayTaskId=2 ArrayTaskThrottle=3 JobName=repro:a+3 UserId=root(0) JobState=NODE_FAIL Reason=NodeDown Dependency=(null) ExitCode=0:0 NodeList=node3 BatchHost=node3 StdOut=/p/x y/task-%a.log
            JobId=206 ArrayJobId=205 ArrayTaskId=0 JobName=repro:a+3 JobState=COMPLETED Reason=None ExitCode=0:0 NodeList=node1 BatchHost=node1
            JobId=205 ArrayJobId=205 ArrayTaskId=3-9%3 JobName=repro:a+3 JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0 NodeList=(null)
            JobId=207 ArrayJobId=205 ArrayTaskId=1 JobName=repro:a+3 JobState=FAILED Reason=NonZeroExitCode ExitCode=7:0 NodeList=node2 BatchHost=node2
            JobId=301 ArrayJobId=300 ArrayTaskId=1 JobState=COMPLETED ExitCode=0:0
            """
        let r = SlurmStates.parseRecords(text, job: "205")
        XCTAssertEqual(r.keys.sorted(), [0, 1, 2])
        XCTAssertEqual(r[0], SlurmTaskState(state: "COMPLETED", exitCode: "0:0", host: "node1", reason: nil))
        XCTAssertEqual(r[1]?.state, "FAILED")
        XCTAssertEqual(r[1]?.exitStatus, 7)
        XCTAssertEqual(r[2], SlurmTaskState(state: "NODE_FAIL", exitCode: "0:0", host: "node3", reason: "NodeDown"))
        XCTAssertTrue(r[0]!.succeeded && !r[2]!.succeeded && r[2]!.isFinal)
        XCTAssertEqual(r[2]?.exitStatus, 1, "a scheduler's failure with 0:0 is still a failure")
        XCTAssertEqual(SlurmTaskState(state: "CANCELLED", exitCode: "0:15", host: nil, reason: nil).exitStatus, 143)
    }

    func testAPlainJobIsTaskZeroOfItself() {
        let r = SlurmStates.parseRecords("JobId=42 JobName=repro:x JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 NodeList=n1 BatchHost=n1\n", job: "42")
        XCTAssertEqual(r, [0: SlurmTaskState(state: "TIMEOUT", exitCode: "0:15", host: "n1", reason: "TimeLimit")])
        XCTAssertEqual(SlurmStates.parseRecords("JobId=43 JobState=COMPLETED ExitCode=0:0\n", job: "42"), [:])
    }

    func testQueueLinesNameTasksAndPendingRanges() {
        let q = SlurmStates.parseQueue("205_0 RUNNING\n205_[3-5,8%2] PENDING\n205_1 COMPLETING\n2050_1 RUNNING\n", job: "205")
        XCTAssertEqual(q, [0: "RUNNING", 1: "COMPLETING", 3: "PENDING", 4: "PENDING", 5: "PENDING", 8: "PENDING"])
        XCTAssertEqual(SlurmStates.parseQueue("42 RUNNING\n", job: "42"), [0: "RUNNING"])
        XCTAssertEqual(SlurmStates.tasks(of: "205_[9-3]", job: "205"), [], "a malformed range names no task")
    }

    func testAccountingIsTheFallback() {
        let text = "205_0|COMPLETED|0:0|node1\n205_1|CANCELLED by 0|0:15|node2\n205_[2-3]|PENDING|0:0|None assigned\n"
        let r = SlurmStates.parseAccounting(text, job: "205")
        XCTAssertEqual(r[0]?.state, "COMPLETED")
        XCTAssertEqual(r[1]?.state, "CANCELLED")
        XCTAssertNil(r[2])
    }

    func testSubmittedJobID() {
        XCTAssertEqual(SlurmStates.parseSubmitted("1234\n"), "1234")
        XCTAssertEqual(SlurmStates.parseSubmitted("1234;cluster\n"), "1234")
        XCTAssertNil(SlurmStates.parseSubmitted("Submitted batch job 12\n"))
        XCTAssertNil(SlurmStates.parseSubmitted(""))
    }

    func testRetryPolicy() throws {
        let plain = SlurmRetryPolicy(retries: 1, extra: [])
        XCTAssertTrue(["NODE_FAIL", "PREEMPTED", "BOOT_FAIL"].allSatisfy(plain.retries))
        XCTAssertFalse(["FAILED", "TIMEOUT", "CANCELLED", "OUT_OF_MEMORY"].contains(where: plain.retries))
        XCTAssertTrue(SlurmRetryPolicy(retries: 1, extra: ["timeout"]).retries("TIMEOUT"))
        let bad = try pipelineErrors("executor:\n  retry_on: [cancelled]\nstages:\n  a:\n    kind: concat\n    outs: [x]\n").map(\.description)
        XCTAssertTrue(bad.contains { $0.contains("entries must be one of failed, out_of_memory, timeout, got 'cancelled'") }, "\(bad)")
        let neg = try pipelineErrors("executor:\n  retries: -1\nstages:\n  a:\n    kind: concat\n    outs: [x]\n").map(\.description)
        XCTAssertTrue(neg.contains { $0.contains(":2:3: error: executor: must be between 0 and 100") }, "\(neg)")
        let t = try TempProject(["pipeline.yaml": "stages:\n  a:\n    kind: concat\n    resources: {retries: 3, retry_on: [timeout]}\n    outs: [x]\n"])
        let cfg = try SlurmConfig().merged(with: try t.project().pipeline.stages[0].spec.resources)
        XCTAssertEqual(cfg.retryPolicy, SlurmRetryPolicy(retries: 3, extra: ["timeout"]))
    }

    // MARK: usage file

    func testUsageRoundTripsAndMeasuresThisProcess() throws {
        let dir = try TempProject()
        let url = dir.root.appendingPathComponent("u.json")
        var burn = 0.0
        let start = Date()
        while Date().timeIntervalSince(start) < 0.2 { burn += sin(burn + 1) }
        let u = SlurmUsage.measure(since: start)
        XCTAssertGreaterThan(u.cpuSeconds, 0.1, "getrusage counts the CPU just burnt (\(burn))")
        XCTAssertGreaterThan(u.maxRSSKiB, 1000)
        XCTAssertGreaterThanOrEqual(u.wallSeconds, 0.2)
        let kernel = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8)
        XCTAssertEqual(u.host, kernel.trimmingCharacters(in: .whitespacesAndNewlines))
        try u.write(to: url)
        XCTAssertEqual(SlurmUsage.read(url), u)
    }

    func testAMalformedUsageFileIsIgnored() throws {
        let dir = try TempProject()
        let good = #"{"cpu_seconds": 1.5, "host": "node1", "max_rss_kib": 2048, "start": 1700000000.0, "wall_seconds": 2.0}"#
        let bad = [
            "", "not json", "[1]",
            good.replacingOccurrences(of: "\"node1\"", with: "\"node 1\""),
            good.replacingOccurrences(of: "\"node1\"", with: "\"\(String(repeating: "n", count: 300))\""),
            good.replacingOccurrences(of: "2048", with: "-5"),
            good.replacingOccurrences(of: "2048", with: "20.5"),
            good.replacingOccurrences(of: "1.5", with: "\"1.5\""),
            good.replacingOccurrences(of: "1700000000.0", with: "1e300"),
            good.replacingOccurrences(of: "}", with: ", \"extra\": 1}"),
            good.replacingOccurrences(of: ", \"wall_seconds\": 2.0", with: ""),
            good + String(repeating: " ", count: 5000),
        ]
        for (k, text) in bad.enumerated() {
            let url = dir.root.appendingPathComponent("bad-\(k).json")
            try Data(text.utf8).write(to: url)
            XCTAssertNil(SlurmUsage.read(url), "accepted: \(text.prefix(120))")
        }
        let url = dir.root.appendingPathComponent("good.json")
        try Data(good.utf8).write(to: url)
        XCTAssertEqual(SlurmUsage.read(url), SlurmUsage(host: "node1", start: 1_700_000_000, wallSeconds: 2, cpuSeconds: 1.5, maxRSSKiB: 2048))
        XCTAssertNil(SlurmUsage.read(dir.root.appendingPathComponent("absent.json")))
    }

    // MARK: index file and script

    func testIndexHasOneTaskPerLineAndTheScriptQuotesEveryValue() throws {
        let tasks = (0..<3).map { i in
            SlurmTask(stage: "cell[d=\(i)]", staging: "/p/it's here/task-\(i)", usage: "/p/u\(i).json", threads: 2, noSandbox: false,
                      upstream: ["up=abc"], key: TaskKey(key: String(repeating: "a", count: 64),
                                                         fields: KeyFields(kind: "shell", code: "c", params: "{}", deps: [], outs: ["o"])))
        }
        let dir = try TempProject()
        let url = dir.root.appendingPathComponent("index.json")
        try SlurmIndex.encode(tasks).write(to: url)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 5)
        XCTAssertTrue(lines[3].contains(#""stage":"cell[d=2]""#), String(lines[3]))
        for i in 0..<3 { XCTAssertEqual(try SlurmIndex.task(i, in: url), tasks[i]) }
        XCTAssertThrowsError(try SlurmIndex.task(3, in: url)) { XCTAssertTrue("\($0)".contains("has 3 tasks; there is no task 3")) }
        try Data("{\"version\": 2, \"tasks\": []}".utf8).write(to: url)
        XCTAssertThrowsError(try SlurmIndex.task(0, in: url)) { XCTAssertTrue("\($0)".contains("version 2")) }

        let script = SlurmIndex.script(["/opt/re pro", "exec-stage", "-C", "/p/it's", "--index", "/p/$HOME/index.json"])
        XCTAssertEqual(script.split(separator: "\n").last, #"exec '/opt/re pro' 'exec-stage' '-C' '/p/it'\''s' '--index' '/p/$HOME/index.json'"#)
    }

    // MARK: command helper

    /// A child that writes 256 KiB to stderr before a byte of stdout fills the stderr pipe
    /// while its reader waits on stdout: both must be drained at once.
    func testACommandFillingStderrBeforeStdoutDoesNotDeadlock() throws {
        let fake = try FakeSlurm(plan: [])
        try fake.script("sbatch", "head -c 262144 /dev/zero | tr '\\0' e >&2; printf '4242\\n'; exit 3")
        let done = expectation(description: "the command returned")
        let result = Mutex<SlurmTools.Result?>(nil)
        let tools = fake.tools
        Thread.detachNewThread {
            let r = try? tools.run("sbatch", ["--parsable"])
            result.withLock { $0 = r }
            done.fulfill()
        }
        wait(for: [done], timeout: 30)
        let r = try XCTUnwrap(result.withLock { $0 })
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.out, "4242\n")
        XCTAssertEqual(r.err.utf8.count, 262_144)
        XCTAssertTrue(r.err.allSatisfy { $0 == "e" })
    }

    func testAMissingCommandSaysSo() {
        XCTAssertThrowsError(try SlurmTools(directory: "/nonexistent").run("sbatch", [])) {
            XCTAssertTrue("\($0)".contains("cannot run /nonexistent/sbatch"), "\($0)")
        }
    }
}
