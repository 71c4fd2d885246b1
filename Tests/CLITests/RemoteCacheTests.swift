import Foundation
import XCTest

/// The shared cache end to end with a `file://` remote (a directory, as on a
/// cluster), through the real binary: push, restore everything elsewhere,
/// tampered objects and records, a remote that is not there, pull; and the
/// platform fingerprint in keys, `why` and `verify`.
final class RemoteCacheTests: XCTestCase {
    var remote: URL!

    override func setUpWithError() throws {
        remote = FileManager.default.temporaryDirectory.appendingPathComponent("repro-remote-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: remote, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: remote) }

    var pipeline: String {
        """
        remote:
          url: \(remote.absoluteString)
          push: on-success
        stages:
          gen:
            kind: shell
            matrix: {n: [1, 2, 3]}
            params: {argv: [sh, -c, "yes 'gen ${n}' | head -c 20000 > out/gen-${n}.txt"]}
            outs: ["out/gen-${n}.txt"]
          join:
            kind: shell
            params: {argv: [sh, -c, "cat out/gen-1.txt out/gen-2.txt out/gen-3.txt > out/join.txt"]}
            deps: [out/gen-1.txt, out/gen-2.txt, out/gen-3.txt]
            outs: [out/join.txt]
          ode:
            kind: ode
            params:
              target: {mu: 3.0}
              d: 2
              weights: fixed
              init: {mode: fixed, m_plus: [1.0], m_minus: [0.6], orth2: [2.25, 1.0], orth_cross: -1.5}
              time: {grid: linear, end: 5, points: 11}
            outs: [out/ode.csv]
        """
    }

    /// A clone that has computed everything and pushed it.
    func pushedClone() throws -> Scratch {
        let a = try Scratch(["pipeline.yaml": pipeline])
        let r = try a.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("5 ran"), r.stdout)
        XCTAssertTrue(r.stdout.contains("pushed 5 stage(s)"), r.stdout)
        return a
    }

    /// A fresh copy of `a`: its pipeline and lock, no outputs, no cache.
    func freshClone(of a: Scratch) throws -> Scratch {
        try Scratch(["pipeline.yaml": a.read("pipeline.yaml")!, "repro.lock": a.read("repro.lock")!])
    }

    func objectPath(_ a: Scratch, stage: String) throws -> URL {
        let lock = a.read("repro.lock")!
        let entry = lock.components(separatedBy: "\"\(stage)\": {")[1]
        let sha = entry.components(separatedBy: "\"sha256\": \"")[1].prefix(64)
        return remote.appendingPathComponent("cas/\(sha)")
    }

    func key(_ a: Scratch, stage: String) -> String {
        let entry = a.read("repro.lock")!.components(separatedBy: "\"\(stage)\": {")[1]
        return String(entry.components(separatedBy: "\"key\": \"")[1].prefix(64))
    }

    func testFreshCloneRestoresEverythingFromTheRemoteAndRunsNothing() throws {
        let a = try pushedClone()
        let b = try freshClone(of: a)
        let r = try b.repro("all", "-v")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("5 restored (remote)"), r.stdout)
        XCTAssertFalse(r.stdout.contains(" ran"), "no stage may run: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("restored (remote)  ode"), "with -v, progress lines say where it came from: \(r.stdout)")
        XCTAssertEqual(b.read("repro.lock"), a.read("repro.lock"), "the lock is byte-identical")
        XCTAssertEqual(b.read("out/ode.csv"), a.read("out/ode.csv"))
        XCTAssertEqual(try b.repro("verify").status, 0)
    }

    func testCorruptedRemoteObjectIsRejectedAndOnlyThatStageReruns() throws {
        let a = try pushedClone()
        let victim = try objectPath(a, stage: "gen@n=2")
        var bytes = try Data(contentsOf: victim)
        bytes[100] ^= 0x01
        try bytes.write(to: victim)
        let b = try freshClone(of: a)
        let r = try b.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("corrupted"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1 ran, 4 restored (remote)"), r.stdout)
        XCTAssertEqual(b.read("repro.lock"), a.read("repro.lock"))
        XCTAssertEqual(try b.repro("verify").status, 0)
        XCTAssertEqual(try Data(contentsOf: victim), try Data(contentsOf: a.root.appendingPathComponent("out/gen-2.txt")),
                       "the rerun pushed the good bytes over the corrupted object")
    }

    func testRunRecordNamingAPathOutsideTheProjectIsRefused() throws {
        let a = try pushedClone()
        let k = key(a, stage: "join")
        let sha = try objectPath(a, stage: "join").lastPathComponent
        let outside = "../escaped-\(UUID().uuidString).txt"
        try Data("repro-run-record v1\n\(sha) 60000 \(outside)\n".utf8).write(to: remote.appendingPathComponent("ac/\(k)"))
        let b = try freshClone(of: a)
        let r = try b.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("refused") && r.stdout.contains("leaves the project"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: b.root.appendingPathComponent(outside).standardizedFileURL.path))
        XCTAssertTrue(r.stdout.contains("1 ran, 4 restored (remote)"), r.stdout)
        XCTAssertEqual(try b.repro("verify").status, 0)
    }

    func testMissingRemoteWarnsAndComputesUnlessRequired() throws {
        let a = try pushedClone()
        let b = try freshClone(of: a)
        let gone = "file:///nonexistent-\(UUID().uuidString)/cache"
        let r = try b.repro("all", "--remote", gone)
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("warning: remote cache") && r.stdout.contains("does not exist"), r.stdout)
        XCTAssertTrue(r.stdout.contains("5 ran"), r.stdout)
        XCTAssertEqual(r.stdout.components(separatedBy: "warning: remote cache").count, 2, "one warning, not one per stage: \(r.stdout)")

        let c = try freshClone(of: a)
        let required = try c.repro("all", "--remote", gone, "--remote-required")
        XCTAssertNotEqual(required.status, 0, required.all)
        XCTAssertTrue(required.stderr.contains("does not exist"), required.all)
        XCTAssertFalse(c.exists("out/join.txt"), "nothing ran")
    }

