import XCTest
@testable import Particles

final class ParticlesSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
