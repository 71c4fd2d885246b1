import XCTest
import Theory
@testable import Particles

final class SpeedProbeTests: XCTestCase {
    func testProbe() throws {
        let target = Target.symmetric(mu: 2)
        let config = ModelConfig(target: target, weights: .trainable, d: 500)
        let ic = InitialCondition.fixed(cPlus: [1, 0], cMinus: [-0.5, 0], orthogonal: .chiSigma(plus: 1, minus: -1), theta: 0).state(target: target, d: 500)
        let sim = try ParticleSimulation(config: config, settings: ParticleSettings(n: 64, dt: .constant(0.01)), initial: ic, seed: 1)
        let t0 = Date()
        for _ in 0..<100 { try sim.advance(t: 0, h: 0.01) }
        print("debug ms/step d=500 n=64:", Date().timeIntervalSince(t0) * 10)
    }
}
