import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest
import StageSupport

/// Params that would exhaust memory or time are refused at validation, with
/// the estimate in the message and the param to raise; a run that would write
/// a non-finite number fails naming its column and row.
final class ResourceBoundsTests: XCTestCase, ParamBuilding {
    /// The ParamError validation throws (fails the test if it does not).
    func refusal(_ kindName: String, _ kv: [(String, P)], outs: [String], file: StaticString = #filePath, line: UInt = #line) -> ParamError? {
        let started = Date()
        defer { XCTAssertLessThan(Date().timeIntervalSince(started), 5, "validation must not do the work", file: file, line: line) }
        do {
            _ = try Self.kind(kindName).validate(Self.params(kv), stage: StageInfo(name: "x", deps: [], outs: outs))
            XCTFail("\(kindName): expected a refusal", file: file, line: line)
        } catch let e as ParamError {
            return e
        } catch {
            XCTFail("\(kindName): \(error)", file: file, line: line)
        }
        return nil
    }

    func assertRefused(_ kindName: String, _ kv: [(String, P)], outs: [String], key: String, mentions: [String],
                       file: StaticString = #filePath, line: UInt = #line) {
        guard let e = refusal(kindName, kv, outs: outs, file: file, line: line) else { return }
        XCTAssertEqual(e.key, key, e.message, file: file, line: line)
        for m in mentions + ["would allocate", "at most 2.0 GB per stage", "max_memory_gb"] {
            XCTAssertTrue(e.message.contains(m), "'\(m)' not in: \(e.message)", file: file, line: line)
        }
    }

    static let ode = TheoryStageKindsTests.odeBase

    func testODETimePointsAreBounded() {
        let kv = Self.replacing(Self.ode, ["time"], with: .o([("grid", .s("linear")), ("end", .d(10)), ("points", .i(1_000_000_000))]))
        assertRefused("ode", kv, outs: ["o.csv"], key: "time.points", mentions: ["8.0 GB", "1e9 time points × 8 bytes"])
        // Fewer points, but rows × columns over the budget: the table is refused.
        let rows = Self.replacing(Self.ode, ["time"], with: .o([("grid", .s("linear")), ("end", .d(10)), ("points", .i(20_000_000))]))
        assertRefused("ode", rows, outs: ["o.csv"], key: "time", mentions: ["rows of"])
    }

    func testSeedCountsAreBoundedBeforeTheSeedsExist() {
        let seeds: P = .o([("from", .i(0)), ("count", .i(1_000_000_000_000))])
        let ode = Self.replacing(Self.ode, ["init", "seeds"], with: seeds)
        assertRefused("ode", ode, outs: ["o.csv"], key: "init.seeds.count", mentions: ["8.0 TB for 1e12 seeds × 8 bytes"])
        let sweep: [(String, P)] = [
            ("target", .o([("mu", .a([.d(2.5)]))])), ("d", .a([.i(10)])), ("weights", .a([.s("fixed")])),
            ("init", .o([("tau", .d(1)), ("seeds", seeds)])), ("end_times", .a([.d(10)])),
        ]
        assertRefused("ode-sweep", sweep, outs: ["s.csv"], key: "init.seeds.count", mentions: ["1e12 seeds"])
        // Within the seed budget but not the results': cells × seeds × end times.
        let many = Self.replacing(Self.replacing(sweep, ["init", "seeds"], with: .o([("from", .i(0)), ("count", .i(20_000_000))])),
                                  ["end_times"], with: .a([.d(10), .d(20), .d(30), .d(40), .d(50)]))
        assertRefused("ode-sweep", many, outs: ["s.csv"], key: "init.seeds", mentions: ["final states"])
    }

    func testTheBudgetIsAParam() throws {
        let kv = Self.replacing(Self.ode, ["time"], with: .o([("grid", .s("linear")), ("end", .d(10)), ("points", .i(200_000))]))
        XCTAssertNotNil(refusal("ode", kv + [("max_memory_gb", .d(0.01))], outs: ["o.csv"]))
        XCTAssertNoThrow(try Self.kind("ode").validate(Self.params(kv), stage: StageInfo(name: "x", deps: [], outs: ["o.csv"])))
    }

    func testFlowBatchAndGridAreBounded() {
        let flow = AnnealingStageTests.flow
        assertRefused("flow", Self.replacing(flow, ["batch"], with: .i(1_000_000_000)), outs: ["m-metrics.csv"],
                      key: "batch", mentions: ["1e9 samples per batch"])
        let grid: [(String, P)] = [("snapshots", .a([.i(0), .i(20)])), ("grid", .o([("lo", .d(-5)), ("hi", .d(5)), ("n", .i(1_000_000))]))]
        assertRefused("flow", flow + grid, outs: ["m-metrics.csv", "m-density.csv"], key: "grid.n", mentions: ["rows of 6 columns"])
    }

    func testFixedPointStepIsBounded() {
        let kv: [(String, P)] = [("mu_start", .d(4)), ("step", .d(1e-9)), ("fold_tol", .d(1e-10))]
        assertRefused("fixed-points", kv, outs: ["b.csv"], key: "step", mentions: ["4e9 rows of 10 columns"])
    }

    func testANonFiniteNumberFailsTheStageNamingColumnAndRow() throws {
        // |μ| = 1e-300: the overlaps' scale underflows and the KL is infinite.
        let kv: [(String, P)] = [
            ("target", .o([("mu", .d(1e-300))])), ("d", .i(2)), ("weights", .s("fixed")),
            ("init", .o([("mode", .s("fixed")), ("alpha_plus", .d(1.05)), ("alpha_minus", .d(0.95))])),
            ("time", .o([("grid", .s("linear")), ("end", .d(1)), ("points", .i(3))])),
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bounds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let info = StageInfo(name: "x", deps: [], outs: ["o.csv"])
        let ctx = StageContext(info: info, params: Self.params(kv), root: dir, staging: dir, parallelism: 1,
                               reporter: { _ in }, cancelled: { false })
        XCTAssertThrowsError(try Self.kind("ode").validateAndRun(ctx)) { error in
            let m = "\(error)"
            XCTAssertTrue(error is StageFailure || error is ParamError, m)
            XCTAssertTrue(m.contains("column '") || m.contains("target.mu"), m)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.csv").path), "nothing written")
    }

    func testTheTableWriterRefusesNonFiniteCells() throws {
        var t = CSVTable(schema: [Column("d", .int), Column("seed", .int), Column("kl")])
        t.append(positional: [.int(2), .int(0), .double(1.5)])
        t.append(positional: [.int(2), .int(1), .double(.infinity)])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nonfinite-\(UUID().uuidString).csv")
        XCTAssertThrowsError(try t.write(to: url)) { error in
            let m = "\(error)"
            XCTAssertTrue(m.contains("column 'kl', row 2"), m)
            XCTAssertTrue(m.contains("d = 2, seed = 1"), m)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}
