import Foundation
import GSL
import Random
import XCTest
@testable import Theory

final class DynamicsTests: XCTestCase {
    /// model.md test 3: the overlap ODE against the d = 50 vector flow on the
    /// same exact expectations, t ∈ [0, 50]: the reduction is exact.
    func testOverlapODEMatchesVectorFlowInD50() throws {
        let d = 50
        let target = Target(muPlus: [2.0, 0.5], muMinus: [-1.5, 0.3], rho: 0.45, sigmaP2: 1.1)
        let config = ModelConfig(target: target, s: 0.9, weights: .trainable, d: d)
        let flow = VectorFlow(config)
        var rng = Xoshiro256(seed: 5, stream: "vector-flow-test")
        var y0 = (0..<(2 * d)).map { _ in rng.nextNormal() } + [0.3]
        y0[0] += 1.0
        let tol = ODETolerances(absolute: 1e-13, relative: 1e-12)
        let vsys = ODESystem(dimension: flow.dimension) { t, y, f in
            let out = flow.derivatives(t, Array(y))
            for i in out.indices { f[i] = out[i] }
            return true
        }
        let vdriver = try ODEDriver(system: vsys, stepper: .rk8pd, tolerances: tol)
        let model = OverlapModel(config)
        let osys = ODESystem(dimension: 8) { t, y, f in model.derivatives(t, y, f) }
        let odriver = try ODEDriver(system: osys, stepper: .rk8pd, tolerances: tol)
        var tv = 0.0, to = 0.0, yv = y0, yo = flow.overlaps(y0)
        var worst = 0.0
        for t1 in [1.0, 5, 10, 25, 50] {
            try vdriver.advance(t: &tv, to: t1, y: &yv)
            try odriver.advance(t: &to, to: t1, y: &yo)
            let ov = flow.overlaps(yv)
            for i in 0..<8 {
                let err = abs(ov[i] - yo[i]) / max(1, abs(yo[i]))
                worst = max(worst, err)
                XCTAssertLessThan(err, 1e-8, "\(OverlapState.names[i]) at t = \(t1): vector \(ov[i]) vs ODE \(yo[i])")
            }
        }
        print("overlap ODE vs vector flow (d = 50, t ≤ 50): max relative difference \(worst)")
    }

    /// The global minimum m± = μ±, w = ρ (s = σp²) is a fixed point with KL = 0.
    func testGlobalMinimumIsAFixedPointWithZeroKL() {
        let targets = [Target.symmetric(mu: 2.5), Target(muPlus: [1.5, 0.4], muMinus: [-1.0, 0.8], rho: 0.3, sigmaP2: 1.3)]
        for target in targets {
            let rho = target.rho
            let y = OverlapState(target: target, cPlus: target.muPlus, cMinus: target.muMinus, uPP: 0, uPM: 0, uMM: 0,
                                 theta: log(rho / (1 - rho)))
            for weights in [WeightMode.fixed(rho), .trainable] {
                let model = OverlapModel(ModelConfig(target: target, s: target.sigmaP2, weights: weights, d: 7))
                let v = y.vector(trainable: weights.isTrainable)
                for (i, f) in model.derivatives(0, v).enumerated() {
                    XCTAssertEqual(f, 0, accuracy: 1e-12, "component \(i) of the flow at the global minimum")
                }
                XCTAssertEqual(model.observables(v).kl, 0, accuracy: 1e-12)
                XCTAssertEqual(model.observables(v).massPlus, rho, accuracy: 1e-12)
            }
        }
    }

    /// Gradient flow: the KL never increases along a trajectory.
    func testKLNeverIncreases() throws {
        let target = Target.symmetric(mu: 2.5)
        for weights in [WeightMode.fixed(0.5), .trainable] {
            let model = OverlapModel(ModelConfig(target: target, weights: weights, d: 200))
            let y0 = InitialCondition.random(tau: 1, theta: 0, sampler: .exact, seed: 3).state(target: target, d: 200)
                .vector(trainable: weights.isTrainable)
            let integ = try OverlapIntegrator(model: model, settings: SolverSettings(relative: 1e-10, absolute: 1e-12))
            var kls: [Double] = []
            try integ.integrate(y0, grid: .logarithmic(first: 1e-3, end: 200, points: 60)) { _, y in
                kls.append(model.observables(y).kl)
            }
            for i in 1..<kls.count {
                XCTAssertLessThanOrEqual(kls[i], kls[i - 1] + 1e-9 * max(1, abs(kls[i - 1])), "\(weights): KL rose at step \(i)")
            }
            XCTAssertLessThan(kls.last!, kls.first! - 10, "\(weights): the KL should fall a lot from a random start")
        }
    }

    /// Fixed weights, both means started near +μ on the axis: at a large
    /// separation they stay collapsed; at a small one a mean escapes to -μ.
    func testFixedWeightsCollapseAtLargeSeparationOnly() throws {
        func finalAlphas(mu: Double) throws -> Observables {
            let target = Target.symmetric(mu: mu)
            let model = OverlapModel(ModelConfig(target: target, weights: .fixed(0.5), d: 10))
            let y0 = InitialCondition.fixed(cPlus: [1.05 * mu, 0], cMinus: [0.95 * mu, 0],
                                            orthogonal: .absolute(plus: 0, minus: 0, cross: 0), theta: 0)
                .state(target: target, d: 10).vector(trainable: false)
            let integ = try OverlapIntegrator(model: model, settings: SolverSettings())
            return model.observables(try integ.finalState(y0, end: 400))
        }
        let far = try finalAlphas(mu: 3.5)
        XCTAssertGreaterThan(far.alphaPlus, 0.8)
        XCTAssertGreaterThan(far.alphaMinus, 0.8)
        XCTAssertLessThan(min(far.massPlus, far.massMinus), 0.1)
        let near = try finalAlphas(mu: 1.5)
        XCTAssertLessThan(min(near.alphaPlus, near.alphaMinus), -0.8, "one mean should escape to -μ")
        XCTAssertGreaterThan(min(near.massPlus, near.massMinus), 0.4)
    }

