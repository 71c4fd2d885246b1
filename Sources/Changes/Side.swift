import EngineCore
import StageAPI
import Foundation

/// One state of the project that `repro diff` compares: a git revision, the
/// working tree, or an experiment's workspace. Its `repro.lock` says which
/// stages it has and each output's digest; the bytes come from git objects
/// (or the files on disk) when they match that digest, else from the cache.
public struct Side: Sendable {
    public enum Source: Sendable {
        case commit(Git, String)
        case directory(URL)
    }

    /// As the user wrote it ("HEAD", "exp:mu3", "" for the working tree).
    public let ref: String
    /// For people: "HEAD (4a6e8ec)", "working tree", "experiment mu3".
    public let label: String
    /// The commit, for a revision.
    public let commit: String?
    public let lock: LockFile
    public let source: Source
    /// The project's content-addressed cache.
    public let store: Store

    /// Opens a side. `ref`: nil or "" for the working tree, `exp:NAME`, or a git revision.
    public static func open(_ ref: String?, projectRoot: URL, lockName: String, git: Git?) throws -> Side {
        let store = Store(root: projectRoot.appendingPathComponent(".repro/cache"))
        let ref = ref ?? ""
        if ref.isEmpty {
            let url = projectRoot.appendingPathComponent(lockName)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ChangesError("the working tree has no \(lockName)\nhint: run `repro all` first, or compare two revisions: repro diff A B", exit: .invalidInput)
            }
            return Side(ref: ref, label: "working tree", commit: nil, lock: try loadLock(url), source: .directory(projectRoot), store: store)
        }
        if ref.hasPrefix("exp:") {
            let name = String(ref.dropFirst(4))
            let ws = try Experiments(projectRoot: projectRoot).existing(name)
            let url = ws.root.appendingPathComponent(lockName)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ChangesError("experiment '\(name)' has no \(lockName) yet (its run did not finish)\nhint: repro exp run -n \(name) … again", exit: .invalidInput)
            }
            return Side(ref: ref, label: "experiment \(name)", commit: nil, lock: try loadLock(url), source: .directory(ws.root), store: store)
        }
        guard let git else {
            throw ChangesError("'\(ref)' names a git revision, but \(projectRoot.path) is not in a git work tree\nhint: compare experiments (exp:NAME) with the working tree, or run inside a clone")
        }
        let commit = try git.commit(ref)
        let (files, missing) = try git.read(commit: commit, paths: [lockName])
        if !missing.isEmpty {
            throw ChangesError("the objects of \(lockName) at \(ref) are not in this clone (shallow or partial)\nhint: git fetch --unshallow (or git fetch origin \(commit.prefix(12)))", exit: .invalidInput)
        }
        guard let data = files[lockName] else {
            throw ChangesError("revision '\(ref)' (\(commit.prefix(7))) has no \(lockName): nothing was recorded there to compare\nhint: pick a later commit (git log --oneline -- \(git.prefix)\(lockName))", exit: .invalidInput)
        }
        let lock: LockFile
        do { lock = try LockFile.decode(String(decoding: data, as: UTF8.self)) } catch {
            throw ChangesError("\(lockName) at \(ref) (\(commit.prefix(7))) is damaged: \(error)", exit: .invalidInput)
        }
        let label = commit.hasPrefix(ref.lowercased()) ? String(commit.prefix(max(7, ref.count))) : "\(ref) (\(commit.prefix(7)))"
        return Side(ref: ref, label: label, commit: commit, lock: lock, source: .commit(git, commit), store: store)
    }

    static func loadLock(_ url: URL) throws -> LockFile {
        do { return try LockFile.load(from: url) } catch {
            throw ChangesError("\(error)", exit: .invalidInput)
        }
    }

    /// What a side holds for one output.
    public enum Content: Sendable {
        case bytes(Data)
        /// Neither committed (or on disk) with the lock's digest nor in the cache.
        case unavailable(String)
    }

    /// The bytes of outputs, each checked against the digest the lock records.
    public func contents(_ wanted: [(path: String, sha256: String)]) throws -> [String: Content] {
        var found: [String: Data] = [:]
        var missingObjects = Set<String>()
        switch source {
        case .commit(let git, let commit):
            // The same bytes (both are checked against the lock's digest), but
            // a cache object is a plain file while git must inflate its object.
            var fromGit: [String] = []
            for w in wanted {
                if let d = FileManager.default.contents(atPath: store.objectURL(w.sha256).path), FileHasher.hash(data: d) == w.sha256 {
                    found[w.path] = d
                } else {
                    fromGit.append(w.path)
                }
            }
            let r = try git.read(commit: commit, paths: fromGit)
            found.merge(r.files) { a, _ in a }
            missingObjects = Set(r.missing)
        case .directory(let root):
            for w in wanted {
                if let d = FileManager.default.contents(atPath: root.appendingPathComponent(w.path).path) { found[w.path] = d }
            }
        }
        var out: [String: Content] = [:]
        for w in wanted {
            if let d = found[w.path], FileHasher.hash(data: d) == w.sha256 { out[w.path] = .bytes(d); continue }
            let obj = store.objectURL(w.sha256)
            if let d = FileManager.default.contents(atPath: obj.path), FileHasher.hash(data: d) == w.sha256 {
                out[w.path] = .bytes(d)
                continue
            }
            let whereFrom: String
            switch source {
            case .commit:
                whereFrom = missingObjects.contains(w.path) ? "its git object is missing from this clone (git fetch --unshallow)"
                    : found[w.path] == nil ? "not committed" : "the committed file differs from \(LockFile.fileName)"
            case .directory: whereFrom = found[w.path] == nil ? "not on disk" : "the file on disk differs from the lock"
            }
            out[w.path] = .unavailable("\(whereFrom), and sha256 \(w.sha256.prefix(12))… is not in the cache: its stage would have to run")
        }
        return out
    }
}
