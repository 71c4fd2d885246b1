import XCTest
@testable import Theory

final class TheorySmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
