import Flows
import Foundation
import XCTest

/// Adam's late step-down of the learning rate, against the textbook update
/// (bias corrections by pow, computed here), and the default left alone.
final class FlowAdamScheduleTests: XCTestCase {
    /// Textbook Adam on f(x) = ½ a x², one parameter, rate lr(t) for update t (0-based).
    func reference(x0: Double, a: Double, steps: Int, lr: (Int) -> Double) -> [Double] {
        var x = x0, m = 0.0, v = 0.0, xs: [Double] = []
        for t in 0..<steps {
            let g = a * x
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            let mh = m / (1 - pow(0.9, Double(t + 1))), vh = v / (1 - pow(0.999, Double(t + 1)))
            x -= lr(t) * mh / (vh.squareRoot() + 1e-8)
            xs.append(x)
        }
        return xs
    }

    func run(_ config: Adam.Config, x0: Double, a: Double, steps: Int) -> [Double] {
        let adam = Adam(count: 5, config: config)  // 4 lanes and one scalar: both code paths
        let x = Buffer([Double](repeating: x0, count: 5)), g = Buffer(5)
        var xs: [Double] = []
        for _ in 0..<steps {
            for i in 0..<5 { g[i] = a * x[i] }
            adam.update(x.pointer, gradient: g.pointer)
            XCTAssertEqual(x[4], x[0])
            xs.append(x[0])
        }
        return xs
    }

    func testLateStepFollowsTheTextbookUpdate() {
        let late = Adam.Config.LateStep(factor: 0.1, fromStep: 30)
        let got = run(.init(learningRate: 0.05, lateStep: late), x0: 2, a: 1.5, steps: 60)
        let want = reference(x0: 2, a: 1.5, steps: 60) { $0 >= 30 ? 0.005 : 0.05 }
        for (t, (g, w)) in zip(got, want).enumerated() { XCTAssertEqual(g, w, accuracy: 1e-12, "update \(t)") }
        // The step-down is visible: the constant rate moves the parameter by ~0.05 per update there, the late one by ~0.005.
        let constant = reference(x0: 2, a: 1.5, steps: 60) { _ in 0.05 }
        XCTAssertGreaterThan(abs(constant[40] - constant[39]), 5 * abs(got[40] - got[39]))
        XCTAssertEqual(got[29], constant[29], accuracy: 1e-12)
    }

    func testFactorOneIsTheConstantRateBitForBit() {
        let constant = run(.init(learningRate: 0.05), x0: 2, a: 1.5, steps: 40)
        let unit = run(.init(learningRate: 0.05, lateStep: .init(factor: 1, fromStep: 0)), x0: 2, a: 1.5, steps: 40)
        XCTAssertEqual(constant.map(\.bitPattern), unit.map(\.bitPattern))
    }
}
