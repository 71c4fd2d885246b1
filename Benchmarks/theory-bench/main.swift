// Release benchmark of the Theory module: `swift build -c release --product theory-bench`.
import Foundation
import GSL
import Theory

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

let target = Target.symmetric(mu: 2.5)
for stepper in [ODEStepper.msbdf, .rk8pd, .rkf45, .rkck] {
    let model = OverlapModel(ModelConfig(target: target, weights: .trainable, d: 1000))
    let integ = try OverlapIntegrator(model: model, settings: SolverSettings(stepper: stepper, relative: 1e-8, absolute: 1e-10))
    var times: [Double] = []
    var last = [Double]()
    for seed in 0..<20 {
        let y0 = InitialCondition.random(tau: 1, theta: 0, sampler: .exact, seed: UInt64(seed)).state(target: target, d: 1000).vector(trainable: true)
        let t0 = now()
        last = try integ.finalState(y0, end: 400)
        times.append(now() - t0)
    }
    let evals = Double(integ.rhsEvaluations) / 20, steps = Double(integ.steps) / 20
    print(stepper, "jac:", Double(integ.jacobianEvaluations) / 20, "ms/trajectory:", times.sorted()[10] * 1e3, "evals:", evals, "steps:", steps, "obs:", model.observables(last).values)
}

let gi = GaussianIntegrals.shared
var acc = 0.0
var t0 = now()
for i in 0..<1_000_000 { acc += gi.all(Double(i % 100) * 0.1 - 5, 5).softplus }
print("all(M,5): ns/call", (now() - t0) * 1e3, acc)
t0 = now()
for i in 0..<1_000_000 { acc += gi.sigma(Double(i % 100) * 0.1 - 5, 5) }
print("sigma(M,5): ns/call", (now() - t0) * 1e3, acc)
t0 = now()
for i in 0..<1_000_000 { acc += gi.all(Double(i % 100) * 0.1 - 5, 0.7).softplus }
print("all(M,0.7): ns/call", (now() - t0) * 1e3, acc)
t0 = now()
for i in 0..<1_000_000 { acc += gi.all(Double(i % 100) * 0.1 + 1000, 44).softplus }
print("all(1000,44): ns/call", (now() - t0) * 1e3, acc)

t0 = now()
for i in 0..<1_000_000 { acc += SpecialFunctions.normalP(Double(i % 100) * 0.1 - 5) }
print("normalP: ns/call", (now() - t0) * 1e3, acc)
t0 = now()
for i in 0..<1_000_000 { acc += exp(-Double(i % 100) * 0.1 - 5) }
print("exp: ns/call", (now() - t0) * 1e3, acc)
