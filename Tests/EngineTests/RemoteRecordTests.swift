import Foundation
import XCTest
@testable import EngineCore
import StageAPI
@testable import RemoteCache

/// What a remote's run records must satisfy before anything is written, and
/// how remote URLs and platform facts are read.
final class RemoteRecordTests: XCTestCase {
    let a = String(repeating: "a", count: 64)
    let b = String(repeating: "0123456789abcdef", count: 4)

    func record(_ lines: String...) -> Data { Data(("repro-run-record v1\n" + lines.map { $0 + "\n" }.joined()).utf8) }

    func testRoundTripKeepsDeclaredOrder() throws {
        let outs: [(path: String, output: LockFile.Output)] = [("out/z.csv", .init(sha256: a, size: 3)), ("out/a.csv", .init(sha256: b, size: 0))]
        let back = try RemoteRecord.decode(RemoteRecord.encode(outs), declaredOuts: ["out/z.csv", "out/a.csv"])
        XCTAssertEqual(back.map(\.path), ["out/z.csv", "out/a.csv"])
        XCTAssertEqual(back.map(\.output), outs.map(\.output))
    }

    func assertRefused(_ data: Data, _ declared: [String], mentioning word: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try RemoteRecord.decode(data, declaredOuts: declared), file: file, line: line) { e in
            XCTAssertTrue("\(e)".contains(word), "\(e) should mention \(word)", file: file, line: line)
        }
    }

    func testPathsOutsideTheProjectAreRefused() {
        assertRefused(record("\(a) 3 ../etc/passwd"), ["../etc/passwd"], mentioning: "leaves the project")
        assertRefused(record("\(a) 3 /etc/passwd"), ["/etc/passwd"], mentioning: "absolute")
        assertRefused(record("\(a) 3 out/x\u{1B}[2J.csv"), ["out/x\u{1B}[2J.csv"], mentioning: "control characters")
        assertRefused(record("\(a) 3 out/a\nb"), ["out/a\nb"], mentioning: "not 'sha256 size path'")
        assertRefused(record("\(a) 3 .repro/cache/runs/x"), [".repro/cache/runs/x"], mentioning: ".repro")
    }

    func testThePathSetMustBeExactlyTheDeclaredOutsInOrder() {
        assertRefused(record("\(a) 3 out/a.csv"), ["out/a.csv", "out/b.csv"], mentioning: "missing 'out/b.csv'")
        assertRefused(record("\(a) 3 out/a.csv", "\(b) 3 out/evil.csv"), ["out/a.csv"], mentioning: "undeclared 'out/evil.csv'")
        assertRefused(record("\(b) 3 out/b.csv", "\(a) 3 out/a.csv"), ["out/a.csv", "out/b.csv"], mentioning: "another order")
        assertRefused(record("\(a) 3 out/a.csv", "\(a) 3 out/a.csv"), ["out/a.csv"], mentioning: "declared outs")
    }

    func testMalformedRecordsAreRefused() {
        assertRefused(Data("\(a) 3 out/a.csv\n".utf8), ["out/a.csv"], mentioning: "does not start")
        assertRefused(Data("repro-run-record v1\n\(a) 3 out/a.csv".utf8), ["out/a.csv"], mentioning: "newline")
        assertRefused(record("\(a.uppercased()) 3 out/a.csv"), ["out/a.csv"], mentioning: "SHA-256")
        assertRefused(record("\(a.dropLast()) 3 out/a.csv"), ["out/a.csv"], mentioning: "SHA-256")
        assertRefused(record("\(a) -3 out/a.csv"), ["out/a.csv"], mentioning: "bad size")
        assertRefused(record("\(a) 99999999999999999999 out/a.csv"), ["out/a.csv"], mentioning: "bad size")
        assertRefused(record("\(a) 3"), ["out/a.csv"], mentioning: "not 'sha256 size path'")
        assertRefused(Data([0xff, 0xfe]), ["out/a.csv"], mentioning: "UTF-8")
        assertRefused(Data(count: RemoteRecord.maxBytes + 1), ["out/a.csv"], mentioning: "larger")
    }

    func testRemoteURLs() throws {
        XCTAssertNoThrow(try RemoteConfig(url: "file:///shared/cache"))
        XCTAssertNoThrow(try RemoteConfig(url: "https://cache.example.org/repro/paper"))
        XCTAssertNoThrow(try RemoteConfig(url: "http://127.0.0.1:8080/r"))
        for bad in ["/shared/cache", "ftp://host/x", "file://relative/x", "https://user:secret@host/x", "http:///x", "http://host/x?y=1"] {
            XCTAssertThrowsError(try RemoteConfig(url: bad), bad)
        }
        XCTAssertThrowsError(try RemoteConfig(url: "https://user:secret@host/x")) { e in
            XCTAssertTrue("\(e)".contains("REPRO_REMOTE_TOKEN"), "\(e)")
            XCTAssertFalse("\(e)".contains("secret"), "a credential must never be printed: \(e)")
        }
    }

    func testCommandLineOverridesEnvironmentOverridesPipeline() throws {
        var block = Value.Object()
        block["url"] = .string("file:///from/yaml")
        block["push"] = .string("on-success")
        let env = ["REPRO_REMOTE": "http://env.example/r"]
        XCTAssertEqual(try RemoteConfig.resolve(pipeline: block, commandLine: nil, environment: [:])?.url, "file:///from/yaml")
        let fromEnv = try RemoteConfig.resolve(pipeline: block, commandLine: nil, environment: env)
        XCTAssertEqual(fromEnv?.url, "http://env.example/r")
        XCTAssertEqual(fromEnv?.push, .onSuccess, "the override changes the URL only")
        XCTAssertEqual(try RemoteConfig.resolve(pipeline: block, commandLine: "file:///cli", environment: env)?.url, "file:///cli")
        XCTAssertNil(try RemoteConfig.resolve(pipeline: .init(), commandLine: nil, environment: [:]))
    }

    func testPlatformFactsAreKeyFieldsAndExplained() {
        var f = KeyFields(kind: "ode", code: "c", params: "{}", deps: [], outs: ["o"])
        let bare = f.key
        f.platform = [PlatformFact(name: "GSL", value: "2.7.1"), PlatformFact(name: "CPU", value: "x86_64 (x86-64-v3)")]
        let old = f
        XCTAssertNotEqual(f.key, bare)
        f.platform[0].value = "2.8"
        XCTAssertNotEqual(f.key, old.key)
        XCTAssertEqual(f.changes(since: old), ["platform: GSL 2.7.1 → 2.8"])
        // No field can be forged by moving text between a fact's name and value.
        var g = old
        g.platform = [PlatformFact(name: "GSL 2", value: ".7.1"), old.platform[1]]
        XCTAssertNotEqual(g.key, old.key)
    }

    func testPlatformFactsRoundTripThroughTheLock() throws {
        var f = KeyFields(kind: "ode", code: "c", params: "{}", deps: [], outs: ["o"])
        f.platform = [PlatformFact(name: "GSL", value: "2.7.1"), PlatformFact(name: "`python3 --version`", value: "Python \"3\"")]
        f.upstream = [.init(path: "up", sha256: a)]
        let lock = LockFile(stages: ["s": .init(key: f.key, fields: f, outs: [("o", .init(sha256: b, size: 1))])])
        let back = try LockFile.parse(lock.text)
        XCTAssertEqual(back, lock)
        XCTAssertEqual(back.text, lock.text)
    }
}