    /// Stepper consistency on a stiff high-d case (d = 5000, random start,
    /// trainable weight): rk8pd, rkf45 and msbdf agree within tolerances.
    func testSteppersAgreeOnStiffHighDimensionalCase() throws {
        let target = Target.symmetric(mu: 2.5)
        let model = OverlapModel(ModelConfig(target: target, weights: .trainable, d: 5000))
        let y0 = InitialCondition.random(tau: 1, theta: 0, sampler: .exact, seed: 11).state(target: target, d: 5000)
            .vector(trainable: true)
        var finals: [ODEStepper: Observables] = [:]
        for stepper in [ODEStepper.rk8pd, .rkf45, .msbdf] {
            let integ = try OverlapIntegrator(model: model, settings: SolverSettings(stepper: stepper, relative: 1e-9, absolute: 1e-11))
            finals[stepper] = model.observables(try integ.finalState(y0, end: 400))
        }
        let ref = finals[.rk8pd]!
        for stepper in [ODEStepper.rkf45, .msbdf] {
            let o = finals[stepper]!
            for (a, b) in zip(o.values, ref.values) {
                XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b)), "\(stepper) vs rk8pd")
            }
        }
    }

    /// Tempering hook: β ≡ 1 changes nothing; power tempering is linear in β
    /// (target terms × β, responsibilities unchanged), so f(½) = (f(1) + f(0))/2.
    func testTemperingHook() {
        let target = Target.symmetric(mu: 2)
        let y = InitialCondition.random(tau: 1, theta: 0.2, sampler: .exact, seed: 1).state(target: target, d: 30).vector(trainable: true)
        func f(_ tempering: Tempering) -> [Double] {
            OverlapModel(ModelConfig(target: target, weights: .trainable, tempering: tempering, d: 30)).derivatives(0, y)
        }
        let base = f(.none)
        XCTAssertEqual(f(.variance(.constant)), base)
        XCTAssertEqual(f(.power(.constant)), base)
        let zero = f(.power(BetaSchedule(beta0: 1e-300, tau: 1e300)))
        let half = f(.power(BetaSchedule(beta0: 0.5, tau: 1e300)))
        for i in base.indices { XCTAssertEqual(half[i], 0.5 * (base[i] + zero[i]), accuracy: 1e-12 * max(1, abs(base[i]))) }
        // Variance tempering at β = ½ is the untempered flow with σp² doubled.
        let wide = Target(muPlus: target.muPlus, muMinus: target.muMinus, rho: 0.5, sigmaP2: 2)
        // (Equal up to the target-side interpolant, which only the untempered
        // model uses: within 1e-11 of the direct rules.)
        let doubled = OverlapModel(ModelConfig(target: wide, weights: .trainable, d: 30)).derivatives(0, y)
        let tempered = f(.variance(BetaSchedule(beta0: 0.5, tau: 1e300)))
        for i in doubled.indices { XCTAssertEqual(tempered[i], doubled[i], accuracy: 1e-10 * max(1, abs(doubled[i]))) }
    }
}

final class EventTests: XCTestCase {
    /// The escape time (first t with min mode mass > 0.1) is bracketed to the
    /// stated tolerance and agrees with a dense scan of a tight trajectory.
    func testEscapeTimeLocatedToTolerance() throws {
        let target = Target.symmetric(mu: 2.0)
        let model = OverlapModel(ModelConfig(target: target, weights: .trainable, d: 10))
        let y0 = InitialCondition.fixed(cPlus: [2.1, 0], cMinus: [1.6, 0], orthogonal: .absolute(plus: 0, minus: 0, cross: 0), theta: 0)
            .state(target: target, d: 10).vector(trainable: true)
        let condition = { (_: Double, y: [Double]) -> Bool in
            let o = model.observables(y)
            return min(o.massPlus, o.massMinus) > 0.1
        }
        let integ = try OverlapIntegrator(model: model, settings: SolverSettings(relative: 1e-11, absolute: 1e-13))
        XCTAssertFalse(condition(0, y0))
        let ev = try XCTUnwrap(try integ.firstTime(from: y0, limit: 1e5, absTol: 1e-7, relTol: 1e-12, condition))
        XCTAssertLessThanOrEqual(ev.bracket, 1e-7)
        XCTAssertTrue(condition(ev.t, ev.state))
        // Dense scan: the crossing between two grid points, by linear interpolation of the mass.
        print("escape at t = \(ev.t) ± \(ev.bracket)")
        let scan = try OverlapIntegrator(model: model, settings: SolverSettings(stepper: .rk8pd, relative: 1e-11, absolute: 1e-13))
        var prev: (Double, Double)? = nil, crossing: Double? = nil
        let grid = TimeGrid.linear(end: ev.t * 1.01, points: 401)
        try scan.integrate(y0, grid: grid) { k, y in
            let o = model.observables(y), m = min(o.massPlus, o.massMinus), t = grid.times[k]
            if crossing == nil, let (tp, mp) = prev, mp <= 0.1, m > 0.1 { crossing = tp + (0.1 - mp) / (m - mp) * (t - tp) }
            prev = (t, m)
        }
        let c = try XCTUnwrap(crossing)
        XCTAssertEqual(ev.t, c, accuracy: 1e-3 * c)  // linear interpolation on the scan grid
        // No event before the limit: nil.
        XCTAssertNil(try integ.firstTime(from: y0, limit: ev.t * 0.5, condition))
    }
}
