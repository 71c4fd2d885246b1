import Foundation
import XCTest

/// The sandbox findings of issue 26, each reproduced with the real binary:
/// the escape is tried, and what it could reach is checked afterwards.
final class SandboxEscapeTests: XCTestCase {
    func stage(_ command: String, env: String? = nil, deps: [String] = ["data/in.txt"], outs: [String] = ["out/a.txt"]) -> String {
        let quoted = command.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return """
              s:
                kind: shell
                params:
                  argv: [sh, -c, "\(quoted)"]
            \(env.map { "      env: \($0)\n" } ?? "")    deps: [\(deps.joined(separator: ", "))]
                outs: [\(outs.joined(separator: ", "))]

            """
    }

    func project(_ top: String = "", _ stages: String) throws -> Scratch {
        try Scratch(["pipeline.yaml": top + "stages:\n" + stages, "data/in.txt": "hello\n"])
    }

    /// The stage's `env:` is the command's, not bwrap's: an LD_PRELOAD library
    /// whose constructor would run on the host, in bwrap, never runs.
    func testLoaderVariablesReachOnlyTheCommandInsideTheSandbox() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("repro-preload-\(UUID().uuidString)").path
        let s = try project("", stage("echo ran > out/a.txt", env: "{LD_PRELOAD: SO}"))
        try s.write("evil.c", """
            #include <stdio.h>
            __attribute__((constructor)) static void evil(void) { FILE *f = fopen("\(marker)", "a"); if (f) { fputs("ran\\n", f); fclose(f); } }
            """)
        let so = s.root.appendingPathComponent("evil.so").path
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        cc.arguments = ["-shared", "-fPIC", "-o", so, s.root.appendingPathComponent("evil.c").path]
        do { try cc.run() } catch { throw XCTSkip("no C compiler to build the preload library") }
        cc.waitUntilExit()
        try XCTSkipUnless(cc.terminationStatus == 0, "cc failed")
        // The library works: preloaded into a host process, it writes the marker (so the check below can fail).
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/bin/true")
        probe.environment = ["LD_PRELOAD": so]
        try probe.run()
        probe.waitUntilExit()
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker))
        try FileManager.default.removeItem(atPath: marker)

        try s.write("pipeline.yaml", "stages:\n" + stage("echo ran > out/a.txt", env: "{LD_PRELOAD: \"\(so)\"}"))
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(s.read("out/a.txt"), "ran\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the preloaded library ran on the host")
    }

    /// Run as root, the sandboxed command has no capabilities: remounting a
    /// read-only dep (or a `read_only` directory) writable fails, and the
    /// host's files keep their content.
    func testAsRootARemountCannotMakeADepOrReadOnlyDirectoryWritable() throws {
        try XCTSkipUnless(getuid() == 0, "this test is about root: run the suite as root (CI does)")
        let tools = try Scratch(["bin/tool": "original\n"])
        let s = try project("sandbox:\n  read_only: [\(tools.root.path)]\n", stage("""
            grep CapEff /proc/self/status > out/a.txt; \
            mount -o remount,bind,rw /build/data/in.txt 2>>out/a.txt && echo TAMPERED > data/in.txt; \
            mount -o remount,bind,rw \(tools.root.path) 2>>out/a.txt && echo TAMPERED > \(tools.root.path)/bin/tool; \
            true
            """))
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        let out = try XCTUnwrap(s.read("out/a.txt"))
        XCTAssertTrue(out.contains("CapEff:\t0000000000000000"), out)
        XCTAssertEqual(s.read("data/in.txt"), "hello\n")
        XCTAssertEqual(tools.read("bin/tool"), "original\n")
    }

    /// `read_only` is resolved before the check: `//`, `/.` and a symlink to
    /// the project's parent are all refused, naming the real directory.
    func testReadOnlyDirectoriesAreCheckedAsTheRealPath() throws {
        let s = try project("", stage("echo ok > out/a.txt"))
        let parent = s.root.deletingLastPathComponent().path
        let link = FileManager.default.temporaryDirectory.appendingPathComponent("repro-ro-link-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: parent)
        defer { try? FileManager.default.removeItem(at: link) }
        let spellings = [parent + "/.", parent.replacingOccurrences(of: "/tmp", with: "/tmp/"), link.path, s.root.path + "/./data"]
        for dir in spellings {
            try s.write("pipeline.yaml", "sandbox:\n  read_only: [\"\(dir)\"]\nstages:\n" + stage("echo ok > out/a.txt"))
            let r = try s.repro("all")
            XCTAssertEqual(r.status, 1, "\(dir): \(r.all)")
            XCTAssertTrue(r.stdout.contains("would expose the project directory"), "\(dir): \(r.stdout)")
            XCTAssertFalse(s.exists("out/a.txt"), dir)
        }
    }

    /// A symlinked output directory is refused by a run, a restore from the
    /// cache and a pull, naming it; nothing is written where it points.
    func testASymlinkedOutputDirectoryIsRefusedByRunRestoreAndPull() throws {
        let outside = try Scratch([:])
        let remote = try Scratch([:])
        let s = try project("remote:\n  url: file://\(remote.root.path)\n", stage("tr a-z A-Z < data/in.txt > out/a.txt"))
        func plantLink() throws {
            try? FileManager.default.removeItem(at: s.root.appendingPathComponent("out"))
            try FileManager.default.createSymbolicLink(atPath: s.root.appendingPathComponent("out").path, withDestinationPath: outside.root.path)
        }
        func refused(_ r: CLI.Result, _ label: String) {
            XCTAssertNotEqual(r.status, 0, "\(label): \(r.all)")
            XCTAssertTrue(r.all.contains("'out' is a symbolic link"), "\(label): \(r.all)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside.root.path), [], label)
        }
        try plantLink()
        refused(try s.repro("all", "--no-remote"), "run")

        // Computed once into a real directory, pushed, then restored through a link.
        try FileManager.default.removeItem(at: s.root.appendingPathComponent("out"))
        XCTAssertEqual(try s.repro("all").status, 0)
        XCTAssertEqual(try s.repro("push").status, 0)
        let lock = try XCTUnwrap(s.read("repro.lock"))
        try plantLink()
        try FileManager.default.removeItem(at: s.root.appendingPathComponent("repro.lock"))
        let attempts = s.read(".repro/runs.jsonl")
        refused(try s.repro("all", "--no-remote"), "restore")
        XCTAssertEqual(s.read(".repro/runs.jsonl"), attempts, "a restore runs nothing (no new run record)")

        try s.write("repro.lock", lock)
        try FileManager.default.removeItem(at: s.root.appendingPathComponent(".repro/cache"))
        refused(try s.repro("pull"), "pull")
    }

    /// A dep whose real path is outside the project is refused (status too),
    /// unless its directory is listed under `host_inputs:`.
    func testADepLeadingOutsideTheProjectIsRefusedUnlessItsDirectoryIsAHostInput() throws {
        let host = try Scratch(["shadow": "root:secret\n"])
        let s = try project("", stage("cat data/x > out/a.txt", deps: ["data/x"]))
        try FileManager.default.createSymbolicLink(atPath: s.root.appendingPathComponent("data/x").path,
                                                   withDestinationPath: host.root.appendingPathComponent("shadow").path)
        for command in ["status", "all"] {
            let r = try s.repro(command)
            XCTAssertNotEqual(r.status, 0, r.all)
            XCTAssertTrue(r.stdout.contains("input 'data/x' leads outside the project") && r.stdout.contains("host_inputs"), r.stdout)
        }
        XCTAssertFalse(s.exists("out/a.txt"))
        XCTAssertFalse(s.exists(".repro/cache/objects"), "nothing of it may enter the cache")

        try s.write("pipeline.yaml", "host_inputs: [\(host.root.path)]\nstages:\n" + stage("cat data/x > out/a.txt", deps: ["data/x"]))
        let ok = try s.repro("all")
        XCTAssertEqual(ok.status, 0, ok.all)
        XCTAssertEqual(s.read("out/a.txt"), "root:secret\n")
    }

    /// A dep that is a fifo is named as such (it used to be "missing").
    func testAFifoDepIsNamed() throws {
        let s = try project("", stage("cat data/f > out/a.txt", deps: ["data/f"]))
        XCTAssertEqual(mkfifo(s.root.appendingPathComponent("data/f").path, 0o644), 0)
        let r = try s.repro("status")
        XCTAssertEqual(r.status, 2, r.all)
        XCTAssertTrue(r.stdout.contains("input 'data/f' is a fifo"), r.stdout)
    }

    /// bubblewrap refuses more than 9000 arguments (3 per bound dep), after the
    /// run has begun and in its own words; a stage that declares more deps than
    /// its sandbox can bind fails before bwrap starts, saying what to do, and the
    /// stages beside it run.
    func testAStageWithMoreDepsThanTheSandboxCanBindIsToldWhy() throws {
        var files = ["data/in.txt": "hello\n"]
        for i in 0..<3100 { files["data/many/\(i).txt"] = "\(i)\n" }
        let deps = (0..<3100).map { "data/many/\($0).txt" }
        let s = try Scratch(files.merging(["pipeline.yaml": "stages:\n"
            + stage("cat data/many/0.txt > out/a.txt", deps: deps)
            + stage("cat data/in.txt > out/b.txt", outs: ["out/b.txt"]).replacingOccurrences(of: "  s:\n", with: "  t:\n")]) { a, _ in a })
        let r = try s.repro("all", "--keep-going")
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.all.contains("declares 3100 deps, and its sandbox can bind at most"), r.all)
        XCTAssertTrue(r.all.contains("gather its inputs into fewer files"), r.all)
        XCTAssertFalse(r.all.contains("Exceeded maximum number of arguments"), r.all)
        XCTAssertEqual(s.read("out/b.txt"), "hello\n")
        XCTAssertNil(s.read("out/a.txt"))
        // Unsandboxed, the same stage runs (the limit is the sandbox's, not the engine's).
        XCTAssertEqual(try s.repro("all", "--no-sandbox").status, 0)
        XCTAssertEqual(s.read("out/a.txt"), "0\n")
    }

    /// Sandboxed commands reuse their cgroups (kept between commands rather
    /// than made and removed for each); none is left when repro exits, and a
    /// reused one still bounds its command.
    func testCgroupsAreKeptDuringARunAndNoneIsLeftAfterIt() throws {
        let pids = "/sys/fs/cgroup/pids"
        try XCTSkipUnless(getuid() == 0 && FileManager.default.isWritableFile(atPath: pids), "no writable cgroup v1 pids hierarchy here")
        func ours() -> Set<String> { Set(((try? FileManager.default.contentsOfDirectory(atPath: pids)) ?? []).filter { $0.hasPrefix("repro-") }) }
        let before = ours()
        var stages = ""
        for i in 0..<12 { stages += stage("echo \(i) > out/\(i).txt", outs: ["out/\(i).txt"]).replacingOccurrences(of: "  s:\n", with: "  s\(i):\n") }
        stages += stage("for i in $(seq 1 60); do sleep 1 & done; wait; echo ok > out/bomb.txt", outs: ["out/bomb.txt"])
            .replacingOccurrences(of: "  s:\n", with: "  bomb:\n").replacingOccurrences(of: "deps: [data/in.txt]", with: "deps: [out/11.txt]")
        let s = try project("sandbox:\n  max_processes: 20\n", stages)
        let r = try s.repro("all", "-j", "2", "--keep-going")
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertEqual(s.read("out/11.txt"), "11\n")
        // The fork bomb ran last, in a kept cgroup: still bounded.
        XCTAssertTrue(r.stdout.contains("at most 20 processes"), r.stdout)
        XCTAssertNil(s.read("out/bomb.txt"))
        XCTAssertEqual(ours().subtracting(before), [], "cgroups left behind")
    }

    /// The sandbox's /tmp has a size: 1024 MiB by default, `sandbox.tmp_size_mb` sets it.
    func testTheSandboxTmpIsBounded() throws {
        let s = try project("", stage("df -k /tmp | tail -1 > out/a.txt"))
        XCTAssertEqual(try s.repro("all").status, 0)
        XCTAssertTrue(s.read("out/a.txt")?.contains(" 1048576 ") ?? false, s.read("out/a.txt") ?? "")

        try s.write("pipeline.yaml", "sandbox:\n  tmp_size_mb: 1\nstages:\n"
                    + stage("head -c 2000000 /dev/zero > /tmp/big && echo fit > out/a.txt"))
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stdout.contains("No space left on device"), r.stdout)
    }

    /// Unsandboxed, what a stage leaves running dies with it: a background
    /// child at its end, and a `setsid` one when repro is killed.
    func testUnsandboxedStagesLeaveNoProcessBehind() throws {
        let tag = 3000 + Int.random(in: 0..<900)
        let s = try project("sandbox: none\n", stage("sleep \(tag).1 & setsid sleep \(tag).2 & echo ok > out/a.txt"))
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(s.wait(timeout: 5) { Self.sleepers(tag).isEmpty }, "left running: \(Self.sleepers(tag))")

        try s.write("pipeline.yaml", "sandbox: none\nstages:\n" + stage("setsid sleep \(tag).3 & sleep \(tag).4", outs: ["out/b.txt"]))
        let (p, o, e) = try CLI.start(["all"], in: s.root)
        XCTAssertTrue(s.wait { Self.sleepers(tag).count == 2 }, "the stage did not start: \(Self.sleepers(tag))")
        kill(p.processIdentifier, SIGKILL)
        _ = CLI.finish(p, o, e)
        let setsidSurvives = !FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") || getuid() != 0
        if setsidSurvives { throw XCTSkip("no pid namespace here for unsandboxed commands (not root or no unshare)") }
        XCTAssertTrue(s.wait(timeout: 5) { Self.sleepers(tag).isEmpty }, "survived repro: \(Self.sleepers(tag))")
    }

    /// Pids of `sleep <tag>.*` processes.
    static func sleepers(_ tag: Int) -> [Int32] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.compactMap { Int32($0) }.filter { pid in
            guard let cmd = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return false }
            let words = cmd.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return words.first.map { $0.hasSuffix("sleep") } == true && words.dropFirst().first?.hasPrefix("\(tag).") == true
        }
    }
}

