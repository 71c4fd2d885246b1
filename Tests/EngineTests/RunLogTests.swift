import Parallel
import XCTest
@testable import EngineCore
import StageAPI
@testable import ShellStages

/// `.repro/runs.jsonl`: one record per attempt, CPU of the stage's own threads.
final class RunLogTests: XCTestCase {
    /// Spins `iterations` × 40 ms of thread CPU time over `context.parallelism` threads.
    struct SpinKind: StageKind {
        let name = "spin"
        let summary = "test: burns CPU"
        let codeTarget = "TestSpin"
        var defaultCPUs: Int? { nil }
        func validate(_ p: Params, stage: StageInfo) throws { _ = try p.int("iterations") }
        func run(_: Void, in ctx: StageContext) throws {
            _ = try parallelMap(count: try ctx.params.int("iterations"), threads: ctx.parallelism) { _ in
                let start = CPUAccount.threadNanoseconds()
                while CPUAccount.threadNanoseconds() - start < 40_000_000 {}
                return 0
            }
            for o in ctx.info.outs { try Data("x\n".utf8).write(to: try ctx.output(o)) }
        }
    }

    /// Runs its stages locally and reports two attempts of its own, as a cluster executor would.
    struct ReportingExecutor: StageExecutor {
        let name = "reporting"
        func execute(_ stage: Pipeline.Stage, context: StageContext, key: TaskKey, project: Project) throws {
            context.reportAttempt(AttemptReport(attempt: 1, host: "node1", start: 1_700_000_000, wallSeconds: 2, cpuSeconds: 1.5, maxRSSKiB: 2048,
                                                exitStatus: 1, state: "NODE_FAIL", jobID: "17_3", reason: "node failed: retried"))
            context.reportAttempt(AttemptReport(attempt: 2, host: "node2", start: 1_700_000_010, wallSeconds: 1, exitStatus: 0, state: "COMPLETED", jobID: "18_0"))
            try stage.run(context)
        }
    }

    func project(_ yaml: String) throws -> (TempProject, Project) {
        let t = try TempProject(["pipeline.yaml": yaml])
        let kinds: [any StageKind] = [SpinKind(), FailKind(), SleepKind(), ShellKind()]
        let code = fakeCode()
        let p = try Project(root: t.root, registry: KindRegistry(kinds),
                            code: fakeDigests(code.files + [(path: "Sources/TestSpin/Spin.swift", sha256: String(repeating: "5", count: 64))]))
        return (t, p)
    }

    func run(_ p: Project, jobs: Int, executor: any StageExecutor = LocalExecutor(), noSandbox: Bool = false) throws -> RunSummary {
        var o = RunOptions(jobs: jobs, keepGoing: true, executor: executor)
        o.noSandbox = noSandbox
        return try Runner(project: p, options: o, reporter: SilentReporter()).run(Array(p.pipeline.stages.indices))
    }

    func records(_ p: Project) throws -> [String: [RunRecord]] {
        let (records, malformed) = try RunLog.read(RunLog.url(in: p))
        XCTAssertEqual(malformed, [])
        return Dictionary(grouping: records.map(\.record), by: \.stage)
    }

