import Foundation
import XCTest

/// Ctrl-C stops every long science loop within a second (sweeps, fixed-point
/// continuation, flows, particles): the real binary, one long stage each,
/// interrupted once it is under way.
final class ScienceCancellationTests: XCTestCase {
    static let stages: [(name: String, yaml: String)] = [
        ("sweep", """
              sweep:
                kind: ode-sweep
                params:
                  target: {mu: [3.0]}
                  d: [1000]
                  weights: [fixed, trainable]
                  init: {tau: 1, seeds: {from: 0, count: 200000}}
                  end_times: [1600]
                outs: [out/sweep.csv]
            """),
        ("branch", """
              branch:
                kind: fixed-points
                params: {mu_start: 4.0, step: 1.0e-5, fold_tol: 1.0e-12}
                outs: [out/branch.csv]
            """),
        ("flow", """
              flow:
                kind: flow
                params:
                  d: 8
                  target: {mu: 4}
                  seeds: [1, 2]
                  steps: 1000000
                  log_every: 1000
                  # Small batches: the loop checks for Ctrl-C after every step, and on a CPU without
                  # AVX-512 a debug build's step at the default sizes (its generic portable kernels
                  # unspecialized) takes seconds, which would time the step, not the cancellation.
                  batch: 32
                  eval_samples: 64
                outs: [out/flow-metrics.csv]
            """),
        ("particles", """
              particles:
                kind: particles
                params:
                  target: {mu: 2.0}
                  d: 1000
                  weights: fixed
                  init: {mode: fixed, m_plus: [1.0], m_minus: [0.5], orth2: [999, 999], orth_cross: 0}
                  time: {grid: linear, end: 10000, points: 21}
                  particles: {n: 256, dt: 0.01, seeds: [0, 1]}
                outs: [out/particles.csv]
            """),
    ]

    func testCtrlCStopsEachLongScienceStageWithinASecond() throws {
        for (name, yaml) in Self.stages {
            let s = try Scratch(["pipeline.yaml": "stages:\n" + yaml])
            let status = try s.repro("status")
            XCTAssertEqual(status.status, 2, "\(name) must validate: \(status.all)")
            let bg = try FaultTests.Background(["all", "-j", "2"], in: s.root)
            // Under way: the stage has started and is past its set-up.
            XCTAssertTrue(s.wait(timeout: 30) { bg.stdout.contains("run      \(name)") }, "\(name): \(bg.stdout)\(bg.stderr)")
            usleep(1_500_000)
            XCTAssertNil(bg.process.isRunning ? nil : bg.process.terminationStatus, "\(name) ended before the interrupt: \(bg.stdout)")
            let start = Date()
            bg.signal(SIGINT)
            let code = bg.exit(within: 10)
            let elapsed = Date().timeIntervalSince(start)
            XCTAssertEqual(code, 130, "\(name): \(bg.stdout)\(bg.stderr)")
            XCTAssertLessThan(elapsed, 1.5, "\(name) took \(elapsed) s to stop")
            XCTAssertFalse(s.exists("out/\(name).csv") || s.exists("out/\(name)-metrics.csv"), name)
            XCTAssertFalse(s.exists("repro.lock") && (s.read("repro.lock") ?? "").contains("\"\(name)\""), name)
        }
    }
}
