import Foundation
import StageAPI
import ProcessSpawn

/// The content-addressed cache under `.repro/cache`:
///
///     objects/<sha[0:2]>/<sha>      output bytes, named by their SHA-256
///     runs/<key[0:2]>/<key>         a run record: the outputs a key produced
///
/// A key seen before (even several param changes ago) is restored from here
/// instead of running. Objects are verified on restore: a corrupted one is
/// deleted and reported as missing, so the stage reruns.
public struct Store: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    public func objectURL(_ sha: String) -> URL {
        root.appendingPathComponent("objects/\(sha.prefix(2))/\(sha)")
    }

    func runURL(_ key: String) -> URL {
        root.appendingPathComponent("runs/\(key.prefix(2))/\(key)")
    }

    /// Copies a produced file into the store (if that content is not there yet).
    public func put(_ file: URL, sha256: String) throws {
        let dest = objectURL(sha256)
        if Self.isRegularFile(dest.path) { return }
        try Self.makeShard(dest.deletingLastPathComponent())
        unlink(dest.path)  // not a regular file (a planted symlink): replaced
        let tmp = dest.deletingLastPathComponent().appendingPathComponent(".\(sha256).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try? FileManager.default.removeItem(at: tmp)
        // No fsync: an object torn by a power cut fails its digest check on
        // restore and is recomputed; only the project's outputs are made durable.
        do { try FileManager.default.copyItem(at: file, to: tmp) } catch {
            try? FileManager.default.removeItem(at: tmp)  // a full disk leaves no partial object
            throw error
        }
        guard rename(tmp.path, dest.path) == 0 else {
            try? FileManager.default.removeItem(at: tmp)
            throw EngineError.io("cannot store \(file.lastPathComponent) in the cache: \(String(cString: strerror(errno)))")
        }
    }

    /// Copies an object to `dest` after checking its digest and its size
    /// against the record (a record's size is no more trusted than its
    /// digest). Returns false if the object is missing or corrupted (a
    /// corrupted object is deleted) or the record's size is not the object's.
    public func restore(_ output: LockFile.Output, to dest: URL) throws -> Bool {
        let sha256 = output.sha256
        let obj = objectURL(sha256)
        guard Self.isDigest(sha256), Self.isRegularFile(obj.path) else { return false }
        let found = try FileHasher.hash(url: obj)
        guard found.sha256 == sha256 else {
            try? FileManager.default.removeItem(at: obj)
            return false
        }
        guard found.size == output.size else { return false }
        try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: dest)
        do { try FileManager.default.copyItem(at: obj, to: dest) } catch {
            try? FileManager.default.removeItem(at: dest)
            throw error
        }
        return true
    }

    public func hasObject(_ sha256: String) -> Bool {
        FileManager.default.fileExists(atPath: objectURL(sha256).path)
    }

    /// The outputs recorded for a key, in declared order, as written: callers
    /// check them against the stage's declared outs (`Store.matches`) before use.
    public func run(for key: String) -> [(path: String, output: LockFile.Output)]? {
        guard Self.isDigest(key), Self.isRegularFile(runURL(key).path),
              let text = try? String(contentsOf: runURL(key), encoding: .utf8) else { return nil }
        var outs: [(String, LockFile.Output)] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", maxSplits: 2)
            guard f.count == 3, let size = Int64(f[1]) else { return nil }
            outs.append((String(f[2]), LockFile.Output(sha256: String(f[0]), size: size)))
        }
        return outs
    }

    /// Whether recorded outputs (a run record, a lock entry, a remote record)
    /// are exactly the stage's declared outs, in declared order, with
    /// well-formed digests: anything else is treated as absent.
    public static func matches(_ outs: [(path: String, output: LockFile.Output)], declared: [String]) -> Bool {
        outs.map(\.path) == declared && outs.allSatisfy { isDigest($0.output.sha256) && $0.output.size >= 0 }
    }

    /// 64 lowercase hex digits.
    public static func isDigest(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// A regular file itself (lstat: a symlink is not).
    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// A shard directory that is really one: a symlink planted in its place is
    /// removed, so nothing is ever written through it outside the cache.
    static func makeShard(_ dir: URL) throws {
        if isDirectory(dir.path) { return }
        unlink(dir.path)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Records that `key` produced `outs` (one line per output: sha size path).
    public func recordRun(key: String, outs: [(path: String, output: LockFile.Output)]) throws {
        // Paths are checked at parse time; a line break here would forge a second record line.
        guard outs.allSatisfy({ !$0.path.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f } }) else {
            throw EngineError.io("refusing to record an output path with a control character for key \(key.prefix(12))")
        }
        let text = outs.map { "\($0.output.sha256) \($0.output.size) \($0.path)\n" }.joined()
        // Not fsync'ed, like objects: a torn record reads as absent.
        try Self.makeShard(runURL(key).deletingLastPathComponent())
        try AtomicFile.write(Data(text.utf8), to: runURL(key), durable: false)
    }

    /// Keys with a run record, and the objects present (for `gc`): only
    /// regular files named by a digest, in shard directories that are real
    /// directories named by its first two digits (a symlink is never followed).
    public func allRunKeys() -> [String] { listLeaves("runs").names }
    public func allObjects() -> [String] { listLeaves("objects").names }
    /// Abandoned temporary files (`.<sha>.tmp-*` of a killed run), as paths.
    public func abandonedTemporaries() -> [String] { listLeaves("objects").temporaries + listLeaves("runs").temporaries }

    func listLeaves(_ sub: String) -> (names: [String], temporaries: [String]) {
        let dir = root.appendingPathComponent(sub).path
        guard Self.isDirectory(dir), let shards = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return ([], []) }
        var names: [String] = [], temporaries: [String] = []
        for s in shards.sorted() where s.utf8.count == 2 && Self.isDirectory(dir + "/" + s) {
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/" + s)) ?? []).sorted()
            where Self.isRegularFile(dir + "/" + s + "/" + name) {
                if Self.isDigest(name), name.hasPrefix(s) {
                    names.append(name)
                } else if name.hasPrefix("."), name.contains(".tmp-"), Self.isDigest(String(name.dropFirst().prefix(64))) {
                    temporaries.append(dir + "/" + s + "/" + name)
                }
            }
        }
        return (names, temporaries)
    }

    public func removeRun(_ key: String) { if Self.isDigest(key) { unlink(runURL(key).path) } }
    public func removeObject(_ sha: String) { if Self.isDigest(sha) { unlink(objectURL(sha).path) } }
}
