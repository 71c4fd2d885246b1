import XCTest
@testable import EngineCore
import StageAPI

final class ValueTests: XCTestCase {
    func testCanonicalJSONSortsKeysAndFormatsDoubles() {
        let v = Value.object(.init([("b", .double(1)), ("a", .array([.int(1), .double(-0.0), .double(1e-7)]))]))
        XCTAssertEqual(v.canonicalJSON, #"{"a":[1,0.0,1e-07],"b":1.0}"#)
    }
}
