import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest

/// `ode-sweep` as cells: a start's draw depends on its (d, |μ|) cell and seed
/// only, so one stage over a grid writes exactly the concatenation of one
/// stage per cell (the gather of a matrix), and the starts stay paired across
/// weight modes, tempering schedules and the `ode` / `particles` kinds.
final class SweepCellsTests: XCTestCase, ParamBuilding {
    func run(_ kindName: String, _ kv: [(String, P)], outs: [String], parallelism: Int = 2) throws -> [String] {
        let kind = Self.kind(kindName)
        let info = StageInfo(name: "test-\(kindName)", deps: [], outs: outs)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-cells-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let ctx = StageContext(info: info, params: Self.params(kv), root: dir, staging: dir.appendingPathComponent("staging"),
                               parallelism: parallelism, reporter: { _ in }, cancelled: { false })
        try kind.validateAndRun(ctx)
        return try outs.map { try String(contentsOf: dir.appendingPathComponent("staging").appendingPathComponent($0), encoding: .utf8) }
    }

    /// What the `concat` kind writes: the first CSV whole, the others without their header line.
    func concatenated(_ csvs: [String]) -> String {
        csvs.enumerated().map { i, t in i == 0 ? t : String(t[t.index(after: t.firstIndex(of: "\n")!)...]) }.joined()
    }

    func sweep(weights: [String], mus: [Double], dims: [Int], tempering: [(String, P)]? = nil) -> [(String, P)] {
        var kv: [(String, P)] = [
            ("target", .o([("mu", .a(mus.map { .d($0) }))])), ("d", .a(dims.map { .i($0) })), ("weights", .a(weights.map { .s($0) })),
            ("init", .o([("tau", .d(1)), ("seeds", .o([("from", .i(0)), ("count", .i(4))]))])), ("end_times", .a([.d(3), .d(12)])),
        ]
        if let tempering { kv.append(("tempering", .o(tempering))) }
        return kv
    }

    func testSweepOverAGridIsTheConcatenationOfOneStagePerCell() throws {
        let weights = ["fixed", "trainable"], mus = [2.0, 3.5], dims = [5, 60]
        let whole = try run("ode-sweep", sweep(weights: weights, mus: mus, dims: dims), outs: ["sum.csv", "runs.csv"])
        var cells: [[String]] = []
        // Matrix order weights × mu × d, the last axis fastest.
        for w in weights { for mu in mus { for d in dims {
            cells.append(try run("ode-sweep", sweep(weights: [w], mus: [mu], dims: [d]), outs: ["sum.csv", "runs.csv"], parallelism: 1))
        } } }
        XCTAssertEqual(whole[0], concatenated(cells.map { $0[0] }))
        XCTAssertEqual(whole[1], concatenated(cells.map { $0[1] }))
        XCTAssertEqual(whole[0].split(separator: "\n").count, 1 + 8 * 2)
        XCTAssertEqual(whole[1].split(separator: "\n").count, 1 + 8 * 2 * 4)
    }

    func testTemperedSweepIsTheConcatenationOfOneStagePerSchedule() throws {
        func tempering(_ b0: [Double], _ tau: [Double]) -> [(String, P)] {
            [("mode", .s("variance")), ("beta0", .a(b0.map { .d($0) })), ("tau", .a(tau.map { .d($0) }))]
        }
        let b0s = [0.03, 0.3], taus = [5.0, 20.0]
        let whole = try run("ode-sweep", sweep(weights: ["fixed"], mus: [3.0], dims: [40], tempering: tempering(b0s, taus)), outs: ["sum.csv"])
        var cells: [String] = []
        for b in b0s { for t in taus {
            cells.append(try run("ode-sweep", sweep(weights: ["fixed"], mus: [3.0], dims: [40], tempering: tempering([b], [t])), outs: ["sum.csv"])[0])
        } }
        XCTAssertEqual(whole[0], concatenated(cells))
    }

    /// The `ode` kind's rows at t = 0 as [seed: overlaps a₊₊ … Q₋₋].
    func starts(_ csv: String) -> [String: [String]] {
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let h = lines[0], t = h.firstIndex(of: "t")!, seed = h.firstIndex(of: "seed")!, a = h.firstIndex(of: "a_pp")!
        var out: [String: [String]] = [:]
        for r in lines.dropFirst() where Double(r[t]) == 0 { out[r[seed]] = Array(r[a..<(a + 7)]) }
        return out
    }

