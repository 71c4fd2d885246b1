import EngineCore
import StageAPI
import Foundation
import XCTest

/// Issue 26, "what is read back" and "input that crashes or misleads",
/// through the real binary.
final class ReadBackTrustTests: XCTestCase {
    let stage = """
        stages:
          s:
            kind: shell
            params:
              argv: [sh, -c, "tr a-z A-Z < data/in.txt > out/a.txt"]
            deps: [data/in.txt]
            outs: [out/a.txt]

        """

    /// A run record claiming 999999 bytes for a 6-byte object is not
    /// restored: the stage runs, and the lock records the real size.
    func testARunRecordsSizeIsCheckedAgainstTheObject() throws {
        let s = try Scratch(["pipeline.yaml": stage, "data/in.txt": "hello\n"])
        XCTAssertEqual(try s.repro("all").status, 0)
        let key = try XCTUnwrap(LockFile.load(from: s.root.appendingPathComponent("repro.lock")).stages["s"]?.key)
        let sha = sha256Hex(Array("HELLO\n".utf8))
        try s.write(".repro/cache/runs/\(key.prefix(2))/\(key)", "\(sha) 999999 out/a.txt\n")
        try FileManager.default.removeItem(at: s.root.appendingPathComponent("out/a.txt"))
        try FileManager.default.removeItem(at: s.root.appendingPathComponent("repro.lock"))
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("1 ran"), "not restored: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("not the size its record says"), r.stdout)
        let entry = try XCTUnwrap(LockFile.load(from: s.root.appendingPathComponent("repro.lock")).stages["s"])
        XCTAssertEqual(entry.outs.first?.output.size, 6)
        XCTAssertEqual(try s.repro("verify").status, 0)
    }

    /// verify compares sizes, and names lock entries of stages that do not exist.
    func testVerifyChecksSizesAndNamesEntriesOfUnknownStages() throws {
        let s = try Scratch(["pipeline.yaml": stage, "data/in.txt": "hello\n"])
        XCTAssertEqual(try s.repro("all").status, 0)
        let good = try XCTUnwrap(s.read("repro.lock"))
        try s.write("repro.lock", good.replacingOccurrences(of: "\"size\": 6", with: "\"size\": 999999"))
        let r = try s.repro("verify")
        XCTAssertEqual(r.status, 3, r.all)
        XCTAssertTrue(r.stdout.contains("out/a.txt (s): size differs: 6 bytes on disk, the lock says 999999"), r.stdout)

        var lock = try LockFile.load(from: s.root.appendingPathComponent("repro.lock"))
        lock.stages["ghost"] = lock.stages["s"]
        lock.stages["s"]!.outs[0].output.size = 6
        try lock.write(to: s.root.appendingPathComponent("repro.lock"), durable: false)
        let g = try s.repro("verify")
        XCTAssertEqual(g.status, 3, g.all)
        XCTAssertTrue(g.stdout.contains("ghost: in repro.lock but not in the pipeline"), g.stdout)
    }

    /// Inputs that used to crash (rc 132) are errors with a message.
    func testHugeNumbersAndPortsAreErrorsNotCrashes() throws {
        let s = try Scratch(["pipeline.yaml": """
            stages:
              b:
                kind: fixed-points
                params: {mu_start: 1.0e308, step: 0.02, fold_tol: 1.0e-7}
                outs: [out/b.csv]

            """])
        let r = try s.repro("status")
        XCTAssertEqual(r.status, 65, r.all)
        XCTAssertTrue(r.stderr.contains("would allocate more than any machine has"), r.stderr)

        try s.write("pipeline.yaml", "remote:\n  url: http://127.0.0.1:70000/cache\n" + stage)
        try s.write("data/in.txt", "hello\n")
        let port = try s.repro("all")
        XCTAssertEqual(port.status, 65, port.all)
        XCTAssertTrue(port.stderr.contains("has port 70000: a port is 1 to 65535"), port.stderr)
        try s.write("pipeline.yaml", stage)
        for command in ["all", "pull"] {
            let cli = try s.repro(command, "--remote", "http://127.0.0.1:99999/x")
            XCTAssertEqual(cli.status, 64, "\(command): \(cli.all)")
            XCTAssertTrue(cli.stderr.contains("has port 99999"), cli.stderr)
        }
    }

