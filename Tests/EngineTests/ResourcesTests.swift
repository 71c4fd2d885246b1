import Synchronization
import XCTest
@testable import EngineCore
import StageAPI

/// Local CPU charging: a stage's CPUs count against `-j`, never more in use at once.
final class ResourcesTests: XCTestCase {
    /// Shared by the stages of one test run (tests in this class run one at a time).
    static let inUse = Mutex((now: 0, peak: 0, log: [String]()))

    /// Holds `context.parallelism` CPUs for a while, recording the peak in use
    /// and the parallelism each stage was given.
    struct CPUKind: StageKind {
        var name = "cpu"
        var defaultCPUs: Int?
        let summary = "test: holds its CPUs"
        let codeTarget = "TestCPU"
        func validate(_ p: Params, stage: StageInfo) throws {}
        func run(_: Void, in ctx: StageContext) throws {
            ResourcesTests.inUse.withLock {
                $0.now += ctx.parallelism
                $0.peak = max($0.peak, $0.now)
                $0.log.append("\(ctx.name)|\(ctx.parallelism)")
            }
            usleep(60_000)
            ResourcesTests.inUse.withLock { $0.now -= ctx.parallelism }
            for o in ctx.info.outs { try Data("x\n".utf8).write(to: try ctx.output(o)) }
        }
    }

    func run(_ yaml: String, jobs: Int) throws -> (peak: Int, given: [String: Int], order: [String]) {
        Self.inUse.withLock { $0 = (0, 0, []) }
        let t = try TempProject(["pipeline.yaml": yaml])
        let registry = KindRegistry([CPUKind(), CPUKind(name: "cpu1", defaultCPUs: 1)])
        let p = try Project(root: t.root, registry: registry, code: fakeDigests([(path: "Sources/TestCPU/CPU.swift", sha256: String(repeating: "c", count: 64))]))
        let s = try Runner(project: p, options: RunOptions(jobs: jobs), reporter: SilentReporter()).run(Array(p.pipeline.stages.indices))
        XCTAssertFalse(s.failed)
        let state = Self.inUse.withLock { $0 }
        var given: [String: Int] = [:]
        for entry in state.log {
            let parts = entry.split(separator: "|")
            given[String(parts[0])] = Int(parts[1])!
        }
        return (state.peak, given, state.log.map { String($0.split(separator: "|")[0]) })
    }

    static let mixed = """
        stages:
          big:
            kind: cpu
            matrix: {k: [1, 2]}
            outs: ["big/${k}"]
          small:
            kind: cpu1
            matrix: {k: [1, 2, 3, 4]}
            outs: ["small/${k}"]
          declared:
            kind: cpu1
            resources: {cpus_per_task: 8}
            outs: [declared]
          two:
            kind: cpu
            resources: {cpus_per_task: 2}
            matrix: {k: [1, 2]}
            outs: ["two/${k}"]
        """

    func testChargesNeverExceedJobsAndAreThePararallelismGiven() throws {
        let r3 = try run(Self.mixed, jobs: 3)
        XCTAssertLessThanOrEqual(r3.peak, 3)
        XCTAssertEqual(r3.given["big@k=1"], 3)  // a kind default of nil takes all of -j
        XCTAssertEqual(r3.given["small@k=2"], 1)
        XCTAssertEqual(r3.given["declared"], 3)  // declared 8, capped at -j
        XCTAssertEqual(r3.given["two@k=1"], 2)
        let r1 = try run(Self.mixed, jobs: 1)
        XCTAssertEqual(r1.peak, 1)
        XCTAssertEqual(Set(r1.given.values), [1])
    }

    /// Small stages fill the free CPUs; two single-CPU stages share -j 2.
    func testSmallStagesRunSideBySide() throws {
        let r = try run("""
            stages:
              small:
                kind: cpu1
                matrix: {k: [1, 2, 3, 4]}
                outs: ["small/${k}"]
            """, jobs: 2)
        XCTAssertEqual(r.peak, 2)
    }

    /// A stage that needs all of -j is not overtaken by single-CPU stages
    /// declared after it: it starts as soon as the one running ends.
    func testABigStageIsNotStarvedBySmallOnes() throws {
        let r = try run("""
            stages:
              a: {kind: cpu1, outs: [a]}
              b: {kind: cpu, outs: [b]}
              c: {kind: cpu1, outs: [c]}
              d: {kind: cpu1, outs: [d]}
            """, jobs: 2)
        XCTAssertEqual(Array(r.order.prefix(2)), ["a", "b"])
        XCTAssertEqual(Set(r.order.suffix(2)), ["c", "d"])
        XCTAssertEqual(r.given["b"], 2)
        XCTAssertLessThanOrEqual(r.peak, 2)
    }

    func testBadCPUCountIsAnErrorAtTheStage() throws {
        let errors = try pipelineErrors("""
            stages:
              s:
                kind: concat
                resources: {cpus_per_task: 0}
                outs: [o]
            """)
        XCTAssertEqual(errors.map(\.message), ["resources.cpus_per_task of stage 's' must be an integer ≥ 1, got 0"])
        XCTAssertEqual(errors.first?.location?.line, 4)
    }
}
