import Foundation
import XCTest
import Theory
@testable import Particles

final class SimulationTests: XCTestCase {
    /// The simulation starts from vectors with exactly the requested overlaps
    /// (fixed starts, random starts from both samplers, rank-1 and rank-2 targets).
    func testInitialVectorsRealiseTheOverlaps() throws {
        let targets = [Target.symmetric(mu: 2), Target(muPlus: [2, 0.5], muMinus: [-1.5, 0.3], rho: 0.3)]
        for tg in targets {
            for d in [2, 3, 10, 1000] {
                let ics: [InitialCondition] = [
                    .fixed(cPlus: [1, 0], cMinus: [0.5, 0], orthogonal: .absolute(plus: Double(d - 1), minus: Double(d - 1), cross: 0), theta: 0),
                    .fixed(cPlus: [1, 0.2], cMinus: [-0.5, 0.1], orthogonal: .chiSigma(plus: 1, minus: -1), theta: 0.3),
                    .random(tau: 1, theta: 0, sampler: .exact, seed: 5),
                    .random(tau: 1.5, theta: -1, sampler: .vectors, seed: 6),
                ]
                for ic in ics {
                    if d - tg.rank < 2, case .fixed = ic { continue }  // two orthogonal parts need two directions
                    let want = ic.state(target: tg, d: d)
                    let sim = try ParticleSimulation(config: ModelConfig(target: tg, weights: .trainable, d: d),
                                                     settings: ParticleSettings(n: 4, dt: .constant(0.01)), initial: want, seed: 0)
                    let got = sim.overlaps.vector(trainable: true), w = want.vector(trainable: true)
                    for i in w.indices {
                        XCTAssertEqual(got[i], w[i], accuracy: 1e-12 * max(1, abs(w[i]), want.qPP, want.qMM), "\(ic) d=\(d) \(OverlapState.names[i])")
                    }
                }
            }
        }
    }

    func records(threads: Int, seed: UInt64 = 2, n: Int = 100) throws -> [[Double]] {
        let tg = Target.symmetric(mu: 2)
        let c = ModelConfig(target: tg, s: 0.9, weights: .trainable, tempering: .variance(BetaSchedule(beta0: 0.5, tau: 1)), d: 300)
        return try particleRun(c, n: n, dt: StepSize(early: 1e-3, until: 0.05, late: 1e-2), initial: fig3Start(tg, d: 300),
                               seed: seed, grid: .logarithmic(first: 0.01, end: 0.5, points: 6), threads: threads)
            .map { $0.state.vector(trainable: true) + $0.observables.values + [$0.klMC, $0.klMCStdErr] }
    }

    /// Same bits for any thread count (n = 100: four blocks per component, the last short).
    func testThreadCountDoesNotChangeBits() throws {
        let one = try records(threads: 1), two = try records(threads: 2), three = try records(threads: 3)
        XCTAssertEqual(one.map { $0.map(\.bitPattern) }, two.map { $0.map(\.bitPattern) })
        XCTAssertEqual(one.map { $0.map(\.bitPattern) }, three.map { $0.map(\.bitPattern) })
        XCTAssertNotEqual(try records(threads: 1, seed: 3).map { $0.map(\.bitPattern) }, one.map { $0.map(\.bitPattern) })
    }

    /// A record at time t does not depend on the grid beyond t (the last
    /// record's estimate draws the same numbers the next step would).
    func testPrefixOfALongerRun() throws {
        let tg = Target.symmetric(mu: 2)
        let c = ModelConfig(target: tg, weights: .trainable, d: 50)
        let short = try particleRun(c, n: 40, initial: fig3Start(tg, d: 50), seed: 1, grid: .linear(end: 0.5, points: 6))
        let long = try particleRun(c, n: 40, initial: fig3Start(tg, d: 50), seed: 1, grid: .linear(end: 1, points: 11))
        for (a, b) in zip(short, long) {
            XCTAssertEqual(a.t, b.t)
            XCTAssertEqual(a.state, b.state)
            XCTAssertEqual(a.klMC.bitPattern, b.klMC.bitPattern)
        }
    }

    func testStepPlanLandsOnTheGrid() {
        let grid = TimeGrid(times: [0, 0.5, 1.25, 5, 5.013])
        let plan = StepPlan(grid: grid, dt: StepSize(early: 1e-3, until: 1, late: 1e-2))
        XCTAssertEqual(plan.pieces[0].map(\.steps), [500])
        XCTAssertEqual(plan.pieces[1].map(\.steps), [500, 25])
        XCTAssertEqual(plan.pieces[2].map(\.steps), [375])
        XCTAssertEqual(plan.pieces[3].map(\.steps), [2])  // 0.013 in two steps of 0.0065 ≤ dt
        XCTAssertEqual(plan.totalSteps, 500 + 525 + 375 + 2)
        XCTAssertEqual(StepPlan.countSteps(grid: grid, dt: StepSize(early: 1e-3, until: 1, late: 1e-2)), 1402)
    }

    /// Overflow fails with the step and time, not with garbage.
    func testBlowUpReportsStepAndTime() throws {
        let tg = Target.symmetric(mu: 2)
        let c = ModelConfig(target: tg, s: 1, weights: .fixed(0.5), d: 20)
        do {
            _ = try particleRun(c, n: 8, dt: .constant(1e3), initial: fig2Start(tg, d: 20), seed: 1, grid: .linear(end: 1e6, points: 2))
            XCTFail("expected a failure")
        } catch let e as ParticleFailure {
            XCTAssertGreaterThan(e.step, 0)
            XCTAssertEqual(e.t, Double(e.step) * 1e3, accuracy: 1e-6)
            print(e)
        }
    }
}
