import Foundation

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
        if FileManager.default.fileExists(atPath: dest.path) { return }
        try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = dest.deletingLastPathComponent().appendingPathComponent(".\(sha256).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try? FileManager.default.removeItem(at: tmp)
        // No fsync: an object torn by a power cut fails its digest check on
        // restore and is recomputed; only the project's outputs are made durable.
        try FileManager.default.copyItem(at: file, to: tmp)
        guard rename(tmp.path, dest.path) == 0 else {
            try? FileManager.default.removeItem(at: tmp)
            throw EngineError.io("cannot store \(file.lastPathComponent) in the cache: \(String(cString: strerror(errno)))")
        }
    }

    /// Copies an object to `dest` after checking its digest. Returns false if
    /// the object is missing or corrupted (a corrupted object is deleted).
    public func restore(_ sha256: String, to dest: URL) throws -> Bool {
        let obj = objectURL(sha256)
        guard FileManager.default.fileExists(atPath: obj.path) else { return false }
        guard try FileHasher.hash(url: obj).sha256 == sha256 else {
            try? FileManager.default.removeItem(at: obj)
            return false
        }
        try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: dest)
        try FileManager.default.copyItem(at: obj, to: dest)
        return true
    }

    public func hasObject(_ sha256: String) -> Bool {
        FileManager.default.fileExists(atPath: objectURL(sha256).path)
    }

    /// The outputs recorded for a key, in declared order.
    public func run(for key: String) -> [(path: String, output: LockFile.Output)]? {
        guard let text = try? String(contentsOf: runURL(key), encoding: .utf8) else { return nil }
        var outs: [(String, LockFile.Output)] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", maxSplits: 2)
            guard f.count == 3, let size = Int64(f[1]) else { return nil }
            outs.append((String(f[2]), LockFile.Output(sha256: String(f[0]), size: size)))
        }
        return outs
    }

    /// Records that `key` produced `outs` (one line per output: sha size path).
    public func recordRun(key: String, outs: [(path: String, output: LockFile.Output)]) throws {
        let text = outs.map { "\($0.output.sha256) \($0.output.size) \($0.path)\n" }.joined()
        // Not fsync'ed, like objects: a torn record reads as absent.
        try AtomicFile.write(Data(text.utf8), to: runURL(key), durable: false)
    }

    /// Keys with a run record, and the objects present (for `gc`).
    public func allRunKeys() -> [String] { listLeaves("runs") }
    public func allObjects() -> [String] { listLeaves("objects") }

    func listLeaves(_ sub: String) -> [String] {
        let dir = root.appendingPathComponent(sub)
        guard let shards = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        var out: [String] = []
        for s in shards.sorted() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(s).path)) ?? []
            out += names.filter { !$0.hasPrefix(".") }.sorted()
        }
        return out
    }

    public func removeRun(_ key: String) { try? FileManager.default.removeItem(at: runURL(key)) }
    public func removeObject(_ sha: String) { try? FileManager.default.removeItem(at: objectURL(sha)) }
}
