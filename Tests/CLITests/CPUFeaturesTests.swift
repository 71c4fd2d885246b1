import BuildInfo
import XCTest

/// The CPU check `repro` runs before loading a project (the science modules
/// are compiled for x86-64-v3 on x86-64).
final class CPUFeaturesTests: XCTestCase {
    func testReportsMissingFlags() throws {
        #if arch(x86_64)
        let old = "processor\t: 0\nmodel name\t: Old CPU\nflags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx popcnt xsave\n"
        XCTAssertEqual(CPUFeatures.missing(cpuinfo: old), ["avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe"])
        let v3 = "flags\t\t: fpu sse2 avx avx2 bmi1 bmi2 f16c fma abm movbe xsave aes\nbugs\t\t: none\n"
        XCTAssertEqual(CPUFeatures.missing(cpuinfo: v3), [])
        #else
        throw XCTSkip("x86-64 only: other architectures have no -march flag to check")
        #endif
    }

    func testNothingToJudgeByIsNotAnError() {
        XCTAssertEqual(CPUFeatures.missing(cpuinfo: "processor\t: 0\n"), [])
        XCTAssertEqual(CPUFeatures.missing(cpuinfo: ""), [])
    }
}
