import Foundation
import XCTest
import EngineCore

/// Issue 31: a no-op `repro all` / `repro status` answers from `NoOpProof`
/// (the facts a previous all-up-to-date decision rested on) instead of
/// parsing and keying the pipeline. Each change below must make the proof
/// fail and the command decide again, with the right answer; and a proof is
/// never written for a decision that read something it cannot pin.
final class NoOpProofTests: XCTestCase {
    /// CLIRunTests' pipeline with its first dep in a directory (a directory on a dep's way is a fact too).
    static let pipeline = CLIRunTests.pipeline.replacingOccurrences(of: "cat a.txt", with: "cat data/a.txt")
        .replacingOccurrences(of: "deps: [a.txt,", with: "deps: [data/a.txt,") + "\n"

    /// A project run once, cold (its files are young: no proof can be written yet).
    func ranProject(_ pipeline: String = pipeline) throws -> Scratch {
        let s = try Scratch(["pipeline.yaml": pipeline, "data/a.txt": "hello\n", "b.txt": "world\n"])
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 0, r.all)
        return s
    }

    /// Marks the proof (an mtime no writer gives it): a command that decides
    /// again replaces or removes the proof, one answered from it leaves the
    /// file as it was. (Whether a proof holds can only be asked of the binary
    /// that wrote it: its own identity is part of the key. And inode numbers
    /// are reused at once, so they cannot tell a rewrite.)
    func markProof(_ s: Scratch) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 946_684_800)],
                                              ofItemAtPath: s.root.appendingPathComponent(proofPath).path)
    }

    /// Whether the proof is still the one `markProof` marked.
    func proofUntouched(_ s: Scratch) -> Bool {
        let date = try? FileManager.default.attributesOfItem(atPath: s.root.appendingPathComponent(proofPath).path)[.modificationDate] as? Date
        return date == Date(timeIntervalSince1970: 946_684_800)
    }

    func writer(_ s: Scratch) -> String? {
        s.read(proofPath)?.split(separator: "\n").first { $0.hasPrefix("by ") }.map { String($0.dropFirst(3)) }
    }

    var proofPath: String { ".repro/uptodate.repro.lock" }

    /// Past the 2 s window in which a file's stat cannot pin its content.
    func letFilesAge() { usleep(2_200_000) }

    func testANoOpAnswersFromTheProofAndEveryChangeMakesItDecideAgain() throws {
        let positive = try ranProject(), dep = try ranProject(), output = try ranProject(), edited = try ranProject()
        let linked = try ranProject(), remote = try ranProject(), damaged = try ranProject(), code = try ranProject()
        // Files changed within 2 s of the decision: nothing pinned, no proof.
        let fresh = try ranProject()
        let young = try fresh.repro("all")
        XCTAssertTrue(young.stdout.contains("4 up to date"), young.all)
        XCTAssertFalse(fresh.exists(proofPath), "a proof written over files younger than the stat window")
        letFilesAge()
        for s in [positive, dep, output, edited, linked, remote, damaged, code] {
            let r = try s.repro("all")
            XCTAssertTrue(r.stdout.contains("4 up to date"), r.all)
            XCTAssertEqual(writer(s), "run", "no proof after a no-op run over old files")
        }

        // The proof answers `all` and `status`, with what they would have said.
        try markProof(positive)
        let fast = try positive.repro("all")
        XCTAssertEqual(fast.status, 0, fast.all)
        XCTAssertTrue(fast.stdout.contains("4 up to date in"), fast.all)
        let status = try positive.repro("status")
        XCTAssertEqual(status.status, 0)
        XCTAssertEqual(status.stdout, "all 4 stages up to date\n")
        XCTAssertTrue(proofUntouched(positive), "a no-op that did not answer from its proof")

        // A dep rewritten with the same size and its mtime put back: its ctime still moved.
        let a = dep.root.appendingPathComponent("data/a.txt")
        let mtime = try FileManager.default.attributesOfItem(atPath: a.path)[.modificationDate] as! Date
        try dep.write("data/a.txt", "HALLO\n")
        try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: a.path)
        let rerun = try dep.repro("all")
        XCTAssertTrue(rerun.stdout.contains("4 ran"), rerun.all)
        XCTAssertEqual(dep.read("out/up-1.txt"), "HALLO\nWORLD\n")

        // An output deleted: restored, not reported up to date.
        try FileManager.default.removeItem(at: output.root.appendingPathComponent("out/up-2.txt"))
        let restored = try output.repro("all")
        XCTAssertTrue(restored.stdout.contains("1 restored from cache"), restored.all)
        XCTAssertEqual(output.read("out/up-2.txt"), "HELLO\nWORLD\n")

        // pipeline.yaml's bytes are in the key: a comment is enough to decide again (nothing runs;
        // the edit is too recent to pin, so no proof is left).
        try edited.write("pipeline.yaml", Self.pipeline + "# a comment\n")
        let same = try edited.repro("all")
        XCTAssertTrue(same.stdout.contains("4 up to date"), same.all)
        XCTAssertFalse(edited.exists(proofPath))

        // A directory on a dep's way swapped for a link to itself moved outside: the files keep
        // their inodes and times, but the dep now leads outside the project, which must be refused.
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("repro-noop-outside-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.moveItem(at: linked.root.appendingPathComponent("data"), to: outside)
        try FileManager.default.createSymbolicLink(at: linked.root.appendingPathComponent("data"), withDestinationURL: outside)
        let refused = try linked.repro("all")
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.all.contains("leads outside the project"), refused.all)

        // REPRO_* variables (a remote) are in the key: the run decides again, with the remote, and
        // leaves no proof (a run with a remote certifies nothing about a run without one).
        let cacheDir = FileManager.default.temporaryDirectory.appendingPathComponent("repro-noop-remote-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cacheDir) }
        try FileManager.default.createDirectory(at: cacheDir, withIntermediateDirectories: true)
        let (p, o, e) = try CLI.start(["all"], in: remote.root, extraEnv: ["REPRO_REMOTE": cacheDir.absoluteString])
        let withRemote = CLI.finish(p, o, e)
        XCTAssertEqual(withRemote.status, 0, withRemote.all)
        XCTAssertFalse(remote.exists(proofPath), "a run with a remote left a proof: \(withRemote.all)")

        // A damaged or altered proof is no proof: the run decides again (and, its files being old, writes a new one).
        let text = damaged.read(proofPath)!
        for bad in [String(text.dropLast(4)), text.replacingOccurrences(of: "stages 4\n", with: "stages 40\n"), "", "by run\n"] {
            XCTAssertNotEqual(bad, text)
            try damaged.write(proofPath, bad)
            try markProof(damaged)
            let r = try damaged.repro("all")
            XCTAssertTrue(r.stdout.contains("4 up to date in"), r.all)
            XCTAssertFalse(r.stdout.contains("40"), r.all)
            XCTAssertFalse(proofUntouched(damaged))
            XCTAssertEqual(damaged.read(proofPath), text, "the proof written again differs from the first")
        }

        // The stale-binary check reads the package's sources when the project has them: a new
        // source directory makes the run decide again.
        try markProof(code)
        try FileManager.default.createDirectory(at: code.root.appendingPathComponent("Sources/ShellStages"), withIntermediateDirectories: true)
        XCTAssertTrue(try code.repro("all").stdout.contains("4 up to date"))
        XCTAssertFalse(proofUntouched(code))
        XCTAssertFalse(code.exists(proofPath), "a proof over a source directory made a moment ago")
    }

    /// `status` pins the same facts, but knows nothing of remotes or
    /// executors: its proof answers `status`, never `all`.
    func testAProofWrittenByStatusDoesNotAnswerARun() throws {
        let s = try ranProject()
        letFilesAge()
        XCTAssertEqual(try s.repro("status").status, 0)
        XCTAssertEqual(writer(s), "status")
        try markProof(s)
        XCTAssertEqual(try s.repro("status").stdout, "all 4 stages up to date\n")
        XCTAssertTrue(proofUntouched(s), "status did not answer from its own proof")
        XCTAssertTrue(try s.repro("all").stdout.contains("4 up to date"))
        XCTAssertEqual(writer(s), "run", "a run answered from a proof written by status")
        try markProof(s)
        XCTAssertEqual(try s.repro("status").status, 0)
        XCTAssertTrue(proofUntouched(s), "status did not answer from a run's proof")
    }

    /// A decision that ran a command (a shell stage's `fingerprint:`) rested on
    /// more than files: no proof, so every no-op runs the fingerprint again.
    func testNoProofIsWrittenWhenTheDecisionRanACommand() throws {
        let fingerprinted = Self.pipeline.replacingOccurrences(of: "b.txt > out/ab.txt\"]\n",
                                                              with: "b.txt > out/ab.txt\"]\n      fingerprint: [[sh, -c, \"echo tool 1.0\"]]\n")
        XCTAssertNotEqual(fingerprinted, Self.pipeline)
        let s = try ranProject(fingerprinted)
        letFilesAge()
        let r = try s.repro("all")
        XCTAssertTrue(r.stdout.contains("4 up to date"), r.all)
        XCTAssertFalse(s.exists(proofPath), "a proof over a decision that ran a fingerprint command")
        XCTAssertEqual(try s.repro("status").status, 0)
        XCTAssertFalse(s.exists(proofPath))
    }
}
