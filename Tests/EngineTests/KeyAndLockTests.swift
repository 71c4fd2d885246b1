import Crypto
import XCTest
@testable import EngineCore
import StageAPI

final class KeyAndLockTests: XCTestCase {
    let base = KeyFields(kind: "k", code: "c", params: #"{"a":1}"#, deps: [.init(path: "in", sha256: "s")], outs: ["o"])

    func testEveryFieldChangesTheKey() {
        var variants: [KeyFields] = []
        var f = base; f.kind = "k2"; variants.append(f)
        f = base; f.code = "c2"; variants.append(f)
        f = base; f.params = #"{"a":2}"#; variants.append(f)
        f = base; f.deps[0].sha256 = "t"; variants.append(f)
        f = base; f.deps[0].path = "in2"; variants.append(f)
        f = base; f.outs = ["o2"]; variants.append(f)
        let keys = Set(variants.map(\.key) + [base.key])
        XCTAssertEqual(keys.count, variants.count + 1)
        XCTAssertEqual(base.key, base.key)
        XCTAssertEqual(base.key.count, 64)
    }

    func testLengthPrefixingPreventsFieldSplicing() {
        let a = KeyFields(kind: "ab", code: "c", params: "{}", deps: [], outs: ["x"])
        let b = KeyFields(kind: "a", code: "bc", params: "{}", deps: [], outs: ["x"])
        XCTAssertNotEqual(a.key, b.key)
        let c = KeyFields(kind: "k", code: "c", params: "{}", deps: [], outs: ["x", "y"])
        let d = KeyFields(kind: "k", code: "c", params: "{}", deps: [], outs: ["xy"])
        XCTAssertNotEqual(c.key, d.key)
    }

    func testChangesNameTheField() {
        var f = base
        f.params = #"{"a":2,"b":"x"}"#
        f.deps[0].sha256 = "u"
        let changes = f.changes(since: base)
        XCTAssertEqual(changes.count, 2)
        XCTAssertTrue(changes[0].contains("a: 1 -> 2") && changes[0].contains("b added"), changes[0])
        XCTAssertTrue(changes[1].hasPrefix("input changed: in"))
    }

    func testLockRoundTripsAndIsSortedWithLF() throws {
        var lock = LockFile()
        let f2 = KeyFields(kind: "k", code: "c", params: #"{"x":1.5,"y":[1,2.0]}"#,
                           deps: [.init(path: "z", sha256: "1"), .init(path: "a", sha256: "2")], outs: ["o2", "o1"])
        let d = String(repeating: "d", count: 64), e = String(repeating: "e", count: 64), f = String(repeating: "f", count: 64)
        lock.stages["b"] = .init(key: base.key, fields: base, outs: [("o", .init(sha256: d, size: 3))])
        lock.stages["a"] = .init(key: f2.key, fields: f2, outs: [("o2", .init(sha256: e, size: 1)), ("o1", .init(sha256: f, size: 2))])
        let text = lock.text
        XCTAssertFalse(text.contains("\r"))
        XCTAssertTrue(text.hasSuffix("}\n"))
        XCTAssertLessThan(text.range(of: "\"a\": {")!.lowerBound, text.range(of: "\"b\": {")!.lowerBound)
        let back = try LockFile.parse(text)
        XCTAssertEqual(back, lock)
        XCTAssertEqual(back.stages["a"]!.fields.key, f2.key, "the key recomputes from the stored fields")
        XCTAssertEqual(back.text, text)
    }

    func testCanonicalJSONRoundTripsThroughTheReader() throws {
        let v = Value.object(.init([("n", .int(-3)), ("d", .double(0.1)), ("e", .double(1e300)), ("s", .string("q\"\\\n\u{1}é")),
                                    ("a", .array([.bool(true), .null, .double(2)]))]))
        let text = v.canonicalJSON
        XCTAssertEqual(try JSONReader.parse(text), v)
        XCTAssertEqual(try JSONReader.parse(text).canonicalJSON, text)
    }
}

final class FileHasherTests: XCTestCase {
    func testStreamingDigestMatchesOneShotSHA256AcrossChunkBoundaries() throws {
        let t = try TempProject()
        let url = t.root.appendingPathComponent("big.bin")
        var bytes = [UInt8](repeating: 0, count: (1 << 20) * 3 + 12345)
        var x: UInt32 = 1
        for i in bytes.indices { x = x &* 1_664_525 &+ 1_013_904_223; bytes[i] = UInt8(x >> 24) }
        try Data(bytes).write(to: url)
        let d = try FileHasher.hash(url: url)
        XCTAssertEqual(d.sha256, SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
        XCTAssertEqual(d.size, Int64(bytes.count))
    }

    func testKnownVector() throws {
        XCTAssertEqual(FileHasher.hash(data: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testStatCacheNeverHidesARecentRewriteOfTheSameSize() throws {
        let t = try TempProject(["f": "aaaa"])
        let url = t.root.appendingPathComponent("f")
        let cacheFile = t.root.appendingPathComponent("statcache")
        let h = FileHasher(cacheFile: cacheFile)
        let first = try h.digest(of: url)!
        try Data("bbbb".utf8).write(to: url)  // same size, same second
        XCTAssertNotEqual(try h.digest(of: url)!.sha256, first.sha256)
        h.save()
        // An old file's cached digest is reused: prove it by planting a wrong digest.
        let old = Date().addingTimeInterval(-100)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: url.path)
        let h2 = FileHasher(cacheFile: cacheFile)
        let real = try h2.digest(of: url)!.sha256
        h2.save()
        var text = try String(contentsOf: cacheFile, encoding: .utf8)
        text = text.replacingOccurrences(of: real, with: String(repeating: "0", count: 64))
        try text.write(to: cacheFile, atomically: true, encoding: .utf8)
        // ctime is recent (setAttributes touched it) so the entry is still re-hashed: decisions stay on content.
        XCTAssertEqual(try FileHasher(cacheFile: cacheFile).digest(of: url)!.sha256, real)
    }
}
