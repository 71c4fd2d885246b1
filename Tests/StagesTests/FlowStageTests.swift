import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest
import FlowStages

/// The `flow` stage kind: params checked, outputs byte-identical for any
/// parallelism, nothing written when the loss blows up.
final class FlowStageTests: XCTestCase {
    let outs = ["artifacts/f/metrics.csv", "artifacts/f/samples.csv", "artifacts/f/density.csv"]

    func params(_ extra: [(String, Value)] = []) -> Value.Object {
        var o = Value.Object([
            ("d", .int(2)), ("target", .object(Value.Object([("mu", .double(3))]))), ("seeds", .array([.int(1), .int(2), .int(3)])),
            ("layers", .int(2)), ("hidden", .array([.int(8)])), ("steps", .int(20)), ("batch", .int(16)),
            ("log_every", .int(5)), ("eval_samples", .int(64)), ("snapshots", .array([.int(0), .int(20)])),
            ("snapshot_samples", .int(10)), ("init_scale", .double(3)),
            ("grid", .object(Value.Object([("lo", .double(-5)), ("hi", .double(5)), ("n", .int(6))]))),
        ])
        for (k, v) in extra { o[k] = v }
        return o
    }

    func run(_ p: Value.Object, parallelism: Int, outs: [String]? = nil, staging: URL? = nil) throws -> (URL, [String: Data]) {
        let staging = staging ?? FileManager.default.temporaryDirectory.appendingPathComponent("flowstage-\(UUID())")
        let info = StageInfo(name: "t", deps: [], outs: outs ?? self.outs)
        let ctx = StageContext(info: info, params: Params(p), root: staging, staging: staging,
                               parallelism: parallelism, reporter: { _ in }, cancelled: { false })
        try FlowStage().validateAndRun(ctx)
        var files: [String: Data] = [:]
        for o in info.outs {
            if let d = FileManager.default.contents(atPath: staging.appendingPathComponent(o).path) { files[o] = d }
        }
        return (staging, files)
    }

    func testOutputsAreIdenticalForAnyParallelism() throws {
        let (dir1, one) = try run(params(), parallelism: 1)
        let (dir2, two) = try run(params(), parallelism: 3)
        defer { try? FileManager.default.removeItem(at: dir1); try? FileManager.default.removeItem(at: dir2) }
        XCTAssertEqual(one.count, 3)
        XCTAssertEqual(one, two)
        let metrics = String(decoding: one[outs[0]]!, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(metrics[0], "seed,step,beta,kl,kl_se,mass_plus,min_mass,alpha_plus,alpha_minus,batch_loss,batch_loss_se")
        XCTAssertEqual(metrics.count, 1 + 3 * 5)  // steps 0, 5, 10, 15, 20 for 3 seeds
        XCTAssertTrue(metrics.last!.hasSuffix(",,"))  // no batch at the last step
        let density = String(decoding: one[outs[2]]!, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(density.count, 1 + 3 * 2 * 36)
        let samples = String(decoding: one[outs[1]]!, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(samples.count, 1 + 3 * 2 * 10)
    }

    func testBadParamsAreRejectedByName() {
        let info = StageInfo(name: "t", deps: [], outs: outs)
        func key(_ extra: [(String, Value)], outs: [String]? = nil) -> String? {
            do {
                try FlowStage().validate(Params(params(extra)), stage: StageInfo(name: "t", deps: [], outs: outs ?? info.outs))
                return nil
            } catch let e as ParamError {
                return e.key
            } catch {
                return "other: \(error)"
            }
        }
        XCTAssertNil(key([]))
        XCTAssertEqual(key([("layers", .int(0))]), "layers")
        XCTAssertEqual(key([("hidden", .array([.int(8), .int(0)]))]), "hidden")
        XCTAssertEqual(key([("lr", .double(0))]), "lr")
        XCTAssertEqual(key([("lr", .double(-1e-3))]), "lr")
        XCTAssertEqual(key([("batch", .int(0))]), "batch")
        XCTAssertEqual(key([("snapshots", .array([.int(0), .int(21)]))]), "snapshots")
        XCTAssertEqual(key([("d", .int(3))]), "grid")
        XCTAssertEqual(key([("activation", .string("sigmoid"))]), "activation")
        XCTAssertEqual(key([("precision", .string("half"))]), "precision")
        XCTAssertNil(key([("precision", .string("single"))]))
        XCTAssertEqual(key([("seeds", .array([]))]), "seeds")
        XCTAssertEqual(key([], outs: ["artifacts/f/metrics.csv", "artifacts/f/density.csv"]), "snapshot_samples")
        XCTAssertEqual(key([], outs: ["a.csv"] + outs), "outs")
        // Every key is read: nothing is left for the engine to call unknown.
        let p = Params(params([("clip_norm", .double(10)), ("lr_decay", .string("linear"))]))
        XCTAssertNoThrow(try FlowStage().validate(p, stage: info))
        XCTAssertEqual(p.unreadKeys, [])
        let typo = Params(params([("learning_rate", .double(1))]))
        try? FlowStage().validate(typo, stage: info)
        XCTAssertEqual(typo.unreadKeys, ["learning_rate"])
    }

    /// precision: single is its own computation (other bytes than double), and
    /// like double the same bytes for any parallelism.
    func testSinglePrecisionOutputsDifferFromDoubleAndAreIdenticalForAnyParallelism() throws {
        let single = params([("precision", .string("single"))])
        let (dir1, one) = try run(single, parallelism: 1)
        let (dir2, two) = try run(single, parallelism: 3)
        let (dir3, double) = try run(params([("precision", .string("double"))]), parallelism: 2)
        let (dir4, unset) = try run(params(), parallelism: 2)
        defer { for d in [dir1, dir2, dir3, dir4] { try? FileManager.default.removeItem(at: d) } }
        XCTAssertEqual(one.count, 3)
        XCTAssertEqual(one, two)
        XCTAssertEqual(double, unset, "double is the default")
        XCTAssertNotEqual(one[outs[0]], double[outs[0]])
    }

    func testNonFiniteLossFailsWithTheStepAndWritesNothing() throws {
        // A learning rate of 1e300 blows the flow up with its first update.
        let p = params([("lr", .double(1e300))])
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("flowstage-\(UUID())")
        XCTAssertThrowsError(try run(p, parallelism: 2, staging: staging)) { err in
            guard let f = err as? StageFailure else { return XCTFail("\(err)") }
            XCTAssertTrue(f.message.contains("seed 1: the loss became"), f.message)
            XCTAssertFalse(f.message.contains("at step 0"), f.message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging.appendingPathComponent(outs[0]).path))
    }
}
