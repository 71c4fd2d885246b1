import Foundation
import XCTest

/// Issue 14's process, lock and I/O faults, each reproduced with the real
/// binary: the exit code, the message, and that nothing was lost (outputs,
/// lock, `verify` after a rerun) are asserted.
final class FaultTests: XCTestCase {
    /// A repro started with stdout/stderr in files (so they can be read while it runs).
    final class Background {
        let process = Process()
        let out: URL
        let err: URL
        init(_ args: [String], in dir: URL) throws {
            out = dir.appendingPathComponent(".repro-test-out-\(UUID().uuidString)")
            err = dir.appendingPathComponent(".repro-test-err-\(UUID().uuidString)")
            FileManager.default.createFile(atPath: out.path, contents: nil)
            FileManager.default.createFile(atPath: err.path, contents: nil)
            process.executableURL = CLI.binary
            process.arguments = args
            process.currentDirectoryURL = dir
            var env = ProcessInfo.processInfo.environment
            env["NO_COLOR"] = "1"
            process.environment = env
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            try process.run()
        }
        var stdout: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
        func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }
        /// Waits up to `timeout` seconds for the exit; nil if still running (then killed).
        func exit(within timeout: Double) -> Int32? {
            let end = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < end { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit(); return nil }
            return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        }
        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
    }

    /// Processes whose command line contains `marker` (the stage's commands).
    func processes(matching marker: String) -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        p.arguments = ["-f", marker]
        let pipe = Pipe()
        p.standardOutput = pipe
        try? p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func wait(_ timeout: Double, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end { if condition() { return true }; usleep(20_000) }
        return condition()
    }

    /// A slow stage whose processes carry `marker`, and a quick one.
    func project(slow command: String) throws -> Scratch {
        try Scratch(["pipeline.yaml": """
            stages:
              slow:
                kind: shell
                params:
                  argv: [sh, -c, "\(command)"]
                outs: [out/slow.txt]
              quick:
                kind: shell
                params:
                  argv: [sh, -c, "echo quick > out/quick.txt"]
                outs: [out/quick.txt]
            """])
    }

    /// After kill -9 of repro mid-stage, the stage's processes die with it and
    /// the next run takes the project lock at once.
    func testKillDashNineMidStageLeavesNoOrphanHoldingTheLock() throws {
        for flags in [[], ["--no-sandbox"]] {
            let marker = "sleep 41.\(Int.random(in: 100...999))"
            let s = try project(slow: "\(marker); echo done > out/slow.txt")
            let bg = try Background(["all", "-j", "1"] + flags, in: s.root)
            XCTAssertTrue(wait(10) { !processes(matching: marker).isEmpty }, "the stage never started: \(bg.stdout)")
            bg.signal(SIGKILL)
            _ = bg.exit(within: 5)
            XCTAssertTrue(wait(2) { processes(matching: marker).isEmpty }, "\(flags): the stage outlived repro: \(processes(matching: marker))")
            let start = Date()
            let r = try s.repro("run", "quick")
            XCTAssertEqual(r.status, 0, r.all)
            XCTAssertFalse(r.all.contains("waiting"), r.all)
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, "the next run must not wait for a dead repro's lock")
            XCTAssertFalse(s.exists("out/slow.txt"))
        }
    }

    /// First Ctrl-C: SIGTERM, then SIGKILL after the grace period for a stage that ignores it.
    func testInterruptEscalatesForAStageThatIgnoresSIGTERM() throws {
        let marker = "ignoring-\(UUID().uuidString.prefix(8))"
        let s = try project(slow: "trap '' TERM INT; while :; do sleep 0.05; done; : \(marker)")
        let bg = try Background(["all", "-j", "1", "--no-sandbox"], in: s.root)
        XCTAssertTrue(wait(10) { !processes(matching: marker).isEmpty })
        bg.signal(SIGINT)
        let code = bg.exit(within: 10)
        XCTAssertEqual(code, 130, bg.stdout + bg.stderr)
        XCTAssertTrue(wait(2) { processes(matching: marker).isEmpty }, "survived: \(processes(matching: marker))")
        XCTAssertTrue(bg.stdout.contains("cancelled") && bg.stdout.contains("interrupted"), bg.stdout)
        XCTAssertFalse(s.exists("out/slow.txt"))
        XCTAssertEqual(try s.repro("run", "quick").status, 0)
    }

    func testSecondInterruptKillsAtOnce() throws {
        for flags in [[], ["--no-sandbox"]] {
            let marker = "twice-\(UUID().uuidString.prefix(8))"
            let s = try project(slow: "trap '' TERM INT; while :; do sleep 0.05; done; : \(marker)")
            let bg = try Background(["all", "-j", "1"] + flags, in: s.root)
            XCTAssertTrue(wait(10) { !processes(matching: marker).isEmpty })
            bg.signal(SIGINT)
            usleep(100_000)
            bg.signal(SIGINT)
            XCTAssertEqual(bg.exit(within: 1.5), 130, bg.stderr)
            XCTAssertTrue(wait(1) { processes(matching: marker).isEmpty }, "\(flags) survived: \(processes(matching: marker))")
            let next = try s.repro("run", "quick")
            XCTAssertEqual(next.status, 0, next.all)
            XCTAssertFalse(next.all.contains("waiting"), next.all)
        }
    }

    func testWaitingForTheLockAnswersCtrlCAndSIGTERM() throws {
        for sig in [SIGINT, SIGTERM] {
            let marker = "sleep 42.\(Int.random(in: 100...999))"
            let s = try project(slow: "\(marker); echo done > out/slow.txt")
            let holder = try Background(["run", "slow"], in: s.root)
            XCTAssertTrue(wait(10) { !processes(matching: marker).isEmpty })
            let waiter = try Background(["run", "quick"], in: s.root)
            XCTAssertTrue(wait(10) { waiter.stdout.contains("waiting for it to finish") }, waiter.stdout)
            let start = Date()
            waiter.signal(sig)
            XCTAssertEqual(waiter.exit(within: 2), 130, waiter.stderr)
            XCTAssertLessThan(Date().timeIntervalSince(start), 1.5)
            XCTAssertTrue(waiter.stderr.contains("interrupted"), waiter.stderr)
            XCTAssertFalse(s.exists("out/quick.txt"))
            holder.signal(SIGKILL)
            _ = holder.exit(within: 5)
        }
    }

    func testInterruptedRebuildCheckCleansUpAndFreesTheLock() throws {
        let marker = "sleep 1.\(Int.random(in: 100...999))"
        let s = try project(slow: "\(marker); echo done > out/slow.txt")
        XCTAssertEqual(try s.repro("all").status, 0)
        let bg = try Background(["check", "--rebuild", "slow"], in: s.root)
        XCTAssertTrue(wait(10) { !processes(matching: marker).isEmpty })
        bg.signal(SIGINT)
        XCTAssertEqual(bg.exit(within: 5), 130, bg.stdout + bg.stderr)
        XCTAssertFalse(s.exists(".repro/check"))
        XCTAssertTrue(wait(2) { processes(matching: marker).isEmpty })
        XCTAssertEqual(try s.repro("verify").status, 0)
        let r = try s.repro("run", "quick")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertFalse(r.all.contains("waiting"))
    }

    /// `repro all > /dev/full` and `repro all | head` finish the run instead of crashing.
    func testFullOrClosedStdoutNeverCrashesTheRun() throws {
        let s = try project(slow: "echo slow > out/slow.txt")
        let full = Process()
        full.executableURL = CLI.binary
        full.arguments = ["all"]
        full.currentDirectoryURL = s.root
        full.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        full.standardError = FileHandle(forWritingAtPath: "/dev/full")
        try full.run()
        full.waitUntilExit()
        XCTAssertEqual(full.terminationReason, .exit)
        XCTAssertEqual(full.terminationStatus, 0)
        XCTAssertEqual(s.read("out/slow.txt"), "slow\n")

        try s.write("pipeline.yaml", try XCTUnwrap(s.read("pipeline.yaml")).replacingOccurrences(of: "echo slow", with: "echo SLOW"))
        let closed = Process()
        closed.executableURL = CLI.binary
        closed.arguments = ["all"]
        closed.currentDirectoryURL = s.root
        let pipe = Pipe()
        closed.standardOutput = pipe
        closed.standardError = pipe
        try pipe.fileHandleForReading.close()
        try closed.run()
        closed.waitUntilExit()
        XCTAssertEqual(closed.terminationReason, .exit, "killed by signal \(closed.terminationStatus)")
        XCTAssertEqual(closed.terminationStatus, 0)
        XCTAssertEqual(s.read("out/slow.txt"), "SLOW\n")
        XCTAssertEqual(try s.repro("verify").status, 0)
    }

    /// Runs repro with `.repro` on a small tmpfs of its own (a private mount
    /// namespace, so no root is needed): a full disk, and a cache on another
    /// filesystem than the project.
    func reproOnSmallCache(_ s: Scratch, size: String, _ args: String...) throws -> CLI.Result {
        try FileManager.default.createDirectory(at: s.root.appendingPathComponent(".repro"), withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["-Urm", "sh", "-c",
                       "mount -t tmpfs -o size=\(size) tmpfs .repro || exit 99; \"$0\" \"$@\"; rc=$?; find .repro -name '.*tmp*' > leftovers.txt; exit $rc",
                       CLI.binary.path] + args
        p.currentDirectoryURL = s.root
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return CLI.finish(p, out, err)
    }

    func testFullDiskFailsTheStageAndKeepsPreviousOutputsAndLock() throws {
        let stage = { (bytes: Int) in """
            stages:
              big:
                kind: shell
                params:
                  argv: [sh, -c, "head -c \(bytes) /dev/zero > out/a.bin"]
                outs: [out/a.bin]
            """ }
        let s = try Scratch(["pipeline.yaml": stage(100_000)])
        let first = try reproOnSmallCache(s, size: "512k", "all")
        XCTAssertEqual(first.status, 0, "on a cache on another filesystem: " + first.all)
        let lock = try XCTUnwrap(s.read("repro.lock"))
        XCTAssertEqual(try s.repro("verify").status, 0)

        // The output fits in staging, its copy into the cache does not.
        try s.write("pipeline.yaml", stage(300_000))
        let cacheFull = try reproOnSmallCache(s, size: "512k", "all")
        XCTAssertEqual(cacheFull.status, 1, cacheFull.all)
        XCTAssertTrue(cacheFull.stdout.contains("no space left on device while writing"), cacheFull.stdout)
        XCTAssertFalse(cacheFull.stdout.contains("NSError") || cacheFull.stdout.contains("Domain="), cacheFull.stdout)
        XCTAssertEqual(s.read("leftovers.txt"), "", "a partial temporary object was left in the cache")
        XCTAssertEqual(s.read("repro.lock"), lock)
        XCTAssertEqual(try s.repro("verify").status, 0)

        // The command itself runs out of space.
        try s.write("pipeline.yaml", stage(800_000))
        let commandFull = try reproOnSmallCache(s, size: "512k", "all")
        XCTAssertEqual(commandFull.status, 1, commandFull.all)
        XCTAssertTrue(commandFull.stdout.contains("no space left on device on the filesystem"), commandFull.stdout)
        XCTAssertEqual(s.read("repro.lock"), lock)
        XCTAssertEqual(try s.repro("verify").status, 0)

        // Space again: the run converges.
        XCTAssertEqual(try s.repro("all").status, 0)
        XCTAssertEqual(try s.repro("verify").status, 0)
    }

    func testAnotherPipelineFileKeepsItsOwnLock() throws {
        let s = try project(slow: "echo slow > out/slow.txt")
        try s.write("other.yaml", """
            stages:
              other:
                kind: shell
                params:
                  argv: [sh, -c, "echo other > out/other.txt"]
                outs: [out/other.txt]
            """)
        XCTAssertEqual(try s.repro("all").status, 0)
        let lock = try XCTUnwrap(s.read("repro.lock"))
        let r = try s.repro("all", "--file", "other.yaml")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(s.read("repro.lock"), lock, "pipeline.yaml's entries must stay in repro.lock")
        XCTAssertTrue(s.read("other.lock")?.contains("\"other\"") ?? false)
        XCTAssertEqual(try s.repro("status").status, 0)
        XCTAssertEqual(try s.repro("status", "--file", "other.yaml").status, 0)
    }

    func testMessagesOfTheSmallerCases() throws {
        let missing = try CLI.run(["status", "-C", "/nonexistent/project"], in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(missing.status, 64, missing.all)
        XCTAssertTrue(missing.stderr.contains("'/nonexistent/project' does not exist"), missing.stderr)

        let kinds = try CLI.run(["kinds", "shell"], in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(kinds.status, 0, kinds.all)
        XCTAssertTrue(kinds.stdout.hasPrefix("shell: "), kinds.stdout)
        XCTAssertEqual(try CLI.run(["kinds", "nonesuch"], in: FileManager.default.temporaryDirectory).status, 64)
    }
}
