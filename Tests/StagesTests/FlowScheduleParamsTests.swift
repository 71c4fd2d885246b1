import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest
import FlowStages

/// The `flow` kind's `lr` object (a late step-down of the rate) and the
/// `seeds: {from, count}` form: defaults keep today's bits, errors name the key.
final class FlowScheduleParamsTests: XCTestCase {
    let outs = ["artifacts/f/metrics.csv"]

    func params(_ extra: [(String, Value)] = []) -> Value.Object {
        var o = Value.Object([
            ("d", .int(2)), ("target", .object(Value.Object([("mu", .double(3))]))), ("seeds", .array([.int(1), .int(2), .int(3)])),
            ("layers", .int(2)), ("hidden", .array([.int(8)])), ("steps", .int(20)), ("batch", .int(16)),
            ("log_every", .int(2)), ("eval_samples", .int(64)), ("init_scale", .double(3)),
        ])
        for (k, v) in extra { o[k] = v }
        return o
    }

    func lr(_ pairs: [(String, Value)]) -> (String, Value) { ("lr", .object(Value.Object(pairs))) }

    /// The metrics rows (header dropped).
    func metrics(_ p: Value.Object) throws -> [Substring] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowsched-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ctx = StageContext(info: StageInfo(name: "t", deps: [], outs: outs), params: Params(p), root: dir, staging: dir,
                               parallelism: 2, reporter: { _ in }, cancelled: { false })
        try FlowStage().validateAndRun(ctx)
        return String(decoding: try Data(contentsOf: dir.appendingPathComponent(outs[0])), as: UTF8.self).split(separator: "\n").dropFirst().map { $0 }
    }

    func testSeedRangeIsTheSameRunsAsTheList() throws {
        let range = try metrics(params([("seeds", .object(Value.Object([("from", .int(1)), ("count", .int(3))])))]))
        XCTAssertEqual(range, try metrics(params()))
    }

    func testUnitLateFactorKeepsTheConstantRatesBits() throws {
        let unit = try metrics(params([lr([("base", .double(1e-3)), ("late_factor", .double(1)), ("from_step", .int(0))])]))
        XCTAssertEqual(unit, try metrics(params([("lr", .double(1e-3))])))
        XCTAssertEqual(unit, try metrics(params()))
    }

    func testLateStepChangesOnlyTheRowsAfterIt() throws {
        let constant = try metrics(params())
        let late = try metrics(params([lr([("late_factor", .double(0.1)), ("from_step", .int(10))])]))
        // Rows are seed-major, steps 0, 2, …, 20 (11 per seed). The metrics at step s are
        // taken before update s, so rows up to step 10 and the batch loss of step 10 agree.
        for seed in 0..<3 {
            let rows = seed * 11..<(seed + 1) * 11
            for i in rows {
                let step = 2 * (i - rows.lowerBound)
                if step <= 10 { XCTAssertEqual(late[i], constant[i], "seed \(seed + 1), step \(step)") }
                else { XCTAssertNotEqual(late[i], constant[i], "seed \(seed + 1), step \(step)") }
            }
        }
    }

    func testBadScheduleIsRejectedByName() {
        func key(_ extra: (String, Value)) -> String? {
            let p = Params(params([extra]))
            do {
                try FlowStage().validate(p, stage: StageInfo(name: "t", deps: [], outs: outs))
                return p.unreadKeys.first.map { "unread \($0)" }
            } catch let e as ParamError {
                return e.key
            } catch {
                return "other: \(error)"
            }
        }
        XCTAssertNil(key(lr([("base", .double(1e-3)), ("late_factor", .double(0.1)), ("from_step", .int(5))])))
        XCTAssertEqual(key(lr([("late_factor", .double(0)), ("from_step", .int(5))])), "lr.late_factor")
        XCTAssertEqual(key(lr([("from_step", .int(5))])), "lr.late_factor")
        XCTAssertEqual(key(lr([("late_factor", .double(0.1))])), "lr.from_step")
        XCTAssertEqual(key(lr([("late_factor", .double(0.1)), ("from_step", .int(21))])), "lr.from_step")
        XCTAssertEqual(key(lr([("base", .double(-1)), ("late_factor", .double(0.1)), ("from_step", .int(5))])), "lr.base")
        XCTAssertEqual(key(lr([("late_factor", .double(0.1)), ("from_step", .int(5)), ("form_step", .int(5))])), "unread lr.form_step")
    }
}