    /// A pipeline file's lock may not be another pipeline's, an out, or outside the project.
    func testLockNamesDoNotCollide() throws {
        let s = try Scratch(["pipeline.yaml": stage, "data/in.txt": "hello\n"])
        XCTAssertEqual(try s.repro("all").status, 0)
        let lock = try XCTUnwrap(s.read("repro.lock"))
        try s.write("repro.yaml", stage.replacingOccurrences(of: "a-z A-Z", with: "a-z a-z"))
        let r = try s.repro("all", "--file", "repro.yaml")
        XCTAssertEqual(r.status, 65, r.all)
        XCTAssertTrue(r.stderr.contains("its lock would be repro.lock, pipeline.yaml's"), r.stderr)
        XCTAssertEqual(s.read("repro.lock"), lock)

        try s.write("p5.yaml", stage.replacingOccurrences(of: "outs: [out/a.txt]", with: "outs: [p5.lock]")
                        .replacingOccurrences(of: "> out/a.txt", with: "> p5.lock"))
        let out = try s.repro("status", "--file", "p5.yaml")
        XCTAssertEqual(out.status, 65, out.all)
        XCTAssertTrue(out.stderr.contains("is this pipeline file's lock"), out.stderr)

        let inner = s.root.appendingPathComponent("inner")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        try s.write("x.yaml", stage)
        let up = try CLI.run(["all", "--file", "../x.yaml"], in: inner)
        XCTAssertEqual(up.status, 65, up.all)
        XCTAssertTrue(up.stderr.contains("leaves the project"), up.stderr)
        XCTAssertFalse(s.exists("x.lock"))

        try s.write("y.yaml", stage)
        try s.write("y.yml", stage)
        let twin = try s.repro("status", "--file", "y.yml")
        XCTAssertEqual(twin.status, 65, twin.all)
        XCTAssertTrue(twin.stderr.contains("would also be the lock of y.yaml"), twin.stderr)
    }

    func testEnvironmentNamesAreChecked() throws {
        for name in ["\"A=B\"", "\"\"", "\"1X\""] {
            let s = try Scratch(["pipeline.yaml": stage.replacingOccurrences(of: "    deps:", with: "      env: {\(name): c}\n    deps:"),
                                 "data/in.txt": "hello\n"])
            let r = try s.repro("status")
            XCTAssertEqual(r.status, 65, "\(name): \(r.all)")
            XCTAssertTrue(r.stderr.contains("is not a variable name"), r.stderr)
        }
    }

    /// A failing command that wrote 20 MB on one line: its message shows a short tail.
    func testAHugeStderrLineIsCutInTheFailureMessage() throws {
        let s = try Scratch(["pipeline.yaml": stage.replacingOccurrences(
            of: "tr a-z A-Z < data/in.txt > out/a.txt", with: "yes x | head -c 20000000 | tr -d '[:space:]' >&2; exit 1"),
                             "data/in.txt": "hello\n"])
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stdout.contains("xxxx"), String(r.stdout.prefix(2000)))
        XCTAssertTrue(r.stdout.contains("bytes)"), String(r.stdout.prefix(2000)))
        XCTAssertLessThan(r.stdout.utf8.count, 10_000)
    }
}

/// Issue 26's smaller items: what used to mislead.
final class MisleadingInputTests: XCTestCase {
    func testDataOutputIntoAFullDeviceFails() throws {
        let s = try Scratch(["pipeline.yaml": "stages:\n  s:\n    kind: shell\n    params: {argv: [touch, o.txt]}\n    outs: [o.txt]\n"])
        XCTAssertEqual(try s.repro("all").status, 0)
        for args in [["dag", "--dot"], ["log", "--json"]] {
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = args
            p.currentDirectoryURL = s.root
            p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
            let err = Pipe()
            p.standardError = err
            try p.run()
            p.waitUntilExit()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            XCTAssertEqual(p.terminationStatus, 1, "\(args): \(message)")
            XCTAssertTrue(message.contains("cannot write standard output: No space left on device"), message)
        }
    }

    func testATabIndentationIsNamed() throws {
        let s = try Scratch(["pipeline.yaml": "stages:\n  s:\n\tkind: shell\n"])
        let r = try s.repro("status")
        XCTAssertEqual(r.status, 65, r.all)
        XCTAssertTrue(r.stderr.contains("line 3 is indented with a tab: YAML indents with spaces only"), r.stderr)
    }

    func testLatin1GetsItsOwnHint() throws {
        let s = try Scratch([:])
        try Data(Array("stages:\n  s:\n    desc: caf".utf8) + [0xE9] + Array("\n".utf8)).write(to: s.root.appendingPathComponent("pipeline.yaml"))
        let r = try s.repro("status")
        XCTAssertEqual(r.status, 65, r.all)
        XCTAssertTrue(r.stderr.contains("iconv -f LATIN1 -t UTF-8") && !r.stderr.contains("UTF-16"), r.stderr)
    }

    func testAHugeArgvIsRefusedAtValidation() throws {
        let s = try Scratch(["pipeline.yaml": "stages:\n  s:\n    kind: shell\n    params:\n      argv: [echo, "
                             + String(repeating: "a", count: 200_000) + "]\n    outs: [o.txt]\n"])
        let r = try s.repro("status")
        XCTAssertEqual(r.status, 65, r.all)
        XCTAssertTrue(r.stderr.contains("a word of 200000 bytes is longer than a command may take (128 KiB)"), r.stderr)
    }
}
