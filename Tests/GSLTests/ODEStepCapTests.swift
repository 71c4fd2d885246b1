import Foundation
import XCTest
@testable import GSL

/// `setMaxStep` bounds every step `step` and `advance` take (they run their
/// own loop around GSL's evolve, so the cap must be applied there).
final class ODEStepCapTests: XCTestCase {
    /// y' = -y: smooth, so uncapped steps grow far beyond the cap used here.
    func decay() -> ODESystem {
        ODESystem(dimension: 1) { _, y, f in
            f[0] = -y[0]
            return true
        }
    }

    /// The largest step taken integrating to t = 20, stepping one step at a time.
    func largestStep(cap: Double?, stepper: ODEStepper) throws -> (largest: Double, y: Double) {
        let driver = try ODEDriver(system: decay(), stepper: stepper, tolerances: ODETolerances(absolute: 1e-9, relative: 1e-9))
        if let cap { try driver.setMaxStep(cap) }
        var t = 0.0, y = [1.0], largest = 0.0
        while t < 20 {
            let before = t
            try driver.step(t: &t, toward: 20, y: &y)
            largest = max(largest, t - before)
        }
        return (largest, y[0])
    }

    func testACappedRunNeverTakesALargerStep() throws {
        for stepper in [ODEStepper.rkf45, .msbdf] {
            let free = try largestStep(cap: nil, stepper: stepper)
            XCTAssertGreaterThan(free.largest, 0.5, "\(stepper): without a cap the steps grow (else this test proves nothing)")
            let capped = try largestStep(cap: 0.05, stepper: stepper)
            XCTAssertLessThanOrEqual(capped.largest, 0.05 * (1 + 1e-12), "\(stepper)")
            XCTAssertEqual(capped.y, exp(-20), accuracy: 1e-9, "\(stepper): the capped run still follows e^{-t}")
        }
    }

    func testAdvanceHonoursTheCapToo() throws {
        let driver = try ODEDriver(system: decay(), stepper: .rkf45, tolerances: ODETolerances(absolute: 1e-9, relative: 1e-9))
        try driver.setMaxStep(0.1)
        var t = 0.0, y = [1.0]
        try driver.advance(t: &t, to: 10, y: &y)
        XCTAssertGreaterThanOrEqual(driver.steps, 100, "10 time units in steps of at most 0.1")
        XCTAssertEqual(y[0], exp(-10), accuracy: 1e-9)
    }
}
