import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest

/// Annealing in the stage kinds (`ode`, `ode-sweep`, `particles`, `flow`):
/// with β ≡ 1 (beta0 = 1) every tempered code path gives the same bytes as
/// the untempered one, for every mode and shape; β₀ < 1 changes them; the
/// schedule params are checked by name before any work.
final class AnnealingStageTests: XCTestCase, ParamBuilding {
    static let shapes = ["linear", "exponential", "geometric", "constant"]

    func run(_ kindName: String, _ kv: [(String, P)], outs: [String]) throws -> [Data] {
        let kind = Self.kind(kindName)
        let info = StageInfo(name: "test-\(kindName)", deps: [], outs: outs)
        let p = Self.params(kv)
        try kind.validate(p, stage: info)
        XCTAssertEqual(p.unreadKeys, [], "validate must read every key")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anneal-stage-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let staging = dir.appendingPathComponent("staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let ctx = StageContext(info: info, params: Self.params(kv), root: dir, staging: staging,
                               parallelism: 2, reporter: { _ in }, cancelled: { false })
        try kind.validateAndRun(ctx)
        return try outs.map { try Data(contentsOf: staging.appendingPathComponent($0)) }
    }

    static func tempering(_ mode: String, beta0: Double, tau: Double = 3, shape: String?) -> P {
        .o([("mode", .s(mode)), ("beta0", .d(beta0)), ("tau", .d(tau))] + (shape.map { [("shape", .s($0))] } ?? []))
    }

    func paramErrorKey(_ kindName: String, _ kv: [(String, P)], outs: [String]) -> String? {
        do {
            try Self.kind(kindName).validate(Self.params(kv), stage: StageInfo(name: "x", deps: [], outs: outs))
            return nil
        } catch let e as ParamError {
            XCTAssertFalse(e.message.isEmpty)
            return e.key
        } catch { return "other: \(error)" }
    }

    // MARK: ode

    static let ode: [(String, P)] = [
        ("target", .o([("mu", .d(2.5)), ("rho", .d(0.45))])),
        ("d", .a([.i(20), .i(300)])),
        ("weights", .s("trainable")),
        ("init", .o([("mode", .s("random")), ("tau", .d(1.0)), ("seeds", .a([.i(0), .i(3)]))])),
        ("time", .o([("grid", .s("linear")), ("end", .d(8.0)), ("points", .i(17))])),
    ]

    func testODEWithBetaOneIsByteIdentical() throws {
        let plain = try run("ode", Self.ode, outs: ["o.csv"])[0]
        XCTAssertEqual(String(decoding: plain, as: UTF8.self).split(separator: "\n").count, 1 + 2 * 2 * 17)
        for mode in ["power", "variance"] {
            for shape in Self.shapes + [nil] as [String?] {
                let kv = Self.ode + [("tempering", Self.tempering(mode, beta0: 1, shape: shape))]
                XCTAssertEqual(try run("ode", kv, outs: ["o.csv"])[0], plain, "\(mode) \(shape ?? "default")")
            }
            // β₀ < 1 changes the run (the tempering is applied).
            let hot = Self.ode + [("tempering", Self.tempering(mode, beta0: 0.2, shape: "geometric"))]
            XCTAssertNotEqual(try run("ode", hot, outs: ["o.csv"])[0], plain, mode)
        }
    }

    func testScheduleParamsAreCheckedByName() {
        func key(_ t: P) -> String? { paramErrorKey("ode", Self.ode + [("tempering", t)], outs: ["o.csv"]) }
        XCTAssertNil(key(Self.tempering("power", beta0: 0.1, shape: "exponential")))
        XCTAssertEqual(key(Self.tempering("power", beta0: 0, shape: nil)), "tempering.beta0")
        XCTAssertEqual(key(Self.tempering("power", beta0: 1.5, shape: nil)), "tempering.beta0")
        XCTAssertEqual(key(Self.tempering("variance", beta0: 0.5, tau: 0, shape: nil)), "tempering.tau")
        XCTAssertEqual(key(Self.tempering("variance", beta0: 0.5, tau: -2, shape: nil)), "tempering.tau")
        XCTAssertEqual(key(Self.tempering("power", beta0: 0.5, shape: "cosine")), "tempering.shape")
        XCTAssertEqual(key(Self.tempering("hot", beta0: 0.5, shape: nil)), "tempering.mode")
        // Particles share the vocabulary.
        let particles = ParticlesStageTests.base + [("tempering", Self.tempering("power", beta0: 0.5, shape: "sigmoid"))]
        XCTAssertEqual(paramErrorKey("particles", particles, outs: ["p.csv"]), "tempering.shape")
    }

