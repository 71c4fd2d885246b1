import XCTest
@testable import Flows

final class FlowsSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
