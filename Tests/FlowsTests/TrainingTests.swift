import Foundation
import Random
import XCTest
import Flows

final class TrainingTests: XCTestCase {
    /// A single Gaussian N((1, -0.5), 0.5 I) (both mixture means equal) is in the
    /// family (a scale and a shift per coordinate): reverse KL must reach ~0.
    func testSingleGaussianTargetIsLearned() throws {
        let target = GaussianMixtureTarget(muPlus: [1, -0.5], muMinus: [1, -0.5], rho: 0.5, sigma2: 0.5)
        let exp = FlowExperiment(
            architecture: FlowArchitecture(dim: 2, couplingLayers: 2, hidden: [8], lastLayerScale: 0.01),
            target: target,
            training: TrainingConfig(batch: 128, adam: .init(learningRate: 1e-2, decaySteps: 1200)),
            steps: 1200, logEvery: 100, evalCount: 4096, snapshotSteps: [1200],
            grid: Grid2D(lo: -8, hi: 8, count: 161))
        let r = try exp.run(seed: 1)
        XCTAssertGreaterThan(r.log.first!.metrics.kl.mean, 0.5)  // it did start far
        // KL(q ‖ p) = ∫ q log(q/p) by quadrature on a grid (the grid gives ∫q to 1e-12,
        // see FlowTests), independent of the Monte-Carlo estimate.
        let grid = r.snapshots.last!, g = exp.grid!
        let h = (g.hi - g.lo) / Double(g.count - 1)
        var kl = 0.0, mass = 0.0
        for i in 0..<g.count {
            for j in 0..<g.count {
                let lq = grid.logDensity[i * g.count + j]
                var x = [g.coordinate(i), g.coordinate(j)]
                let lp = x.withUnsafeMutableBufferPointer { target.evaluate(UnsafePointer($0.baseAddress!)).logp }
                kl += Foundation.exp(lq) * (lq - lp)
                mass += Foundation.exp(lq)
            }
        }
        kl *= h * h
        mass *= h * h
        let mc = r.log.last!.metrics.kl
        print("single Gaussian: KL = \(kl) (grid; ∫q = \(mass)), MC \(mc.mean) ± \(mc.standardError)")
        XCTAssertEqual(mass, 1, accuracy: 1e-6)
        XCTAssertLessThan(kl, 1e-3)
        XCTAssertEqual(mc.mean, kl, accuracy: 4 * mc.standardError + 1e-4)
    }

    /// Well-separated modes, several seeds: the same bytes whether the seeds run
    /// on one thread or several, and a seed's result does not depend on which
    /// other seeds run.
    func testBimodalRunIsDeterministicAcrossThreadCounts() throws {
        let exp = FlowExperiment(
            architecture: FlowArchitecture(dim: 2, couplingLayers: 4, hidden: [8, 8], lastLayerScale: 3),
            target: .symmetric(dim: 2, mu: 4),
            training: TrainingConfig(batch: 32, adam: .init(learningRate: 1e-3, clipNorm: 100)),
            steps: 30, logEvery: 10, evalCount: 64, snapshotSteps: [0, 30], sampleCount: 8,
            grid: Grid2D(lo: -6, hi: 6, count: 5))
        let one = try exp.runAll(seeds: [3, 4, 5], threads: 1)
        let three = try exp.runAll(seeds: [3, 4, 5], threads: 3)
        let alone = try exp.run(seed: 5)
        func bits(_ r: FlowExperiment.SeedResult) -> [UInt64] {
            var out: [UInt64] = []
            for row in r.log {
                let m = row.metrics
                out += [m.kl.mean, m.kl.standardError, m.massPlus, m.alphaPlus, m.alphaMinus,
                        row.batchLoss?.mean ?? 0].map(\.bitPattern)
            }
            for s in r.snapshots { out += (s.samples + s.logDensity).map(\.bitPattern) }
            return out
        }
        XCTAssertEqual(one.map(bits), three.map(bits))
        XCTAssertEqual(bits(alone), bits(three[2]))
        XCTAssertNotEqual(bits(one[0]), bits(one[1]))
        XCTAssertEqual(one[0].snapshots.map(\.logDensity.count), [25, 25])
    }

    func testNonFiniteLossStopsWithTheStep() {
        // A huge learning rate and a target far out blow the flow up.
        let exp = FlowExperiment(
            architecture: FlowArchitecture(dim: 2, couplingLayers: 2, hidden: [4], lastLayerScale: 1),
            target: .symmetric(dim: 2, mu: 1e200),
            training: TrainingConfig(batch: 8), steps: 5, logEvery: 1, evalCount: 8)
        XCTAssertThrowsError(try exp.run(seed: 1)) { err in
            guard case FlowExperiment.Failure.nonFiniteLoss(_, let step, _) = err else { return XCTFail("\(err)") }
            XCTAssertEqual(step, 0)
        }
    }
}