    // MARK: ode-sweep

    static let sweep: [(String, P)] = [
        ("target", .o([("mu", .a([.d(2.5)]))])), ("d", .a([.i(10)])), ("weights", .a([.s("trainable")])),
        ("init", .o([("seeds", .o([("from", .i(0)), ("count", .i(3))]))])), ("end_times", .a([.d(2), .d(6)])),
    ]

    func testSweepShapesAndColumns() throws {
        let plain = String(decoding: try run("ode-sweep", Self.sweep, outs: ["s.csv"])[0], as: UTF8.self)
        XCTAssertTrue(plain.hasPrefix("weights,mu,d,tempering,beta0,tau,t_end,n,"), "untempered sweeps keep their columns")
        let kv = Self.sweep + [("tempering", .o([("mode", .s("power")), ("beta0", .a([.d(0.1), .d(1)])), ("tau", .d(4)),
                                                ("shape", .a(Self.shapes.map { .s($0) }))]))]
        let out = try run("ode-sweep", kv, outs: ["s.csv", "r.csv"])
        let rows = String(decoding: out[0], as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows[0].prefix(8).joined(separator: ","), "weights,mu,d,tempering,beta0,tau,shape,t_end")
        XCTAssertEqual(rows.count, 1 + 2 * 4 * 2)
        XCTAssertEqual(rows.dropFirst().map { String($0[6]) }.prefix(8),
                       ["linear", "linear", "exponential", "exponential", "geometric", "geometric", "constant", "constant"])
        XCTAssertEqual(rows[1][7], "6.0")  // end times count from τ = 4
        // β₀ = 1: every shape gives the same statistics (β ≡ 1).
        let one = rows.dropFirst().filter { $0[4] == "1.0" }.map { $0.dropFirst(7).joined(separator: ",") }
        XCTAssertEqual(one.count, 8)
        XCTAssertEqual(Set(one).count, 2)  // one per end time
        // A single shape may be given as a string; unknown shapes and duplicates are named.
        func key(_ shape: P) -> String? {
            paramErrorKey("ode-sweep", Self.sweep + [("tempering", .o([("mode", .s("variance")), ("beta0", .d(0.3)), ("tau", .a([.d(1), .d(5)])),
                                                                      ("shape", shape)]))], outs: ["s.csv"])
        }
        XCTAssertNil(key(.s("geometric")))
        XCTAssertEqual(key(.a([.s("linear"), .s("cubic")])), "tempering.shape")
        XCTAssertEqual(key(.a([.s("linear"), .s("linear")])), "tempering.shape")
        XCTAssertEqual(key(.a([])), "tempering.shape")
        XCTAssertEqual(paramErrorKey("ode-sweep", Self.sweep + [("tempering", .o([("mode", .s("power")), ("beta0", .a([.d(0.3), .d(0)])),
                                                                                  ("tau", .d(1))]))], outs: ["s.csv"]), "tempering.beta0")
        XCTAssertEqual(paramErrorKey("ode-sweep", Self.sweep + [("tempering", .o([("mode", .s("power")), ("beta0", .d(0.3)),
                                                                                  ("tau", .a([.d(1), .d(0)]))]))], outs: ["s.csv"]), "tempering.tau")
    }

    // MARK: particles

