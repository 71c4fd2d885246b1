import Foundation
import XCTest

/// Issue 14's science params that used to exhaust memory or time, through the
/// real binary: `repro status` refuses each at validation at once (exit 65,
/// the estimate and the param to raise in the message), and a stage about to
/// write a non-finite number fails naming the column and row, with nothing
/// written or locked.
final class ScienceBoundsCLITests: XCTestCase {
    static let ode = """
          o:
            kind: ode
            params:
              target: {mu: MU}
              d: 2
              weights: fixed
              init: INIT
              time: TIME
            outs: [out/o.csv]
        """

    func ode(mu: String = "3.0", start: String = "{mode: fixed, m_plus: [1.0], m_minus: [0.5], orth2: [1, 1], orth_cross: 0}",
             time: String = "{grid: linear, end: 10, points: 11}") -> String {
        Self.ode.replacingOccurrences(of: "MU", with: mu).replacingOccurrences(of: "INIT", with: start).replacingOccurrences(of: "TIME", with: time)
    }

    func testOversizedScienceParamsAreRefusedAtValidation() throws {
        let cases: [(String, String, [String])] = [
            ("ode time.points 1e9", ode(time: "{grid: linear, end: 10, points: 1000000000}"), ["time.points", "would allocate", "1e9 time points"]),
            ("ode seeds 1e12", ode(start: "{mode: random, tau: 1, seeds: {from: 0, count: 1000000000000}}"), ["init.seeds.count", "8.0 TB", "1e12 seeds"]),
            ("ode-sweep seeds 1e12", """
                  s:
                    kind: ode-sweep
                    params:
                      target: {mu: [2.5]}
                      d: [10]
                      weights: [fixed]
                      init: {tau: 1, seeds: {from: 0, count: 1000000000000}}
                      end_times: [10]
                    outs: [out/s.csv]
                """, ["init.seeds.count", "1e12 seeds"]),
            ("flow batch 1e9", """
                  f:
                    kind: flow
                    params: {d: 2, target: {mu: 3}, seeds: [1], batch: 1000000000}
                    outs: [out/f-metrics.csv]
                """, ["batch", "would allocate"]),
            ("flow grid 1e6", """
                  f:
                    kind: flow
                    params: {d: 2, target: {mu: 3}, seeds: [1], snapshots: [0], grid: {lo: -6, hi: 6, n: 1000000}}
                    outs: [out/f-metrics.csv, out/f-density.csv]
                """, ["grid", "would allocate"]),
            ("fixed-points step 1e-9", """
                  b:
                    kind: fixed-points
                    params: {mu_start: 4.0, step: 1.0e-9, fold_tol: 1.0e-12}
                    outs: [out/b.csv]
                """, ["step", "would allocate"]),
        ]
        for (label, stage, mentions) in cases {
            let s = try Scratch(["pipeline.yaml": "stages:\n" + stage])
            let start = Date()
            let r = try s.repro("status")
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, label)
            XCTAssertEqual(r.status, 65, "\(label): \(r.all)")
            XCTAssertTrue(r.stderr.contains("pipeline.yaml:"), "\(label): \(r.stderr)")
            for m in mentions + ["at most 2.0 GB per stage", "max_memory_gb"] {
                XCTAssertTrue(r.stderr.contains(m), "\(label): '\(m)' missing from \(r.stderr)")
            }
        }
    }

    func testANonFiniteNumberFailsTheStageNamingColumnAndRow() throws {
        let s = try Scratch(["pipeline.yaml": "stages:\n" + ode(mu: "1.0e-300")])
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stdout.contains("column '") && r.stdout.contains("row "), r.stdout)
        XCTAssertTrue(r.stdout.contains("nan") || r.stdout.contains("inf"), r.stdout)
        XCTAssertFalse(s.exists("out/o.csv"))
        XCTAssertFalse(s.exists("repro.lock") && (s.read("repro.lock") ?? "").contains("\"o\""))
    }
}
