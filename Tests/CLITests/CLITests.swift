import XCTest
final class CLITests: XCTestCase {
    func testPlaceholder() throws { throw XCTSkip("CLI not built yet") }
}
