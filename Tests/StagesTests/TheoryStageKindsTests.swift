import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest

/// The Theory stage kinds (`ode`, `ode-sweep`, `fixed-points`, `ode-escape`):
/// params checked before any work, outputs deterministic across -j, failures
/// reported with time and state and nothing written.
final class TheoryStageKindsTests: XCTestCase, ParamBuilding {
    // MARK: helpers


    static let odeBase: [(String, P)] = [
        ("target", .o([("mu", .d(2.5)), ("rho", .d(0.5)), ("sigma_p2", .d(1.0))])),
        ("s", .d(1.0)),
        ("d", .a([.i(20), .i(500)])),
        ("weights", .s("trainable")),
        ("init", .o([("mode", .s("random")), ("tau", .d(1.0)), ("seeds", .a([.i(0), .i(2)]))])),
        ("solver", .o([("stepper", .s("msbdf")), ("rtol", .d(1e-8)), ("atol", .d(1e-10))])),
        ("time", .o([("grid", .s("log")), ("first", .d(0.01)), ("end", .d(20.0)), ("points", .i(20))])),
    ]


    func run(_ kindName: String, _ kv: [(String, P)], outs: [String], parallelism: Int) throws -> (URL, [Data]) {
        let kind = Self.kind(kindName)
        let info = StageInfo(name: "test-\(kindName)", deps: [], outs: outs)
        let p = Self.params(kv)
        try kind.validate(p, stage: info)
        XCTAssertEqual(p.unreadKeys, [], "validate must read every key")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("theory-stage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let ctx = StageContext(info: info, params: Self.params(kv), root: dir, staging: dir.appendingPathComponent("staging"),
                               parallelism: parallelism, reporter: { _ in }, cancelled: { false })
        try kind.validateAndRun(ctx)
        return (dir, try outs.map { try Data(contentsOf: dir.appendingPathComponent("staging").appendingPathComponent($0)) })
    }

    // MARK: params

    func testBadParamsAreRejectedNamingTheParameter() {
        let kind = Self.kind("ode")
        let info = StageInfo(name: "x", deps: [], outs: ["out.csv"])
        let cases: [([String], P?, String)] = [
            (["d"], .d(2.5), "d"),
            (["d"], .i(0), "d"),
            (["d"], .a([.i(10), .i(-3)]), "d"),
            (["target", "sigma_p2"], .d(0), "target.sigma_p2"),
            (["s"], .d(-1), "s"),
            (["target", "rho"], .d(1), "target.rho"),
            (["target", "mu"], .d(0), "target.mu"),
            (["weights"], .s("both"), "weights"),
            (["solver", "rtol"], .d(0), "solver.rtol"),
            (["solver", "atol"], .d(-1e-9), "solver.atol"),
            (["solver", "stepper"], .s("euler"), "solver.stepper"),
            (["init", "seeds"], .a([]), "init.seeds"),
            (["init", "tau"], .d(0), "init.tau"),
            (["time", "points"], .i(1), "time.points"),
            (["time", "first"], .d(200), "time.first"),
            (["time"], nil, "time"),
        ]
        for (path, v, key) in cases {
            let p = Self.params(Self.replacing(Self.odeBase, path, with: v))
            XCTAssertThrowsError(try kind.validate(p, stage: info), "\(path) = \(String(describing: v))") { error in
                guard let e = error as? ParamError else { return XCTFail("not a ParamError: \(error)") }
                XCTAssertEqual(e.key, key, e.description)
                XCTAssertFalse(e.message.isEmpty)
            }
        }
        // Fixed weights: w outside (0, 1).
        let fixed = Self.replacing(Self.replacing(Self.odeBase, ["weights"], with: .s("fixed")), ["w"], with: .d(1.5))
        XCTAssertThrowsError(try kind.validate(Self.params(fixed), stage: info)) { XCTAssertEqual(($0 as? ParamError)?.key, "w") }
        // A typo is left unread, so the engine reports it as unknown.
        let typo = Self.params(Self.odeBase + [("stepsize", .d(0.1))])
        XCTAssertNoThrow(try kind.validate(typo, stage: info))
        XCTAssertEqual(typo.unreadKeys, ["stepsize"])
        // Sweep kind: empty seed list, bad weight mode.
        let sweep = Self.kind("ode-sweep")
        let sweepBad = Self.params([("target", .o([("mu", .a([.d(2)]))])), ("d", .i(10)), ("weights", .a([.s("fixed"), .s("maybe")])),
                                    ("init", .o([("seeds", .a([.i(1)]))])), ("end_times", .a([.d(10)]))])
        XCTAssertThrowsError(try sweep.validate(sweepBad, stage: info)) { XCTAssertEqual(($0 as? ParamError)?.key, "weights") }
    }