    /// The CPU of a stage's parallelMap workers counts, and a stage running
    /// beside it adds nothing to it (a process-wide delta would).
    func testCPUIsThatOfTheStagesOwnThreads() throws {
        let (_, p) = try project("""
            stages:
              wide: {kind: spin, params: {iterations: 8}, resources: {cpus_per_task: 2}, outs: [w]}
              one: {kind: spin, params: {iterations: 2}, resources: {cpus_per_task: 1}, outs: [o]}
              other: {kind: spin, params: {iterations: 6}, resources: {cpus_per_task: 1}, outs: [x]}
            """)
        XCTAssertFalse(try run(p, jobs: 2).failed)
        let r = try records(p)
        let wide = try XCTUnwrap(r["wide"]?.first), one = try XCTUnwrap(r["one"]?.first), other = try XCTUnwrap(r["other"]?.first)
        XCTAssertEqual(wide.cpus, 2)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(wide.attempt.cpuSeconds), 0.32)
        XCTAssertLessThan(try XCTUnwrap(wide.attempt.cpuSeconds), 0.32 + 0.15)
        // `one` and `other` ran side by side: each has its own 80 ms or 240 ms.
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(one.attempt.cpuSeconds), 0.08)
        XCTAssertLessThan(try XCTUnwrap(one.attempt.cpuSeconds), 0.08 + 0.1)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(other.attempt.cpuSeconds), 0.24)
        XCTAssertLessThan(try XCTUnwrap(other.attempt.cpuSeconds), 0.24 + 0.1)
        XCTAssertEqual(one.rssScope, "process")
        XCTAssertEqual(one.executor, "local")
        XCTAssertEqual(one.outcome, "ran")
        XCTAssertEqual(one.attempt.exitStatus, 0)
        XCTAssertEqual(one.key, try LockFile.load(from: p.lockURL).stages["one"]?.key)
    }

    func testFailedRunsAreRecordedRestoredAndUpToDateAreNot() throws {
        let (t, p) = try project("""
            stages:
              bad: {kind: fail, outs: [b]}
              good: {kind: spin, params: {iterations: 1}, outs: [g]}
            """)
        _ = try run(p, jobs: 1)
        var r = try records(p)
        XCTAssertEqual(r["bad"]?.map(\.outcome), ["failed"])
        XCTAssertEqual(r["bad"]?.first?.attempt.exitStatus, 1)
        XCTAssertEqual(r["good"]?.count, 1)
        _ = try run(p, jobs: 1)  // good is up to date
        try FileManager.default.removeItem(at: t.root.appendingPathComponent("g"))
        _ = try run(p, jobs: 1)  // good is restored
        r = try records(p)
        XCTAssertEqual(r["good"]?.count, 1)
        XCTAssertEqual(r["bad"]?.count, 3)
    }

    func testExecutorReportedAttemptsAreRecordedAsGiven() throws {
        let (_, p) = try project("stages:\n  s: {kind: spin, params: {iterations: 1}, outs: [s]}\n")
        XCTAssertFalse(try run(p, jobs: 1, executor: ReportingExecutor()).failed)
        let s = try XCTUnwrap(try records(p)["s"])
        XCTAssertEqual(s.map(\.attempt.attempt), [1, 2])
        XCTAssertEqual(s.map(\.attempt.host), ["node1", "node2"])
        XCTAssertEqual(s[0].attempt.state, "NODE_FAIL")
        XCTAssertEqual(s[0].attempt.jobID, "17_3")
        XCTAssertEqual(s[0].attempt.reason, "node failed: retried")
        XCTAssertEqual(s[0].attempt.maxRSSKiB, 2048)
        XCTAssertEqual(s[0].attempt.cpuSeconds, 1.5)
        XCTAssertEqual(s[0].executor, "reporting")
        XCTAssertNil(s[0].cpus)
        XCTAssertEqual(RunRecord.iso8601(s[1].attempt.start), "2023-11-14T22:13:30.000Z")
    }

    /// A shell stage's command is measured through wait4: its CPU and its peak memory.
    func testShellChildrenAreMeasured() throws {
        let (_, p) = try project("""
            stages:
              sh:
                kind: shell
                params: {argv: [sh, -c, "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo > o"]}
                outs: [o]
            """)
        XCTAssertFalse(try run(p, jobs: 1, noSandbox: true).failed)
        let sh = try XCTUnwrap(try records(p)["sh"]?.first)
        XCTAssertEqual(sh.rssScope, "children")
        XCTAssertGreaterThan(try XCTUnwrap(sh.attempt.maxRSSKiB), 100)
        XCTAssertGreaterThan(try XCTUnwrap(sh.attempt.cpuSeconds), 0.05)
    }

    func testConcurrentAppendsKeepLinesWholeAndBadLinesAreNamed() throws {
        let t = try TempProject()
        let url = t.root.appendingPathComponent(".repro/runs.jsonl")
        let long = String(repeating: "r", count: 5000)
        DispatchQueue.concurrentPerform(iterations: 8) { w in
            for k in 0..<50 {
                let a = AttemptReport(attempt: k, host: "h", start: 1e9, wallSeconds: 1, exitStatus: 0, reason: long)
                try! RunLog.append(RunRecord(stage: "s\(w)", key: "k", executor: "local", outcome: "ran", attempt: a), to: url)
            }
        }
        var (records, malformed) = try RunLog.read(url)
        XCTAssertEqual(records.count, 400)
        XCTAssertEqual(malformed, [])
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"stage\": 1}\nnot json\n".utf8))
        try handle.close()
        (records, malformed) = try RunLog.read(url)
        XCTAssertEqual(records.count, 400)
        XCTAssertEqual(malformed, [401, 402])
        XCTAssertEqual(RunRecord(jsonLine: records[0].record.jsonLine), records[0].record)
    }

    /// The run log's timestamps are written and read without a formatter per
    /// record; Foundation's ISO8601DateFormatter is the reference for both.
    func testTimestampsAreWhatISO8601DateFormatterWritesAndReads() {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        var rng = SplitMix(seed: 31)
        // Whole milliseconds, from 1970 to 2100, plus the edges of a leap day and a year.
        var samples: [Double] = [0, 951_782_400, 951_868_799.999, 1_709_164_800.5, 1_735_689_599.999, 4_102_444_799.123]
        for _ in 0..<2000 { samples.append(Double(rng.next() % 4_102_444_800_000) / 1000) }
        // And a start as the clock gives it, with microseconds.
        for _ in 0..<2000 { samples.append(Double(rng.next() % 4_102_444_800_000_000) / 1_000_000) }
        for s in samples {
            let reference = f.string(from: Date(timeIntervalSince1970: s))
            XCTAssertEqual(RunRecord.iso8601(s), reference, "\(s)")
            XCTAssertEqual(RunRecord.parseISO8601(reference)!, f.date(from: reference)!.timeIntervalSince1970, accuracy: 1e-6, reference)
        }
        XCTAssertEqual(RunRecord.parseISO8601("2024-02-29T12:00:00Z"), 1_709_208_000)
        XCTAssertNil(RunRecord.parseISO8601("yesterday"))
    }

    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
