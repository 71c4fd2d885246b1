import Foundation
import XCTest

/// Each leak of issue 13, reproduced end to end with the real binary: the
/// attack is tried, and the exact outcome (refused, nothing cached, nothing
/// written outside the project) is asserted.
final class SandboxTests: XCTestCase {
    func shellStage(_ name: String, _ command: String, deps: [String] = ["data/in.txt"], outs: [String] = ["out/a.txt"]) -> String {
        let quoted = command.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return """
              \(name):
                kind: shell
                params:
                  argv: [sh, -c, "\(quoted)"]
                deps: [\(deps.joined(separator: ", "))]
                outs: [\(outs.joined(separator: ", "))]

            """
    }

    func project(_ stages: String, extra: [String: String] = [:]) throws -> Scratch {
        var files = ["pipeline.yaml": "stages:\n" + stages, "data/in.txt": "hello\n", "secret.csv": "undeclared\n"]
        for (k, v) in extra { files[k] = v }
        return try Scratch(files)
    }

    func runRecords(_ s: Scratch) -> [String] {
        let dir = s.root.appendingPathComponent(".repro/cache/runs")
        return (FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []).filter { $0.count > 3 }
    }

    /// Relative, `../` and absolute names of an undeclared project file all fail, and nothing is cached.
    func testUndeclaredReadsFailWhicheverWayTheFileIsNamed() throws {
        for (label, path) in [("relative", "secret.csv"), ("dotdot", "../../../secret.csv"), ("absolute", "ABS/secret.csv")] {
            let s = try project("")
            try s.write("pipeline.yaml", "stages:\n" + shellStage("leak", "cat \(path.replacingOccurrences(of: "ABS", with: s.root.path)) > out/a.txt"))
            let r = try s.repro("all")
            XCTAssertEqual(r.status, 1, "\(label): \(r.all)")
            XCTAssertTrue(r.stdout.contains("FAILED") && r.stdout.contains("secret.csv: No such file or directory"), "\(label): \(r.stdout)")
            XCTAssertTrue(r.stdout.contains("only its deps are visible"), r.stdout)
            XCTAssertFalse(s.exists("out/a.txt"), label)
            XCTAssertEqual(runRecords(s), [], "\(label): a failed stage must cache nothing")
            XCTAssertEqual(try s.repro("status").status, 2, label)
        }
    }

    /// Through a dep symlink's directory: the dep is bound by content, its directory is not visible.
    func testADepSymlinkExposesOnlyItsTarget() throws {
        let outside = try Scratch(["shared/x.csv": "x\n", "shared/other.csv": "other\n"])
        let s = try project(shellStage("leak", "cat data/link.csv > out/a.txt && cat data/other.csv >> out/a.txt", deps: ["data/link.csv"]))
        let allow = "host_inputs: [\(outside.root.path)]\n"  // deps leading outside the project need this opt-in
        try s.write("pipeline.yaml", allow + "stages:\n" + shellStage("leak", "cat data/link.csv > out/a.txt && cat data/other.csv >> out/a.txt", deps: ["data/link.csv"]))
        try FileManager.default.createSymbolicLink(atPath: s.root.appendingPathComponent("data/link.csv").path,
                                                   withDestinationPath: outside.root.appendingPathComponent("shared/x.csv").path)
        try FileManager.default.createSymbolicLink(atPath: s.root.appendingPathComponent("data/other.csv").path,
                                                   withDestinationPath: outside.root.appendingPathComponent("shared/other.csv").path)
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stdout.contains("data/other.csv: No such file or directory"), r.stdout)

