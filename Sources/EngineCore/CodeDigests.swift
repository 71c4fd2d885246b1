import Foundation
import StageAPI
import ProcessSpawn

/// "The code behind a kind": the SHA-256 of the source files of the kind's
/// target and of every target it depends on, as this binary was built from
/// them, read off the table and the package graph SourceDigestPlugin embeds.
/// Also detects a stale binary: sources on disk that differ from that table.
public struct CodeDigests: Sendable {
    /// A target of the package: its directory and the package targets it depends on.
    public typealias Target = (name: String, path: String, dependencies: [String])
    /// (path relative to the package root, SHA-256), sorted by path.
    public let files: [(path: String, sha256: String)]
    public let targets: [Target]
    /// Each target's scope (see `scope(of:)`), walked once here: callers ask per stage.
    private let scopes: [String: [String]]

    public init(files: [(path: String, sha256: String)], targets: [Target] = []) {
        self.files = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        self.targets = targets
        let byName = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var scopes: [String: [String]] = [:]
        for t in byName.keys {
            var out: [String] = [], seen = Set<String>()
            func visit(_ name: String) -> Bool {
                guard let t = byName[name] else { return false }
                guard seen.insert(name).inserted else { return true }
                out.append(t.path)
                return t.dependencies.allSatisfy(visit)
            }
            if visit(t) { scopes[t] = out.sorted() }
        }
        self.scopes = scopes
    }

    /// The directories of target `name` and of every target it depends on,
    /// transitively, as the package graph says (sorted, no repeats); nil if
    /// the package has no such target (or one it depends on is missing).
    public func scope(of name: String) -> [String]? { scopes[name] }

    /// The package targets `name` depends on, itself included (transitively, sorted).
    public func closure(of name: String) -> [String]? {
        scope(of: name).map { dirs in targets.filter { dirs.contains($0.path) }.map(\.name).sorted() }
    }

    /// Files under the directories `dirs` (a directory covers everything below it).
    public func files(under dirs: [String]) -> [(path: String, sha256: String)] {
        files.filter { f in dirs.contains { f.path == $0 || f.path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") } }
    }

    /// Digest over (path, digest) of every file in the scope of target `name`:
    /// "the code behind" a kind declared in that target. Nil if the package
    /// has no such target or it has no source file (a kind the binary was not built with).
    public func digest(forTarget name: String) -> String? {
        guard let dirs = scope(of: name), let own = dirs.first(where: { d in targets.contains { $0.name == name && $0.path == d } }),
              !files(under: [own]).isEmpty else { return nil }
        var text = ""
        for f in files(under: dirs) { text += "\(f.sha256) \(f.path)\n" }
        return FileHasher.hash(data: Array(text.utf8))
    }

    /// Source files under the directories `codePaths` whose content on disk (under `root`)
    /// differs from what this binary was built from, plus source files there
    /// that it was not built from. Empty when `root` is not a checkout of
    /// these sources (the project does not contain them).
    public func staleFiles(under codePaths: [String], root: URL) -> [String] {
        // Only the targets whose directory the project has: a project that is
        // not a checkout of a target (a user's own project) has nothing stale there.
        let present = codePaths.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }
        let mine = files(under: present)
        guard !mine.isEmpty, mine.contains(where: { FileManager.default.fileExists(atPath: root.appendingPathComponent($0.path).path) })
        else { return [] }
        var stale: [String] = []
        for f in mine {
            let url = root.appendingPathComponent(f.path)
            let onDisk = try? FileHasher.hash(url: url).sha256
            if onDisk != f.sha256 { stale.append(f.path) }
        }
        let known = Set(mine.map(\.path))
        for dir in present {
            let url = root.appendingPathComponent(dir)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue,
                  let e = FileManager.default.enumerator(atPath: url.path) else { continue }
            for case let rel as String in e where rel.hasSuffix(".swift") || rel.hasSuffix(".h") || rel.hasSuffix(".c") {
                let p = dir.hasSuffix("/") ? dir + rel : dir + "/" + rel
                if !known.contains(p) { stale.append(p) }
            }
        }
        return stale.sorted()
    }
}
