import Foundation
import XCTest

/// Issue 26, part 3: a shell stage's `fingerprint:` commands run at key time
/// (status, why, verify, --dry-run) in the stage's own sandbox, with a time
/// limit and an output cap, through the real binary.
final class FingerprintSandboxTests: XCTestCase {
    func project(_ fingerprint: String, top: String = "") throws -> Scratch {
        try Scratch(["pipeline.yaml": top + """
            stages:
              s:
                kind: shell
                params:
                  argv: [sh, -c, "echo ok > out/a.txt"]
                  fingerprint: [[sh, -c, "\(fingerprint)"]]
                outs: [out/a.txt]

            """])
    }

    /// A fingerprint that appends to a file outside the project leaves
    /// nothing there, whichever read-only command computes the key; the same
    /// command unsandboxed does write (so the check can fail), and says so.
    func testAFingerprintThatWritesOutsideLeavesNothing() throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("repro-fp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: outside) }
        let s = try project("echo x >> \(outside.path); echo v1")
        for command in [["status"], ["why", "s"], ["all", "--dry-run"], ["all"], ["verify"]] {
            let r = try CLI.run(command, in: s.root)
            XCTAssertFalse(r.all.contains("fingerprint command"), "\(command): \(r.all)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: outside.path), "\(command) ran the fingerprint on the host")
        }
        XCTAssertEqual(try s.repro("status").status, 0)

        try s.write("pipeline.yaml", "sandbox: none\n" + (s.read("pipeline.yaml") ?? ""))
        let r = try s.repro("status")
        XCTAssertTrue(FileManager.default.fileExists(atPath: outside.path), "unsandboxed, the fingerprint does run on the host")
        XCTAssertTrue(r.stderr.contains("fingerprint commands ran unconfined"), r.all)
    }

    /// One that sleeps is stopped at the limit, with the message.
    func testAFingerprintThatSleepsIsStoppedAtTheLimit() throws {
        let s = try project("sleep 60; echo v1")
        let start = Date()
        let r = try s.repro("status")
        let took = Date().timeIntervalSince(start)
        XCTAssertEqual(r.status, 2, r.all)
        XCTAssertTrue(r.stdout.contains("fingerprint command `sh -c sleep 60; echo v1` ran longer than 10 s and was stopped"), r.stdout)
        XCTAssertTrue(took >= 9.5 && took < 30, "took \(took) s")
        XCTAssertEqual(try s.repro("all").status, 1)
        XCTAssertFalse(s.exists("out/a.txt"))
    }

    /// One that prints 10 MB is refused; one that prints 0.5 MB is a digest.
    func testAFingerprintThatPrintsTenMegabytesIsRefused() throws {
        let s = try project("head -c 10000000 /dev/zero")
        let r = try s.repro("status")
        XCTAssertEqual(r.status, 2, r.all)
        XCTAssertTrue(r.stdout.contains("printed more than 1 MB and was stopped"), r.stdout)

        let fine = try project("seq 1 70000")
        let ok = try fine.repro("all")
        XCTAssertEqual(ok.status, 0, ok.all)
        XCTAssertTrue(fine.read("repro.lock")?.contains("(70000 lines)") ?? false, fine.read("repro.lock") ?? "")
    }
}
