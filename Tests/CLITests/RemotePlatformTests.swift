import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest
import StageSupport

/// The science platform fingerprint: what it says, checked against the
/// system's own tools, and that every computing kind carries it.
final class RemotePlatformTests: XCTestCase {
    func output(_ argv: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func fact(_ name: String) -> String? { SciencePlatform.facts.first { $0.name == name }?.value }

    func testGSLVersionIsTheInstalledLibrarys() throws {
        XCTAssertEqual(fact("GSL"), try output(["pkg-config", "--modversion", "gsl"]))
    }

    func testLibcVersionIsWhatLddReports() throws {
        // `ldd --version`: "ldd (Debian GLIBC 2.36-9+deb12u4) 2.36".
        let first = try output(["ldd", "--version"]).split(separator: "\n").first.map(String.init) ?? ""
        let version = first.split(separator: " ").last.map(String.init) ?? "?"
        XCTAssertEqual(fact("libc"), "glibc \(version)", first)
    }

    func testCompilerAndCPUAreNamed() throws {
        let swift = try output(["swift", "--version"])
        XCTAssertTrue(swift.contains("Swift version \(fact("Swift") ?? "?")"), "\(swift) vs \(String(describing: fact("Swift")))")
        #if arch(x86_64)
        XCTAssertEqual(fact("CPU"), "x86_64 (x86-64-v3)")
        #endif
    }

    /// A kind added later without a platform declaration would share results across platforms silently.
    func testEveryComputingKindDeclaresTheSciencePlatform() throws {
        let platformFree: Set<String> = ["gallery"]  // copies and links files; its bytes are the same everywhere
        let info = StageInfo(name: "s", deps: [], outs: ["o"])
        for kind in StageKinds.all {
            let facts = try kind.platform(Params(.init()), stage: info)
            if platformFree.contains(kind.name) {
                XCTAssertEqual(facts, [], kind.name)
            } else {
                XCTAssertEqual(facts, SciencePlatform.facts, "kind '\(kind.name)' must declare the science platform (Sources/StageSupport/PlatformDependence.swift)")
            }
        }
    }
}
