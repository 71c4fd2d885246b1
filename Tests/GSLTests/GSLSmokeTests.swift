import XCTest
@testable import GSL

final class GSLSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