/// Processes and memory of a sandboxed command are bounded (issue 26).
final class SandboxBoundsTests: XCTestCase {
    func project(_ bounds: String, _ command: String) throws -> Scratch {
        try Scratch(["pipeline.yaml": """
            sandbox:
            \(bounds)
            stages:
              s:
                kind: shell
                params:
                  argv: [sh, -c, "\(command)"]
                outs: [out/a.txt]

            """])
    }

    /// Root is not bounded by RLIMIT_NPROC: only a cgroup bounds its processes.
    var cgroupsOrNotRoot: Bool {
        getuid() != 0 || FileManager.default.isWritableFile(atPath: "/sys/fs/cgroup/pids") || FileManager.default.isWritableFile(atPath: "/sys/fs/cgroup/cgroup.subtree_control")
    }

    func testAForkBombIsBoundedByMaxProcesses() throws {
        try XCTSkipUnless(cgroupsOrNotRoot, "root without a writable cgroup: processes cannot be bounded here")
        let s = try project("  max_processes: 20", "for i in $(seq 1 60); do sleep 1 & done; wait; echo ok > out/a.txt")
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stdout.contains("Cannot fork") || r.stdout.contains("Resource temporarily unavailable"), r.stdout)
        XCTAssertTrue(r.stdout.contains("at most 20 processes"), r.stdout)
        // The same with room runs (so the bound, not the command, failed it).
        try s.write("pipeline.yaml", (s.read("pipeline.yaml") ?? "").replacingOccurrences(of: "max_processes: 20", with: "max_processes: 200"))
        XCTAssertEqual(try s.repro("all").status, 0)
    }

    /// Where no cgroup can be made (here: a user other than root), resource
    /// limits bound the command: RLIMIT_AS and RLIMIT_NPROC (prlimit).
    func testWithoutACgroupResourceLimitsBoundANonRootUser() throws {
        try XCTSkipUnless(getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
                          && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs root (to become nobody), setpriv and python3")
        let alloc = "python3 -c 'x = bytearray(300 * 1024 * 1024)'"
        let forks = "for i in $(seq 1 60); do sleep 1 & done; wait"
        let s = try project("  max_processes: 20\n  max_memory_mb: 200", alloc + " && echo ok > out/a.txt")
        func runAsNobody() throws -> CLI.Result {
            _ = chown(s.root.path, 65534, 65534)
            for f in (FileManager.default.enumerator(atPath: s.root.path)?.allObjects as? [String]) ?? [] {
                _ = chown(s.root.appendingPathComponent(f).path, 65534, 65534)
            }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            p.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path, "all"]
            p.currentDirectoryURL = s.root
            p.environment = ["NO_COLOR": "1", "PATH": "/usr/bin:/bin", "HOME": s.root.path]
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            return CLI.finish(p, out, err)
        }
        let r = try runAsNobody()
        if r.all.contains("bwrap cannot make one") { throw XCTSkip("no user namespaces for a non-root user here") }
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stdout.contains("MemoryError"), r.stdout)
        func command(_ c: String, bounds: String) throws {
            try s.write("pipeline.yaml", "sandbox:\n\(bounds)\nstages:\n  s:\n    kind: shell\n    params:\n      argv: [sh, -c, \"\(c)\"]\n    outs: [out/a.txt]\n")
        }
        try command(forks + "; echo ok > out/a.txt", bounds: "  max_processes: 20\n  max_memory_mb: 200")
        let f = try runAsNobody()
        XCTAssertEqual(f.status, 1, f.all)
        XCTAssertTrue(f.stdout.contains("Cannot fork") || f.stdout.contains("Resource temporarily unavailable"), f.stdout)
        // With room, the same commands run (so the bounds, not the commands, failed them).
        try command(alloc + " && " + forks + " && echo ok > out/a.txt", bounds: "  max_processes: 400\n  max_memory_mb: 1000")
        let ok = try runAsNobody()
        XCTAssertEqual(ok.status, 0, "with room it runs: \(ok.all)")
        XCTAssertEqual(s.read("out/a.txt"), "ok\n")
    }

    func testMemoryIsBoundedByMaxMemory() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3 to allocate")
        let alloc = "python3 -c 'x = bytearray(300 * 1024 * 1024); x[-1] = 1; print(len(x))' > out/a.txt"
        let s = try project("  max_memory_mb: 100", alloc)
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stdout.contains("100 MiB of memory"), r.stdout)
        try s.write("pipeline.yaml", (s.read("pipeline.yaml") ?? "").replacingOccurrences(of: "max_memory_mb: 100", with: "max_memory_mb: 1000"))
        let ok = try s.repro("all")
        XCTAssertEqual(ok.status, 0, ok.all)
        XCTAssertEqual(s.read("out/a.txt"), "314572800\n")
    }
}
