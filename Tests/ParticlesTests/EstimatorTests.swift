import Foundation
import XCTest
import Theory
@testable import Particles

/// The Monte-Carlo drift is an unbiased estimate of the exact one
/// (model.md, "Finite-d simulations" vs "The closed low-dimensional system"):
/// averaged over many independent estimates at one state, its overlap
/// derivatives (ȧ_kb = ṁ_k·μ_b, Q̇_kl = ṁ_k·m_l + ṁ_l·m_k, θ̇) match Theory's
/// ODE right-hand side within a few standard errors, in a general setting
/// (asymmetric rank-2 target, ρ ≠ 1/2, s ≠ σp²) and under both temperings.
final class EstimatorTests: XCTestCase {
    func overlapDerivatives(_ sim: ParticleSimulation, t: Double) throws -> [Double] {
        let dr = try sim.drift(t: t, full: true, threads: 1)
        let d = sim.d, nb = sim.blocks.count / 2
        let sumP = sim.blocks[0].epsSum, sumM = sim.blocks[nb].epsSum
        var mdot = ([Double](repeating: 0, count: d), [Double](repeating: 0, count: d))
        for j in 0..<d {
            mdot.0[j] = dr.a.0 * sim.mPlus[j] + dr.b.0 * sim.mMinus[j] + dr.e.0 * sumP[j]
            mdot.1[j] = dr.a.1 * sim.mPlus[j] + dr.b.1 * sim.mMinus[j] + dr.e.1 * sumM[j]
        }
        for j in 0..<sim.geometry.rank { mdot.0[j] += dr.span.0[j]; mdot.1[j] += dr.span.1[j] }
        let g = sim.geometry
        func dotMu(_ v: [Double], _ mu: [Double]) -> Double { (0..<g.rank).reduce(0) { $0 + v[$1] * mu[$1] } }
        func dotM(_ v: [Double], _ m: UnsafeMutablePointer<Double>) -> Double { (0..<d).reduce(0) { $0 + v[$1] * m[$1] } }
        let fpp = dotM(mdot.0, sim.mPlus), fpm = dotM(mdot.0, sim.mMinus)
        let fmp = dotM(mdot.1, sim.mPlus), fmm = dotM(mdot.1, sim.mMinus)
        var out = [dotMu(mdot.0, g.muPlus), dotMu(mdot.0, g.muMinus), dotMu(mdot.1, g.muPlus), dotMu(mdot.1, g.muMinus),
                   2 * fpp, fpm + fmp, 2 * fmm]
        if sim.config.weights.isTrainable { out.append(dr.thetaDot) }
        return out
    }

    func check(_ config: ModelConfig, start: OverlapState, t: Double = 0, estimates: Int = 300) throws {
        let sim = try ParticleSimulation(config: config, settings: ParticleSettings(n: 64, dt: .constant(0.01)), initial: start, seed: 7)
        let samples = try (0..<estimates).map { _ in try overlapDerivatives(sim, t: t) }
        let y = sim.overlaps.vector(trainable: config.weights.isTrainable)
        let exact = OverlapModel(config).derivatives(t, y)
        for i in exact.indices {
            let col = samples.map { $0[i] }
            let se = sd(col) / Double(estimates).squareRoot()
            let z = abs(mean(col) - exact[i]) / se
            XCTAssertLessThan(z, 4.5, "\(OverlapState.names[i]): MC \(mean(col)) ± \(se), exact \(exact[i])")
        }
    }

    let general = Target(muPlus: [2.0, 0.5], muMinus: [-1.5, 0.3], rho: 0.3, sigmaP2: 1.2)

    func start(_ target: Target, d: Int) -> OverlapState {
        InitialCondition.fixed(cPlus: [0.8, -0.4], cMinus: [0.2, 0.6], orthogonal: .absolute(plus: 30, minus: 45, cross: 12), theta: 0.4)
            .state(target: target, d: d)
    }

    func testUnbiasedTrainableGeneralTarget() throws {
        let c = ModelConfig(target: general, s: 0.8, weights: .trainable, d: 100)
        try check(c, start: start(general, d: 100))
    }

    func testUnbiasedFixedWeightSymmetric() throws {
        let tg = Target.symmetric(mu: 2.5)
        let c = ModelConfig(target: tg, weights: .fixed(0.35), d: 200)
        try check(c, start: start(tg, d: 200))
    }

    func testUnbiasedPowerTempering() throws {
        let c = ModelConfig(target: general, s: 1.1, weights: .trainable, tempering: .power(BetaSchedule(beta0: 0.2, tau: 10)), d: 100)
        try check(c, start: start(general, d: 100), t: 3)
    }

    func testUnbiasedVarianceTempering() throws {
        let c = ModelConfig(target: general, weights: .trainable, tempering: .variance(BetaSchedule(beta0: 0.3, tau: 10)), d: 100)
        try check(c, start: start(general, d: 100), t: 4)
    }

    /// The KL estimate of a record agrees with Theory's exact KL at that state.
    func testKLEstimate() throws {
        let c = ModelConfig(target: general, s: 0.9, weights: .trainable, d: 150)
        let recs = try particleRun(c, n: 512, initial: start(general, d: 150), seed: 3, grid: .linear(end: 0.02, points: 3))
        for r in recs {
            XCTAssertLessThan(abs(r.klMC - r.observables.kl), 5 * r.klMCStdErr, "KL MC \(r.klMC) ± \(r.klMCStdErr), exact \(r.observables.kl)")
        }
    }
}