    // MARK: runs

    func testODEOutputIsTheSameForOneAndTwoThreads() throws {
        let (_, one) = try run("ode", Self.odeBase, outs: ["traj.csv"], parallelism: 1)
        let (_, two) = try run("ode", Self.odeBase, outs: ["traj.csv"], parallelism: 2)
        XCTAssertEqual(one, two)
        let text = String(decoding: one[0], as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("d,seed,t,alpha_plus,alpha_minus,w,kl,mass_plus,mass_minus,a_pp,"))
        XCTAssertTrue(text.hasSuffix("\n"))
        XCTAssertFalse(text.contains("\r"))
        XCTAssertEqual(text.split(separator: "\n").count, 1 + 2 * 2 * 21)
    }

    func testSweepIsDeterministicAndCountsAddUp() throws {
        let kv: [(String, P)] = [
            ("target", .o([("mu", .a([.d(2.5)]))])), ("d", .a([.i(5), .i(40)])), ("weights", .a([.s("fixed"), .s("trainable")])),
            ("init", .o([("seeds", .o([("from", .i(0)), ("count", .i(3))]))])), ("end_times", .a([.d(2), .d(8)])),
        ]
        let (_, one) = try run("ode-sweep", kv, outs: ["sum.csv", "runs.csv"], parallelism: 1)
        let (_, two) = try run("ode-sweep", kv, outs: ["sum.csv", "runs.csv"], parallelism: 2)
        XCTAssertEqual(one, two)
        let rows = String(decoding: one[0], as: UTF8.self).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 2 * 2 * 2)
        for r in rows {
            let c = r.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertEqual(Int(c[7]), 3)
            XCTAssertEqual(Int(c[8])! + Int(c[9])! + Int(c[10])!, 3)
        }
    }

    func testFixedPointsAndEscapeKinds() throws {
        let (_, fp) = try run("fixed-points", [("mu_start", .d(3.0)), ("step", .d(0.1)), ("fold_tol", .d(1e-7))],
                              outs: ["branch.csv"], parallelism: 1)
        let lines = String(decoding: fp[0], as: UTF8.self).split(separator: "\n")
        XCTAssertTrue(lines[lines.count - 2].hasPrefix("fold,2.2596"), String(lines[lines.count - 2]))
        // The extended system's fold, solved from a continuation step above it, is the same |μ|_c.
        XCTAssertTrue(lines[lines.count - 1].hasPrefix("fold_extended,2.2596"), String(lines[lines.count - 1]))
        let (_, esc) = try run("ode-escape", [
            ("target", .o([("mu", .a([.d(2.0), .d(2.5)]))])), ("d", .i(10)), ("weights", .s("trainable")),
            ("init", .o([("mode", .s("fixed")), ("alpha_plus", .d(1.05)), ("alpha_minus", .d(0.95))])),
            ("event", .o([("limit", .d(1e6))])),
        ], outs: ["escape.csv"], parallelism: 2)
        let rows = String(decoding: esc[0], as: UTF8.self).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        XCTAssertEqual(rows.count, 2)
        let t2 = Double(rows[0][1])!, t25 = Double(rows[1][1])!
        XCTAssertGreaterThan(t25, t2, "escape takes longer at larger separation")
    }

    func testNumericalFailureReportsTimeAndStateAndWritesNothing() throws {
        let kv = Self.replacing(Self.odeBase, ["solver", "max_steps"], with: .i(2))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("theory-stage-\(UUID().uuidString)")
        let info = StageInfo(name: "fail", deps: [], outs: ["traj.csv"])
        let ctx = StageContext(info: info, params: Self.params(kv), root: dir, staging: dir.appendingPathComponent("staging"),
                               parallelism: 2, reporter: { _ in }, cancelled: { false })
        XCTAssertThrowsError(try Self.kind("ode").validateAndRun(ctx)) { error in
            guard let f = error as? StageFailure else { return XCTFail("\(error)") }
            XCTAssertTrue(f.message.contains("t = "), f.message)
            XCTAssertTrue(f.message.contains("q_pp="), f.message)
            XCTAssertTrue(f.message.contains("d = 20, seed = 0"), f.message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("staging/traj.csv").path))
    }
}
