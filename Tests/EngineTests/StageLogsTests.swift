import XCTest
@testable import EngineCore
import StageAPI

/// `.repro/logs/STAGE.log`: every run's log kept, on success too, the last 3.
final class StageLogsTests: XCTestCase {
    func pipeline(_ word: String) -> String {
        """
        stages:
          say:
            kind: shell
            params: {argv: [sh, -c, "echo \(word) >&2; echo \(word) > o"]}
            outs: [o]
          m:
            kind: shell
            matrix: {k: [a]}
            params: {argv: [sh, -c, "echo ${k} > m-${k}"]}
            outs: ["m-${k}"]

        """
    }

    func log(_ t: TempProject, _ name: String) -> String? { t.read(".repro/logs/" + name) }

    func testEachRunsLogIsKeptAndTheLastThreeRemain() throws {
        let t = try TempProject()
        for word in ["one", "two", "three", "four"] {
            try t.write("pipeline.yaml", pipeline(word))
            XCTAssertFalse(try t.run().failed)
        }
        XCTAssertTrue(log(t, "say.log")?.contains("\nfour\n") ?? false, log(t, "say.log") ?? "no log")
        XCTAssertTrue(log(t, "say.log")?.hasPrefix("# stage say\n# key ") ?? false, log(t, "say.log") ?? "")
        XCTAssertTrue(log(t, "say.log.1")?.contains("\nthree\n") ?? false)
        XCTAssertTrue(log(t, "say.log.2")?.contains("\ntwo\n") ?? false)
        XCTAssertNil(log(t, "say.log.3"))
        // A matrix instance's log is named by its file-safe name; it ran once.
        let names = try FileManager.default.contentsOfDirectory(atPath: t.root.appendingPathComponent(".repro/logs").path).sorted()
        XCTAssertEqual(names.filter { $0.hasPrefix("m_k_a-") }.count, 1, "\(names)")
        // Nothing is left beside the staging directories.
        XCTAssertFalse(FileManager.default.fileExists(atPath: t.root.appendingPathComponent(".repro/tmp").path))
    }

    func testAFailedRunsLogSaysWhyAndHoldsTheCommandsOutput() throws {
        let t = try TempProject(["pipeline.yaml": """
            stages:
              bad:
                kind: shell
                params: {argv: [sh, -c, "echo broken >&2; exit 3"]}
                outs: [o]
            """])
        XCTAssertTrue(try t.run().failed)
        let text = try XCTUnwrap(log(t, "bad.log"))
        XCTAssertTrue(text.contains("# FAILED on local"), text)
        XCTAssertTrue(text.contains("# failure: command sh -c echo broken >&2; exit 3 exited with status 3"), text)
        XCTAssertTrue(text.hasSuffix("broken\n"), text)
    }
}