    func ode(mu: Double, d: Int, weights: String, tempering: [(String, P)]? = nil, end: Double = 1, points: Int = 2) -> [(String, P)] {
        var kv: [(String, P)] = [
            ("target", .o([("mu", .d(mu))])), ("d", .i(d)), ("weights", .s(weights)),
            ("init", .o([("mode", .s("random")), ("tau", .d(1)), ("seeds", .a([.i(0), .i(1), .i(2)]))])),
            ("time", .o([("grid", .s("linear")), ("end", .d(end)), ("points", .i(points))])),
        ]
        if let tempering { kv.append(("tempering", .o(tempering))) }
        return kv
    }

    func testStartsArePairedWithinACellAndDifferAcrossCells() throws {
        let variance: [(String, P)] = [("mode", .s("variance")), ("beta0", .d(0.03)), ("tau", .d(30))]
        let power: [(String, P)] = [("mode", .s("power")), ("beta0", .d(0.1)), ("tau", .d(10))]
        let fixed = starts(try run("ode", ode(mu: 3, d: 100, weights: "fixed"), outs: ["o.csv"])[0])
        XCTAssertEqual(fixed.count, 3)
        XCTAssertEqual(starts(try run("ode", ode(mu: 3, d: 100, weights: "trainable"), outs: ["o.csv"])[0]), fixed)
        XCTAssertEqual(starts(try run("ode", ode(mu: 3, d: 100, weights: "fixed", tempering: variance), outs: ["o.csv"])[0]), fixed)
        XCTAssertEqual(starts(try run("ode", ode(mu: 3, d: 100, weights: "fixed", tempering: power), outs: ["o.csv"])[0]), fixed)
        for (mu, d) in [(3.0, 101), (2.5, 100)] {
            let other = starts(try run("ode", ode(mu: mu, d: d, weights: "fixed"), outs: ["o.csv"])[0])
            for seed in ["0", "1", "2"] {
                // Every overlap differs: a fresh draw, not the same draw rescaled.
                for (x, y) in zip(fixed[seed]!, other[seed]!) { XCTAssertNotEqual(x, y, "|μ| = \(mu), d = \(d), seed \(seed)") }
            }
        }
    }

    /// A sweep's run of seed k is the `ode` kind's trajectory of seed k, for
    /// both weight modes: the same start in every kind.
    func testSweepRunsStartWhereTheODEKindStarts() throws {
        let runs = try run("ode-sweep", sweep(weights: ["fixed", "trainable"], mus: [2.5], dims: [60]), outs: ["sum.csv", "runs.csv"])[1]
        let lines = runs.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let h = lines[0]
        let (w, t, seed, alpha) = (h.firstIndex(of: "weights")!, h.firstIndex(of: "t_end")!, h.firstIndex(of: "seed")!, h.firstIndex(of: "alpha_plus")!)
        for weights in ["fixed", "trainable"] {
            let traj = try run("ode", ode(mu: 2.5, d: 60, weights: weights, end: 12, points: 5), outs: ["o.csv"])[0]
            let tl = traj.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
            let th = tl[0], tt = th.firstIndex(of: "t")!, ts = th.firstIndex(of: "seed")!, ta = th.firstIndex(of: "alpha_plus")!
            var checked = 0
            for r in lines.dropFirst() where r[w] == weights && Double(r[t]) == 12 && Int(r[seed])! < 3 {
                let o = tl.first { $0[ts] == r[seed] && Double($0[tt]) == 12 }!
                XCTAssertEqual(Double(r[alpha])!, Double(o[ta])!, accuracy: 1e-7, "\(weights), seed \(r[seed])")
                checked += 1
            }
            XCTAssertEqual(checked, 3)
        }
    }

    /// fig7's checks: the `particles` kind starts every seed from the overlaps
    /// the `ode` kind starts it from, under the same tempering.
    func testParticleAndODEChecksOfACellShareTheirStarts() throws {
        let variance: [(String, P)] = [("mode", .s("variance")), ("beta0", .d(0.03)), ("tau", .d(300))]
        let o = starts(try run("ode", ode(mu: 3, d: 200, weights: "fixed", tempering: variance), outs: ["o.csv"])[0])
        let sim = try run("particles", ode(mu: 3, d: 200, weights: "fixed", tempering: variance, end: 0.02, points: 2)
                          + [("particles", .o([("n", .i(8)), ("dt", .d(0.01))]))], outs: ["p.csv", "p-init.csv"])
        let lines = sim[1].split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let seed = lines[0].firstIndex(of: "seed")!, a = lines[0].firstIndex(of: "a_pp")!
        XCTAssertEqual(lines.count, 4)
        for r in lines.dropFirst() {
            let want = o[r[seed]]!.map { Double($0)! }, got = r[a..<(a + 7)].map { Double($0)! }
            for (x, y) in zip(got, want) { XCTAssertEqual(x, y, accuracy: 1e-9 * max(1, abs(y)), "seed \(r[seed])") }
        }
    }
}