        try s.write("pipeline.yaml", allow + "stages:\n" + shellStage("ok", "cat data/link.csv > out/a.txt", deps: ["data/link.csv"]))
        XCTAssertEqual(try s.repro("all").status, 0)
        XCTAssertEqual(s.read("out/a.txt"), "x\n")
    }

    func testWritesOutsideTheStagingDirectoryFailAndLeaveNothing() throws {
        let outside = try Scratch([:])
        let targets = ["ABS/escape.txt", "../escape.txt", "ABS/.repro/cache/objects/planted", "ABS/data/in.txt", "OUT/escape.txt", "data/in.txt"]
        for t in targets {
            let s = try project("")
            let path = t.replacingOccurrences(of: "ABS", with: s.root.path).replacingOccurrences(of: "OUT", with: outside.root.path)
            try s.write("pipeline.yaml", "stages:\n" + shellStage("w", "echo x > \(path) && echo ok > out/a.txt"))
            let r = try s.repro("all")
            XCTAssertEqual(r.status, 1, "\(t): \(r.all)")
            XCTAssertFalse(s.exists("escape.txt"), t)
            XCTAssertFalse(s.exists(".repro/cache/objects/planted"), t)
            XCTAssertFalse(FileManager.default.fileExists(atPath: s.root.deletingLastPathComponent().appendingPathComponent("escape.txt").path), t)
            XCTAssertFalse(FileManager.default.fileExists(atPath: outside.root.appendingPathComponent("escape.txt").path), t)
            XCTAssertEqual(s.read("data/in.txt"), "hello\n", t)
        }
    }

    /// A run record naming a path outside the project (or an injected second
    /// line) is refused: the stage reruns and writes only its declared out.
    func testCraftedRunRecordIsRefusedAndTheStageReruns() throws {
        let s = try project(shellStage("s", "tr a-z A-Z < data/in.txt > out/a.txt"))
        XCTAssertEqual(try s.repro("all").status, 0)
        let key = try XCTUnwrap(lockKey(s, "s"))
        let sha = sha256Hex(Array("HELLO\n".utf8))
        let escape = s.root.deletingLastPathComponent().appendingPathComponent("escape-\(UUID().uuidString).txt")
        for record in ["\(sha) 6 ../\(escape.lastPathComponent)\n", "\(sha) 6 out/a.txt\n\(sha) 6 ../\(escape.lastPathComponent)\n",
                       "\(sha) 6 /\(escape.path)\n"] {
            try s.write(".repro/cache/runs/\(key.prefix(2))/\(key)", record)
            try FileManager.default.removeItem(at: s.root.appendingPathComponent("out/a.txt"))
            try FileManager.default.removeItem(at: s.root.appendingPathComponent("repro.lock"))
            let r = try s.repro("all")
            XCTAssertEqual(r.status, 0, r.all)
            XCTAssertTrue(r.stdout.contains("ignored a cache record"), r.stdout)
            XCTAssertTrue(r.stdout.contains("1 ran"), r.stdout)
            XCTAssertFalse(FileManager.default.fileExists(atPath: escape.path))
            XCTAssertEqual(s.read("out/a.txt"), "HELLO\n")
            XCTAssertEqual(try s.repro("verify").status, 0)
        }
    }

    func testCraftedLockEntryIsRefusedAndTheStageReruns() throws {
        let s = try project(shellStage("s", "tr a-z A-Z < data/in.txt > out/a.txt"))
        XCTAssertEqual(try s.repro("all").status, 0)
        let lock = try XCTUnwrap(s.read("repro.lock"))
        try s.write("repro.lock", lock.replacingOccurrences(of: "\"out/a.txt\"", with: "\"../escape.txt\""))
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("repro.lock: ignored the entry of stage 's'"), r.stdout)
        // A well-formed entry whose outs differ from the declared ones is refused at use.
        XCTAssertEqual(try s.repro("all").status, 0)
        let good = try XCTUnwrap(s.read("repro.lock"))
        try s.write("repro.lock", good.replacingOccurrences(of: "\"out/a.txt\"", with: "\"out/b.txt\""))
        let r2 = try s.repro("all", "-v")  // the stage is restored from the cache: its line, with why, only with -v
        XCTAssertEqual(r2.status, 0, r2.all)
        XCTAssertTrue(r2.stdout.contains("repro.lock's entry does not list exactly the declared outs: ignored"), r2.stdout)
        XCTAssertFalse(s.exists("out/b.txt"))
        XCTAssertFalse(r.stdout.contains("1 up to date"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.root.deletingLastPathComponent().appendingPathComponent("escape.txt").path))
        XCTAssertTrue(s.read("repro.lock")?.contains("\"out/a.txt\"") ?? false)
        XCTAssertEqual(try s.repro("verify").status, 0)
    }

    func testOutputsMustBeRegularFiles() throws {
        for (command, what) in [("ln -s /etc/hostname out/a.txt", "a symbolic link"), ("mkdir out/a.txt", "a directory"),
                                ("mkfifo out/a.txt", "a fifo")] {
            let s = try project(shellStage("s", command))
            let r = try s.repro("all")
            XCTAssertEqual(r.status, 1, r.all)
            XCTAssertTrue(r.stdout.contains("its output 'out/a.txt' is \(what)"), r.stdout)
            XCTAssertFalse(s.exists("out/a.txt"))
            XCTAssertEqual(runRecords(s), [])
        }
    }

    /// gc never follows a symlinked shard (its target survives), and removes abandoned temporaries.
    func testGCNeverFollowsSymlinksAndRemovesAbandonedTemporaries() throws {
        let s = try project(shellStage("s", "tr a-z A-Z < data/in.txt > out/a.txt"))
        XCTAssertEqual(try s.repro("all").status, 0)
        let victim = try Scratch([:])
        let name = "ab" + String(repeating: "0", count: 62)
        try victim.write(name, "precious\n")
        try FileManager.default.createSymbolicLink(atPath: s.root.appendingPathComponent(".repro/cache/objects/ab").path,
                                                   withDestinationPath: victim.root.path)
        let sha = sha256Hex(Array("HELLO\n".utf8))
        let tmp = ".repro/cache/objects/\(sha.prefix(2))/.\(sha).tmp-12345-678"
        try s.write(tmp, "partial")
        let r = try s.repro("gc")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(victim.read(name), "precious\n")
        XCTAssertFalse(s.exists(tmp))
        XCTAssertTrue(r.stdout.contains("1 abandoned temporary files"), r.stdout)
        XCTAssertEqual(try s.repro("verify").status, 0)
        // A planted shard symlink is never written through either.
        try FileManager.default.removeItem(at: s.root.appendingPathComponent("out/a.txt"))
        try s.write("data/in.txt", "other\n")
        XCTAssertEqual(try s.repro("all").status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: victim.root.path), [name])
    }

    func testTheCallersEnvironmentDoesNotReachAStage() throws {
        let s = try project("""
              env:
                kind: shell
                params:
                  argv: [sh, -c, "env | sort > out/env.txt"]
                  env: {DECLARED: "yes"}
                outs: [out/env.txt]

            """)
        let (p, o, e) = try CLI.start(["all"], in: s.root, extraEnv: ["REPRO_TEST_SECRET": "leaked", "LANG": "fr_FR.UTF-8", "TZ": "Europe/Paris"])
        let r = CLI.finish(p, o, e)
        XCTAssertEqual(r.status, 0, r.all)
        let env = try XCTUnwrap(s.read("out/env.txt"))
        XCTAssertFalse(env.contains("REPRO_TEST_SECRET"), env)
        for line in ["DECLARED=yes", "HOME=/tmp/home", "LANG=C.UTF-8", "TZ=UTC", "SOURCE_DATE_EPOCH=0",
                     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] {
            XCTAssertTrue(env.contains(line + "\n"), "\(line) missing from\n\(env)")
        }
    }

    /// A listening socket on 127.0.0.1 is reachable unsandboxed (so the check can fail) and not from the sandbox.
    func testAStageCannotOpenANetworkSocket() throws {
        let listener = try Listener()
        let stage = """
              net:
                kind: shell
                params:
                  argv: [bash, -c, "echo hi > /dev/tcp/127.0.0.1/\(listener.port) && echo connected > out/a.txt"]
                outs: [out/a.txt]

            """
        let open = try project(stage)
        let unsandboxed = try open.repro("all", "--no-sandbox")
        XCTAssertEqual(unsandboxed.status, 0, unsandboxed.all)
        XCTAssertTrue(unsandboxed.stdout.contains("ran unsandboxed"), unsandboxed.stdout)

        let s = try project(stage)
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stdout.contains("Connection refused") || r.stdout.contains("Network is unreachable"), r.stdout)
        XCTAssertFalse(s.exists("out/a.txt"))
    }

    func testSandboxNoneIsSaidAndBadSandboxSettingsAreRefused() throws {
        let s = try project(shellStage("s", "cat secret.csv > out/a.txt"))
        try s.write("pipeline.yaml", "sandbox: none\nstages:\n" + shellStage("s", "cat secret.csv > out/a.txt"))
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 1, r.all)  // unsandboxed, an undeclared relative read still fails (deps are the only links)
        try s.write("pipeline.yaml", "sandbox: none\nstages:\n" + shellStage("s", "cat data/in.txt > out/a.txt"))
        let ok = try s.repro("all")
        XCTAssertEqual(ok.status, 0, ok.all)
        XCTAssertTrue(ok.stdout.contains("1 shell stage ran unsandboxed"), ok.stdout)

        try s.write("pipeline.yaml", "sandbox:\n  read_only: [relative/dir]\n  network: true\nstages:\n" + shellStage("s", "true"))
        let bad = try s.repro("status")
        XCTAssertEqual(bad.status, 65, bad.all)
        XCTAssertTrue(bad.stderr.contains("pipeline.yaml:2:3: error:") || bad.stderr.contains("pipeline.yaml:1:"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("must be an absolute path") && bad.stderr.contains("unknown key 'network'"), bad.stderr)

        try s.write("pipeline.yaml", "sandbox:\n  read_only: [\(s.root.deletingLastPathComponent().path)]\nstages:\n" + shellStage("s", "true"))
        let exposing = try s.repro("all")
        XCTAssertEqual(exposing.status, 1, exposing.all)
        XCTAssertTrue(exposing.stdout.contains("would expose the project directory"), exposing.stdout)
    }

    /// Extra read-only directories are visible; the project stays hidden even when it lives under one.
    func testReadOnlyDirectoriesAreVisibleButNotTheProject() throws {
        let tools = try Scratch(["bin/greet": "#!/bin/sh\necho greetings\n"])
        chmod(tools.root.appendingPathComponent("bin/greet").path, 0o755)
        let s = try project("")
        try s.write("pipeline.yaml", """
            sandbox:
              read_only: [\(tools.root.path)]
            stages:
            \(shellStage("s", "\(tools.root.path)/bin/greet > out/a.txt; echo x > \(tools.root.path)/bin/new || true"))
            """)
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(s.read("out/a.txt"), "greetings\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: tools.root.appendingPathComponent("bin/new").path))
    }

    func testAMissingBubblewrapIsAClearRefusal() throws {
        let s = try project(shellStage("s", "cat data/in.txt > out/a.txt"))
        let (p, o, e) = try CLI.start(["all"], in: s.root, extraEnv: ["REPRO_BWRAP": "/nonexistent/bwrap"])
        let r = CLI.finish(p, o, e)
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stdout.contains("bwrap is not installed") && r.stdout.contains("apt-get install bubblewrap")
                      && r.stdout.contains("sandbox: none") && r.stdout.contains("--no-sandbox"), r.stdout)
    }

    func lockKey(_ s: Scratch, _ stage: String) throws -> String? {
        let data = try XCTUnwrap(s.read("repro.lock")).data(using: .utf8)!
        let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return ((obj?["stages"] as? [String: Any])?[stage] as? [String: Any])?["key"] as? String
    }
}

/// A TCP socket listening on 127.0.0.1 (the kernel completes connections into
/// its backlog, so nothing needs to accept them).
final class Listener {
    let fd: Int32
    let port: UInt16
    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw POSIXError(.EADDRINUSE) }
        port = UInt16(bigEndian: addr.sin_port)
    }
    deinit { close(fd) }
}