    func testParticlesWithBetaOneIsByteIdentical() throws {
        var base = ParticlesStageTests.base
        base = ParticlesStageTests.replacing(base, ["d"], with: .i(60))
        base = ParticlesStageTests.replacing(base, ["particles", "seeds"], with: .a([.i(0), .i(1)]))
        let plain = try run("particles", base, outs: ["p.csv"])[0]
        for mode in ["power", "variance"] {
            for shape in ["linear", "geometric"] {
                let kv = base + [("tempering", Self.tempering(mode, beta0: 1, tau: 0.2, shape: shape))]
                XCTAssertEqual(try run("particles", kv, outs: ["p.csv"])[0], plain, "\(mode) \(shape)")
            }
            let hot = base + [("tempering", Self.tempering(mode, beta0: 0.3, tau: 0.2, shape: "exponential"))]
            XCTAssertNotEqual(try run("particles", hot, outs: ["p.csv"])[0], plain, mode)
        }
    }

    // MARK: flow

    static let flow: [(String, P)] = [
        ("d", .i(2)), ("target", .o([("mu", .d(3.0))])), ("seeds", .a([.i(1), .i(2)])), ("layers", .i(2)), ("hidden", .a([.i(8)])),
        ("steps", .i(20)), ("batch", .i(16)), ("log_every", .i(5)), ("eval_samples", .i(64)), ("init_scale", .d(3.0)),
    ]

    func testFlowWithBetaOneIsByteIdentical() throws {
        let plain = try run("flow", Self.flow, outs: ["m-metrics.csv"])[0]
        XCTAssertEqual(String(decoding: plain, as: UTF8.self).split(separator: "\n").count, 1 + 2 * 5)
        for mode in ["power", "variance"] {
            for shape in Self.shapes {
                let kv = Self.flow + [("tempering", Self.tempering(mode, beta0: 1, tau: 10, shape: shape))]
                XCTAssertEqual(try run("flow", kv, outs: ["m-metrics.csv"])[0], plain, "\(mode) \(shape)")
            }
            // β₀ < 1: different training, β logged on the schedule (geometric: 0.25^{1 - t/10}).
            let hot = Self.flow + [("tempering", Self.tempering(mode, beta0: 0.25, tau: 10, shape: "geometric"))]
            let data = try run("flow", hot, outs: ["m-metrics.csv"])[0]
            XCTAssertNotEqual(data, plain, mode)
            let rows = String(decoding: data, as: UTF8.self).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
            XCTAssertEqual(rows.prefix(5).map { Double($0[2])! }, [0.25, 0.5, 1, 1, 1].map { $0 }, mode)
        }
    }

    func testFlowTemperingParamsAreCheckedByName() {
        func key(_ extra: [(String, P)]) -> String? { paramErrorKey("flow", Self.flow + extra, outs: ["m-metrics.csv"]) }
        // The ODE kinds' `tempering` group, with tau in training steps (so whole).
        func t(_ mode: String, _ beta0: Double, tau: Double = 5, shape: String? = nil) -> [(String, P)] {
            [("tempering", Self.tempering(mode, beta0: beta0, tau: tau, shape: shape))]
        }
        XCTAssertNil(key(t("variance", 0.1, shape: "exponential")))
        XCTAssertNil(key(t("none", 0.1)))
        XCTAssertEqual(key(t("hot", 0.1)), "tempering.mode")
        XCTAssertEqual(key(t("power", 0.1, shape: "cosine")), "tempering.shape")
        XCTAssertEqual(key(t("power", 0)), "tempering.beta0")
        XCTAssertEqual(key(t("power", 1.2)), "tempering.beta0")
        XCTAssertEqual(key(t("power", 0.5, tau: -1)), "tempering.tau")
        XCTAssertEqual(key(t("power", 0.5, tau: 2.5)), "tempering.tau")  // a whole number of steps
        // The old flat keys are unknown now (one vocabulary).
        let old = Self.params(Self.flow + [("beta0", .d(0.5))])
        _ = try? Self.kind("flow").validate(old, stage: StageInfo(name: "x", deps: [], outs: ["m-metrics.csv"]))
        XCTAssertEqual(old.unreadKeys, ["beta0"])
    }
}
