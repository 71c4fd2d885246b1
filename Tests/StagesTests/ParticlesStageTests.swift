import EngineCore
import StageAPI
import Foundation
@testable import Stages
import XCTest
@testable import ParticleStages
import Parallel

/// Kind `particles`: every param checked before any work, byte-identical
/// outputs for -j 1 / -j 2 and for a seed alone vs in a batch, the initial
/// overlaps equal to the `ode` kind's start, failures with step and time.
final class ParticlesStageTests: XCTestCase, ParamBuilding {


    static let base: [(String, P)] = [
        ("target", .o([("mu", .d(2.0))])),
        ("d", .a([.i(40), .i(200)])),
        ("weights", .s("trainable")),
        ("init", .o([("mode", .s("fixed")), ("m_plus", .a([.d(1.0)])), ("m_minus", .a([.d(-0.5)])), ("orth_sigma", .a([.d(1), .d(-1)]))])),
        ("time", .o([("grid", .s("linear")), ("end", .d(0.5)), ("points", .i(6))])),
        ("particles", .o([("n", .i(70)), ("dt", .o([("early", .d(1e-3)), ("until", .d(0.05)), ("late", .d(1e-2))])),
                          ("seeds", .a([.i(0), .i(1), .i(2)]))])),
    ]

    func run(_ kv: [(String, P)], kind name: String = "particles", outs: [String] = ["p.csv", "p-init.csv"], parallelism: Int) throws -> [Data] {
        let kind = Self.kind(name)
        let info = StageInfo(name: "test-particles", deps: [], outs: outs)
        let p = Self.params(kv)
        try kind.validate(p, stage: info)
        XCTAssertEqual(p.unreadKeys, [], "validate must read every key")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("particles-stage-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let staging = dir.appendingPathComponent("staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let ctx = StageContext(info: info, params: Self.params(kv), root: dir, staging: staging,
                               parallelism: parallelism, reporter: { _ in }, cancelled: { false })
        do { try kind.validateAndRun(ctx) } catch {
            let written = (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []
            XCTAssertEqual(written, [], "a failed run writes nothing")
            throw error
        }
        return try outs.map { try Data(contentsOf: staging.appendingPathComponent($0)) }
    }

    func lines(_ data: Data) -> [String] { String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init) }

    func testSameBytesForAnyParallelism() throws {
        let one = try run(Self.base, parallelism: 1), two = try run(Self.base, parallelism: 2)
        XCTAssertEqual(one, two)
        let header = lines(one[0])[0]
        XCTAssertEqual(header, "d,seed,t,alpha_plus,alpha_minus,w,kl,mass_plus,mass_minus,a_pp,a_pm,a_mp,a_mm,q_pp,q_pm,q_mm,kl_mc,kl_mc_se")
        XCTAssertEqual(lines(one[0]).count, 1 + 2 * 3 * 6)
        XCTAssertEqual(lines(one[1]).count, 1 + 2 * 3)
    }

    /// 3 runs on 2 threads go one after another, each on both; 6 go two at a
    /// time; a lone run takes every thread. The bytes do not depend on it:
    /// 6 runs on 1, 3, 4 and 5 threads (every kind of split) give the same.
    func testRunsAndThreadsSplitForTheShortestMakespan() throws {
        func split(_ runs: Int, _ threads: Int) -> [Int] {
            let s = ParticlesStage.split(runs: runs, threads: threads)
            return [s.outer, s.inner]
        }
        XCTAssertEqual(split(3, 2), [1, 2])
        XCTAssertEqual(split(6, 2), [2, 1])
        XCTAssertEqual(split(2, 2), [2, 1])
        XCTAssertEqual(split(1, 2), [1, 2])
        XCTAssertEqual(split(1, 1), [1, 1])
        XCTAssertEqual(split(5, 4), [1, 4])  // 5 rounds at 3.55× beat 2 rounds at 1×
        XCTAssertEqual(split(0, 2).allSatisfy { $0 >= 1 }, true)
        let one = try run(Self.base, parallelism: 1)
        for p in [3, 4, 5] { XCTAssertEqual(try run(Self.base, parallelism: p), one, "parallelism \(p)") }
    }

    /// A lone run on 2 threads spreads its sample blocks over both (the
    /// simulation's own threads, not `parallelMap`'s): the stage's CPU
    /// account, which its run record reports, must count both. Checked
    /// against the process's own CPU time over the run (nothing else runs in
    /// this process meanwhile): the account, plus the calling thread's time
    /// (which the engine measures itself), is that whole delta, and well over
    /// the calling thread's alone.
    func testARunOnTwoThreadsIsChargedBothThreadsCPU() throws {
        var alone = Self.replacing(Self.base, ["particles", "seeds"], with: .a([.i(1)]))
        alone = Self.replacing(alone, ["d"], with: .i(4000))
        alone = Self.replacing(alone, ["particles", "n"], with: .i(400))
        func processCPU() -> Double {
            var u = rusage()
            getrusage(RUSAGE_SELF.rawValue, &u)
            return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
        }
        let account = CPUAccount()
        let process0 = processCPU(), caller0 = CPUAccount.threadNanoseconds()
        _ = try CPUAccount.$current.withValue(account) { try run(alone, outs: ["p.csv"], parallelism: 2) }
        let caller = Double(CPUAccount.threadNanoseconds() - caller0) / 1e9
        let process = processCPU() - process0
        let charged = account.seconds + caller
        XCTAssertGreaterThan(process, 0.3, "the run must be long enough to measure")
        XCTAssertGreaterThan(account.seconds, 0.25 * process, "the second thread's CPU must be charged (caller \(caller) s, process \(process) s)")
        XCTAssertEqual(charged, process, accuracy: 0.15 * process + 0.05, "charged \(charged) s of the process's \(process) s")
    }

    /// Seed 1 alone (one run: its blocks spread over both threads) gives the
    /// same rows as seed 1 among seeds 0, 1, 2.
    func testSeedAloneEqualsSeedInBatch() throws {
        let batch = lines(try run(Self.base, parallelism: 2)[0])
        var alone = Self.replacing(Self.base, ["particles", "seeds"], with: .a([.i(1)]))
        alone = Self.replacing(alone, ["d"], with: .i(200))
        let single = lines(try run(alone, parallelism: 2)[0])
        XCTAssertEqual(Array(single.dropFirst()), batch.filter { $0.hasPrefix("200,1,") })
    }

    /// The t = 0 row holds the `ode` kind's start (same init block), to rounding.
    func testStartsWhereTheODEStarts() throws {
        var kv = Self.base
        kv = Self.replacing(kv, ["init"], with: .o([("mode", .s("random")), ("tau", .d(1.0)), ("seeds", .a([.i(4), .i(9)]))]))
        kv = Self.replacing(kv, ["particles", "seeds"], with: nil)
        let particles = lines(try run(kv, outs: ["p.csv"], parallelism: 2)[0])
        var odeKV = kv.filter { $0.0 != "particles" }
        odeKV = Self.replacing(odeKV, ["time"], with: .o([("grid", .s("linear")), ("end", .d(0.5)), ("points", .i(6))]))
        let ode = try run(odeKV, kind: "ode", outs: ["o.csv"], parallelism: 1)[0]
        let odeRows = lines(ode).filter { $0.split(separator: ",")[2] == "0.0" }
        let simRows = particles.filter { $0.split(separator: ",")[2] == "0.0" }
        XCTAssertEqual(odeRows.count, 4)
        for (a, b) in zip(odeRows, simRows) {
            let x = a.split(separator: ",").map { Double($0)! }, y = b.split(separator: ",").map { Double($0)! }
            for i in 0..<16 { XCTAssertEqual(x[i], y[i], accuracy: 1e-11 * max(1, abs(x[i]), x[13])) }
        }
    }

    func testBadParamsAreRejectedNamingTheParameter() {
        let kind = Self.kind("particles")
        let info = StageInfo(name: "x", deps: [], outs: ["p.csv"])
        let cases: [([String], P?, String)] = [
            (["particles", "n"], .i(0), "particles.n"),
            (["particles", "n"], nil, "particles.n"),
            (["particles", "dt"], .d(0), "particles.dt"),
            (["particles", "dt"], .d(-1e-2), "particles.dt"),
            (["particles", "dt"], .o([("early", .d(1e-3)), ("until", .d(1)), ("late", .d(0))]), "particles.dt.late"),
            (["particles", "seeds"], .a([.i(1), .i(1)]), "particles.seeds"),
            (["particles", "seeds"], nil, "particles.seeds"),
            (["particles", "n"], .i(1_000_000), "particles.n"),  // with d = 200 000: too much memory
            (["d"], .i(1), "d"),
            (["target", "sigma_p2"], .d(0), "target.sigma_p2"),
            (["target", "rho"], .d(1), "target.rho"),
            (["s"], .d(-1), "s"),
            (["weights"], .s("fixed"), "w"),
            (["init", "orth_sigma"], nil, "init"),  // orth2 [0, 0] default: fine; see below
            (["time", "end"], .d(0), "time.end"),
        ]
        for (path, value, key) in cases {
            var kv = Self.replacing(Self.base, path, with: value)
            if key == "particles.n" && value.map({ if case .i(1_000_000) = $0 { true } else { false } }) == true {
                kv = Self.replacing(kv, ["d"], with: .i(200_000))
            }
            if key == "w" { kv = Self.replacing(kv, ["w"], with: .d(1.5)) }
            if key == "init" { kv = Self.replacing(kv, ["init", "orth2"], with: .a([.d(3), .d(3)]))
                kv = Self.replacing(kv, ["init", "orth_cross"], with: .d(0))
                kv = Self.replacing(kv, ["d"], with: .i(2)) }  // two orthogonal parts in 1 direction
            do {
                try kind.validate(Self.params(kv), stage: info)
                XCTFail("\(path) = \(String(describing: value)) accepted")
            } catch let e as ParamError {
                XCTAssertEqual(e.key, key, "\(e)")
            } catch { XCTFail("\(error)") }
        }
        let random = Self.replacing(Self.base, ["init"], with: .o([("mode", .s("random")), ("seeds", .a([.i(1)]))]))
        XCTAssertThrowsError(try kind.validate(Self.params(random), stage: info)) {
            XCTAssertEqual(($0 as? ParamError)?.key, "particles.seeds")
        }
        XCTAssertThrowsError(try kind.validate(Self.params(Self.base), stage: StageInfo(name: "x", deps: [], outs: ["a.csv", "b.csv"])))
    }

    func testBlowUpFailsWithStepAndTimeWritingNothing() {
        var kv = Self.replacing(Self.base, ["particles", "dt"], with: .d(1e3))
        kv = Self.replacing(kv, ["time", "end"], with: .d(1e6))
        kv = Self.replacing(kv, ["weights"], with: .s("fixed"))
        kv = Self.replacing(kv, ["time", "points"], with: .i(2))
        XCTAssertThrowsError(try run(kv, parallelism: 2)) { e in
            let msg = "\(e)"
            XCTAssertTrue(msg.contains("step") && msg.contains("t = ") && msg.contains("d = 40, seed = 0"), msg)
        }
    }
}
