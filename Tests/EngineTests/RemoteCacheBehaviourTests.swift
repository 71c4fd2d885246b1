import Foundation
import Synchronization
import XCTest
@testable import EngineCore
import StageAPI
@testable import RemoteCache

/// How the remote cache behaves when its transport misbehaves: retries,
/// one warning then local computation, `required`, verification.
final class RemoteCacheBehaviourTests: XCTestCase {
    /// A directory remote whose first `failures` calls fail with `error`.
    final class ScriptedRemote: RemoteBackend {
        let inner: DirectoryRemote
        let error: RemoteError
        let failures: Int
        let calls = Atomic<Int>(0)
        init(root: URL, failures: Int, error: RemoteError) {
            inner = DirectoryRemote(root: root, display: "file://" + root.path)
            self.failures = failures
            self.error = error
        }
        var display: String { inner.display }
        func fail() throws { if calls.wrappingAdd(1, ordering: .relaxed).oldValue < failures { throw error } }
        func get(_ path: String, to file: URL, limit: Int64?, progress: @Sendable (Int64) -> Void) throws -> Bool {
            try fail(); return try inner.get(path, to: file, limit: limit, progress: progress)
        }
        func exists(_ path: String) throws -> Bool { try fail(); return try inner.exists(path) }
        func put(_ path: String, from file: URL) throws { try fail(); try inner.put(path, from: file) }
        func probe() throws { try fail() }
    }

    final class Warnings: Sendable {
        let lines = Mutex<[String]>([])
        func add(_ s: String) { lines.withLock { $0.append(s) } }
        var all: [String] { lines.withLock { $0 } }
    }