    func testPullBringsTheLockedOutputsAndPushUploadsThem() throws {
        let a = try pushedClone()
        let b = try freshClone(of: a)
        let r = try b.repro("pull")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("pulled 5 stages"), r.stdout)
        XCTAssertEqual(try b.repro("verify").status, 0)
        XCTAssertTrue(try b.repro("all").stdout.contains("5 up to date"))
        XCTAssertTrue(try b.repro("pull").stdout.contains("5 already in place"))

        // A second, empty remote: `repro push` fills it from the project's outputs.
        let other = remote.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let p = try b.repro("push", "--remote", other.absoluteString)
        XCTAssertEqual(p.status, 0, p.all)
        XCTAssertTrue(p.stdout.contains("pushed 5 of 5 stages"), p.stdout)
        let c = try freshClone(of: a)
        let restored = try c.repro("all", "--remote", other.absoluteString)
        XCTAssertTrue(restored.stdout.contains("5 restored (remote)"), restored.stdout)
    }

    func testPlatformIsAKeyFieldShownByWhyAndVerify() throws {
        let a = try pushedClone()
        let lock = a.read("repro.lock")!
        XCTAssertTrue(lock.contains("[\"GSL\", \""), "science stages record the GSL version: \(lock)")
        XCTAssertTrue(lock.contains("[\"libc\", \"glibc "), lock)
        XCTAssertTrue(lock.contains("[\"CPU\", \""), lock)
        let gsl = lock.components(separatedBy: "[\"GSL\", \"")[1].prefix { $0 != "\"" }
        // The lock as another machine (GSL 1.0) would have written it.
        try a.write("repro.lock", lock.replacingOccurrences(of: "[\"GSL\", \"\(gsl)\"]", with: "[\"GSL\", \"1.0\"]")
            .replacingOccurrences(of: key(a, stage: "ode"), with: String(repeating: "e", count: 64)))
        let why = try a.repro("why", "ode")
        XCTAssertTrue(why.stdout.contains("platform: GSL 1.0 → \(gsl)"), why.stdout)
        let verify = try a.repro("verify")
        XCTAssertEqual(verify.status, 0, "the bytes still match: \(verify.all)")
        XCTAssertTrue(verify.stdout.contains("made on another platform: GSL 1.0 (here: \(gsl))"), verify.stdout)
    }

    func testShellFingerprintCommandsAreKeyFields() throws {
        // Fingerprints run in the stage's sandbox: the "tool" lives in a read_only directory.
        let tool = FileManager.default.temporaryDirectory.appendingPathComponent("repro-fp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tool) }
        try FileManager.default.createDirectory(at: tool, withIntermediateDirectories: true)
        let version = tool.appendingPathComponent("version")
        try Data("tool 1.0\n".utf8).write(to: version)
        let s = try Scratch(["pipeline.yaml": """
            sandbox:
              read_only: [\(tool.path)]
            stages:
              use:
                kind: shell
                params:
                  argv: [sh, -c, "echo used > out/u.txt"]
                  fingerprint: [[cat, \(version.path)]]
                outs: [out/u.txt]
            """])
        XCTAssertTrue(try s.repro("all").stdout.contains("1 ran"))
        XCTAssertTrue(s.read("repro.lock")!.contains("\"tool 1.0\""), s.read("repro.lock")!)
        XCTAssertTrue(try s.repro("all").stdout.contains("1 up to date"))
        try Data("tool 2.0\n".utf8).write(to: version)
        let why = try s.repro("why", "use")
        XCTAssertTrue(why.stdout.contains("platform: `cat \(version.path)` tool 1.0 → tool 2.0"), why.stdout)
        XCTAssertTrue(try s.repro("all").stdout.contains("1 ran"), "an upgraded tool reruns the stage")

        try s.write("pipeline.yaml", s.read("pipeline.yaml")!.replacingOccurrences(of: "[[cat, \(version.path)]]", with: "[[\"false\"]]"))
        let failing = try s.repro("all")
        XCTAssertNotEqual(failing.status, 0)
        XCTAssertTrue(failing.stdout.contains("fingerprint command `false` exited with status 1"), failing.all)
    }
}
