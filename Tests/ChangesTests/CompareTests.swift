import XCTest
@testable import Changes
import Engine