    var dir: URL!
    var store: Store!
    let outs = ["out/a.txt"]

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("repro-remote-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("remote"), withIntermediateDirectories: true)
        store = Store(root: dir.appendingPathComponent("cache"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Pushes one object and its record through a healthy remote; returns the key.
    func seed(_ content: String = "hello\n") throws -> (key: String, sha: String) {
        let file = dir.appendingPathComponent("a.txt")
        try Data(content.utf8).write(to: file)
        let sha = FileHasher.hash(data: Array(content.utf8))
        try store.put(file, sha256: sha)
        let healthy = RemoteCache(config: try RemoteConfig(url: "file://" + dir.appendingPathComponent("remote").path),
                                  backend: DirectoryRemote(root: dir.appendingPathComponent("remote"), display: "r"), warn: { _ in })
        let key = String(repeating: "b", count: 64)
        XCTAssertTrue(try healthy.push(key: key, stage: "s", outs: [("out/a.txt", .init(sha256: sha, size: Int64(content.utf8.count)))], from: store))
        // A fresh local cache, as on another machine.
        try FileManager.default.removeItem(at: store.root)
        return (key, sha)
    }

    func cache(_ backend: ScriptedRemote, required: Bool = false, warnings: Warnings) throws -> RemoteCache {
        var config = try RemoteConfig(url: "file://" + dir.path)
        config.required = required
        return RemoteCache(config: config, backend: backend, warn: { warnings.add($0) })
    }

    func testTransientFailuresAreRetriedWithBackoff() throws {
        let (key, sha) = try seed()
        let w = Warnings()
        let backend = ScriptedRemote(root: dir.appendingPathComponent("remote"), failures: 2, error: .transient("connection reset"))
        let start = Date()
        guard case .found(let got) = try cache(backend, warnings: w).fetch(key: key, stage: "s", declaredOuts: outs, into: store) else {
            return XCTFail("two transient failures must be retried past")
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.4, "backoff: 0.1 s then 0.3 s")
        XCTAssertEqual(got.map(\.output.sha256), [sha])
        XCTAssertTrue(store.hasObject(sha))
        XCTAssertEqual(w.all, [])
    }

    func testARemoteThatStaysDownWarnsOnceAndIsThenSkipped() throws {
        let (key, _) = try seed()
        let w = Warnings()
        let backend = ScriptedRemote(root: dir.appendingPathComponent("remote"), failures: 1000, error: .transient("connection refused"))
        let c = try cache(backend, warnings: w)
        for _ in 0..<3 {
            guard case .absent = try c.fetch(key: key, stage: "s", declaredOuts: outs, into: store) else { return XCTFail("must fall back") }
        }
        XCTAssertEqual(backend.calls.load(ordering: .relaxed), 4, "four attempts, then the remote is left alone for the run")
        XCTAssertEqual(w.all.count, 1, "\(w.all)")
        XCTAssertTrue(w.all[0].contains("connection refused") && w.all[0].contains("computing locally"), w.all[0])
    }

    func testRequiredRemoteThrowsInsteadOfFallingBack() throws {
        let (key, _) = try seed()
        let backend = ScriptedRemote(root: dir.appendingPathComponent("remote"), failures: 1000, error: .transient("connection refused"))
        XCTAssertThrowsError(try cache(backend, required: true, warnings: Warnings()).fetch(key: key, stage: "s", declaredOuts: outs, into: store)) {
            XCTAssertTrue("\($0)".contains("--remote-required"), "\($0)")
        }
    }

    func testUnauthorizedIsNotRetriedAndNamesTheVariable() throws {
        let (key, _) = try seed()
        let w = Warnings()
        let backend = ScriptedRemote(root: dir.appendingPathComponent("remote"), failures: 1000,
                                     error: .unauthorized(status: 401, tokenSet: false, display: "https://cache.example/r"))
        guard case .absent = try cache(backend, warnings: w).fetch(key: key, stage: "s", declaredOuts: outs, into: store) else { return XCTFail() }
        XCTAssertEqual(backend.calls.load(ordering: .relaxed), 1)
        XCTAssertTrue(w.all.first?.contains("set REPRO_REMOTE_TOKEN") ?? false, "\(w.all)")
    }

    func testTamperedObjectIsRejectedAndNeverReachesTheStore() throws {
        let (key, sha) = try seed()
        try Data("hellO\n".utf8).write(to: dir.appendingPathComponent("remote/cas/\(sha)"))
        let w = Warnings()
        let backend = ScriptedRemote(root: dir.appendingPathComponent("remote"), failures: 0, error: .failed(""))
        guard case .rejected(let why) = try cache(backend, warnings: w).fetch(key: key, stage: "s", declaredOuts: outs, into: store) else {
            return XCTFail("a digest mismatch must be rejected")
        }
        XCTAssertTrue(why.contains("corrupted"), why)
        XCTAssertFalse(store.hasObject(sha))
        XCTAssertNil(store.run(for: key), "no run record for a key whose objects failed")
    }

    func testRecordForOtherOutsIsRejected() throws {
        let (key, _) = try seed()
        let w = Warnings()
        let backend = ScriptedRemote(root: dir.appendingPathComponent("remote"), failures: 0, error: .failed(""))
        guard case .rejected(let why) = try cache(backend, warnings: w).fetch(key: key, stage: "s", declaredOuts: ["out/b.txt"], into: store) else {
            return XCTFail()
        }
        XCTAssertTrue(why.contains("declared outs"), why)
    }
}

extension RemoteCacheBehaviourTests {
    /// A hostile lock (`pull` and `push` read keys and digests from it) must not steer remote paths.
    func testKeysAndDigestsThatAreNotDigestsNeverBecomeRemotePaths() throws {
        let backend = ScriptedRemote(root: dir.appendingPathComponent("remote"), failures: 0, error: .failed(""))
        let c = try cache(backend, warnings: Warnings())
        guard case .rejected = try c.fetch(key: "../../etc/passwd", stage: "s", declaredOuts: outs, into: store) else { return XCTFail() }
        XCTAssertEqual(backend.calls.load(ordering: .relaxed), 0)
        XCTAssertThrowsError(try c.push(key: String(repeating: "c", count: 64), stage: "s",
                                        outs: [("out/a.txt", .init(sha256: "../../x", size: 1))], from: store))
        XCTAssertEqual(backend.calls.load(ordering: .relaxed), 0)
    }
}

extension RemoteCacheBehaviourTests {
    /// A push into a failing server says how many objects were not uploaded and why, never "already there".
    func testAFailedPushCountsWhatWasNotUploadedAndWhy() throws {
        var outs: [(path: String, output: LockFile.Output)] = []
        for n in 0..<3 {
            let file = dir.appendingPathComponent("f\(n).txt")
            try Data("object \(n)\n".utf8).write(to: file)
            let sha = FileHasher.hash(data: Array("object \(n)\n".utf8))
            try store.put(file, sha256: sha)
            outs.append(("out/f\(n).txt", .init(sha256: sha, size: Int64("object \(n)\n".utf8.count))))
        }
        let w = Warnings()
        let backend = ScriptedRemote(root: dir.appendingPathComponent("remote"), failures: 1000, error: .transient("PUT r/cas/…: HTTP 500"))
        let c = try cache(backend, warnings: w)
        XCTAssertFalse(try c.push(key: String(repeating: "c", count: 64), stage: "s", outs: outs, from: store))
        XCTAssertEqual(c.stats.failedObjects, 3)
        XCTAssertEqual(c.stats.presentObjects, 0)
        XCTAssertEqual(c.stats.pushedObjects, "0 objects uploaded (0 B), 0 already there, 3 not uploaded (PUT r/cas/…: HTTP 500)")
        XCTAssertEqual(w.all.count, 1, "\(w.all)")
    }
}

extension RemoteCacheBehaviourTests {
    /// A run's fetch of a stage the prefetch is still working on waits for it, and does not ask for the record again.
    func testFetchWaitsForThePrefetchAndUsesItsRecord() throws {
        let (key, sha) = try seed()
        let backend = ScriptedRemote(root: dir.appendingPathComponent("remote"), failures: 0, error: .failed(""))
        let c = try cache(backend, warnings: Warnings())
        c.willPrefetch([key])
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
            c.remember(key: key, outs: [("out/a.txt", .init(sha256: sha, size: 6))])
            c.finished(key: key)
        }
        let start = Date()
        guard case .found(let got) = try c.fetch(key: key, stage: "s", declaredOuts: outs, into: store) else { return XCTFail() }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.25, "waited for the prefetch")
        XCTAssertEqual(got.map(\.output.sha256), [sha])
        XCTAssertEqual(backend.calls.load(ordering: .relaxed), 1, "the object only: the record came from the prefetch")
        XCTAssertTrue(store.hasObject(sha))
    }
}
