import Foundation
import XCTest
@testable import EngineCore
import StageAPI

/// Files on disk that are not what they claim: a pipeline in the wrong
/// encoding, a lock nested too deep, a lock entry pointing outside the project.
final class HostileFileTests: XCTestCase {
    func loadErrors(_ bytes: [UInt8]) throws -> [String] {
        let t = try TempProject()
        try Data(bytes).write(to: t.root.appendingPathComponent("pipeline.yaml"))
        do {
            _ = try Pipeline.load(root: t.root, registry: testRegistry)
            XCTFail("expected the pipeline to be rejected")
            return []
        } catch let e as PipelineErrors {
            return e.errors.map(\.description)
        }
    }

    static let yaml = "stages:\n  a:\n    kind: concat\n    outs: [x]\n"

    func testUTF16PipelinesAreNamedAsSuch() throws {
        let le = Array(Self.yaml.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        XCTAssertEqual(try loadErrors([0xFF, 0xFE] + le), [
            "pipeline.yaml:1:1: error: pipeline.yaml is UTF-16 text (it starts with a UTF-16 byte-order mark)\n  hint: save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8 pipeline.yaml > fixed.yaml, then rename)",
        ])
        XCTAssertEqual(try loadErrors(le).first?.hasPrefix("pipeline.yaml:1:2: error: pipeline.yaml looks like UTF-16 text without a byte-order mark"), true)
        XCTAssertEqual(try loadErrors([0x00, 0x00, 0xFE, 0xFF]).first?.contains("is UTF-32 text"), true)
        XCTAssertEqual(try loadErrors([0x00, 0x00, 0xFE, 0xFF]).first?.contains("iconv -f UTF-32 -t UTF-8"), true)
        // UTF-32 without a byte-order mark is named as UTF-32, with its own iconv hint (issue 26).
        let le32 = Array(Self.yaml.unicodeScalars).flatMap { s in [UInt8(s.value & 0xFF), 0, 0, 0] }
        let e32 = try XCTUnwrap(try loadErrors(le32).first)
        XCTAssertTrue(e32.contains("looks like UTF-32 text without a byte-order mark") && e32.contains("iconv -f UTF-32 -t UTF-8"), e32)
    }

    func testLatin1BytesArePinpointed() throws {
        var bytes = Array(Self.yaml.utf8)
        bytes.insert(0xE9, at: bytes.firstIndex(of: UInt8(ascii: "x"))!)  // "é" in Latin-1
        XCTAssertEqual(try loadErrors(bytes).first, "pipeline.yaml:4:12: error: pipeline.yaml is not valid UTF-8 (byte 0xE9)\n  hint: save it as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8 pipeline.yaml > fixed.yaml, then rename); if it is not Latin-1, name its encoding instead of LATIN1")
        // Overlong encodings and surrogates are not UTF-8 either.
        XCTAssertEqual(try loadErrors(Array("stages: ".utf8) + [0xC0, 0xAF]).first?.contains("byte 0xC0"), true)
        XCTAssertEqual(try loadErrors(Array("stages: ".utf8) + [0xED, 0xA0, 0x80]).first?.contains("byte 0xED"), true)
    }

    func testAUTF8ByteOrderMarkIsAccepted() throws {
        let t = try TempProject()
        try Data([0xEF, 0xBB, 0xBF] + Array(Self.yaml.utf8)).write(to: t.root.appendingPathComponent("pipeline.yaml"))
        XCTAssertEqual(try Pipeline.load(root: t.root, registry: testRegistry).stages.map(\.name), ["a"])
    }

    func testAMissingPipelineSaysSo() throws {
        let t = try TempProject()
        XCTAssertThrowsError(try Pipeline.load(root: t.root, registry: testRegistry)) { e in
            XCTAssertTrue("\(e)".contains("cannot read pipeline.yaml in \(t.root.path): no such file"), "\(e)")
        }
    }

    func testADeeplyNestedLockIsDamagedNotACrash() throws {
        let t = try TempProject()
        let depth = 50_000
        try t.write("repro.lock", String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        XCTAssertThrowsError(try LockFile.load(from: t.root.appendingPathComponent("repro.lock"))) { e in
            XCTAssertEqual("\(e)", "repro.lock is damaged (invalid JSON at byte 256: nested deeper than 256 levels); restore it from git (git checkout -- repro.lock) or delete it to rebuild the record")
        }
    }

    func testJSONNestingUpToTheLimitIsRead() throws {
        let d = JSONReader.maxDepth
        let ok = String(repeating: "{\"a\":", count: d - 1) + "[1]" + String(repeating: "}", count: d - 1)
        XCTAssertNoThrow(try JSONReader.parse(ok))
        XCTAssertThrowsError(try JSONReader.parse("[" + ok + "]"))
    }

    func testRepeatedJSONKeysKeepTheLastValue() throws {
        XCTAssertEqual(try JSONReader.parse(#"{"b":1,"a":2,"b":3}"#), .object(.init([("a", .int(2)), ("b", .int(3))])))
    }

    func testAUTF16LockIsDamaged() throws {
        let t = try TempProject()
        try Data([0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00]).write(to: t.root.appendingPathComponent("repro.lock"))
        XCTAssertThrowsError(try LockFile.load(from: t.root.appendingPathComponent("repro.lock"))) { e in
            XCTAssertTrue("\(e)".hasPrefix("repro.lock is damaged (it is UTF-16 text (it starts with a UTF-16 byte-order mark) at byte 0)"), "\(e)")
        }
    }

    static let digest = String(repeating: "a", count: 64)

    func lockText(name: String = "s", out: String = "o.txt", sha: String = digest, dep: String = "in.txt") -> String {
        var e = ""
        Value.writeJSONString(out, into: &e)
        var d = ""
        Value.writeJSONString(dep, into: &d)
        var n = ""
        Value.writeJSONString(name, into: &n)
        return """
            {"stages": {\(n): {"code": "c", "dep_order": [\(d)], "deps": {\(d): "\(Self.digest)"}, "key": "\(Self.digest)",
              "kind": "concat", "out_order": [\(e)], "outs": {\(e): {"sha256": "\(sha)", "size": 3}}, "params": {}}},
             "version": 1}
            """
    }

    func testLockEntriesThatBreakThePathRulesAreIgnoredWithAReason() throws {
        XCTAssertEqual(try LockFile.parse(lockText()).stages.keys.sorted(), ["s"])
        let cases: [(String, String)] = [
            (lockText(out: "../escape.txt"), "output path '../escape.txt' leaves the project ('..')"),
            (lockText(out: "/tmp/x"), "output path '/tmp/x' is absolute (outside the project)"),
            (lockText(out: "a\nb"), "output path 'a\\nb' contains a newline"),
            (lockText(out: ".repro/cache/x"), "output path '.repro/cache/x' is inside .repro/, which repro and git manage"),
            (lockText(dep: "../../secret"), "dependency path '../../secret' leaves the project ('..')"),
            (lockText(sha: "../../../../etc/passwd"), "output 'o.txt' has a malformed sha256"),
            (lockText(name: "s\nt"), "its name is not a stage name"),
        ]
        for (text, reason) in cases {
            let lock = try LockFile.parse(text)
            XCTAssertTrue(lock.stages.isEmpty, reason)
            XCTAssertEqual(lock.rejected.map(\.reason), [reason])
            XCTAssertFalse(lock.text.contains("escape") || lock.text.contains("passwd"), "a rewritten lock drops the entry")
        }
        XCTAssertEqual(try LockFile.parse(lockText(out: "../x")).rejected.first?.description,
                       "repro.lock: ignoring the entry of stage 's': output path '../x' leaves the project ('..'); the stage will run again")
    }
}
