import Foundation

/// "The code behind a kind": the SHA-256 of the kind's declared source files,
/// as this binary was built from them (the table SourceDigestPlugin embeds),
/// with the package's target graph so that a kind can name a target
/// (`target:Theory`) and get it with everything it imports.
/// Also detects a stale binary: sources on disk that differ from that table.
public struct CodeDigests: Sendable {
    /// A target of the package: its directory and the package targets it depends on.
    public typealias Target = (name: String, path: String, dependencies: [String])
    /// (path relative to the package root, SHA-256), sorted by path.
    public let files: [(path: String, sha256: String)]
    public let targets: [Target]
    /// The prefix that makes a code path name a target.
    public static let targetPrefix = "target:"

    public init(files: [(path: String, sha256: String)], targets: [Target] = []) {
        self.files = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        self.targets = targets
    }

    /// `codePaths` with every `target:NAME` replaced by the directories of
    /// that target and of all it depends on, transitively (sorted, no
    /// repeats); nil if a named target is not in the package.
    public func expand(_ codePaths: [String]) -> [String]? {
        let byName = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [String] = [], seen = Set<String>()
        func visit(_ name: String) -> Bool {
            guard let t = byName[name] else { return false }
            guard seen.insert(name).inserted else { return true }
            out.append(t.path)
            return t.dependencies.allSatisfy(visit)
        }
        var plain: [String] = []
        for p in codePaths {
            if p.hasPrefix(Self.targetPrefix) {
                guard visit(String(p.dropFirst(Self.targetPrefix.count))) else { return nil }
            } else {
                plain.append(p)
            }
        }
        return plain + out.sorted()
    }

    /// Files under `codePaths` (a path names a file or a directory prefix;
    /// targets are expanded, an unknown one matches nothing).
    public func files(under codePaths: [String]) -> [(path: String, sha256: String)] {
        let paths = expand(codePaths) ?? []
        return files.filter { f in paths.contains { f.path == $0 || f.path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") } }
    }

    /// Digest over (path, digest) of every file of the kind; nil if a declared
    /// code path matches no file or names no target (a mistake in the kind's declaration).
    public func digest(for codePaths: [String]) -> String? {
        guard expand(codePaths) != nil else { return nil }
        for p in codePaths where files(under: [p]).isEmpty { return nil }
        var text = ""
        for f in files(under: codePaths) { text += "\(f.sha256) \(f.path)\n" }
        return FileHasher.hash(data: Array(text.utf8))
    }

    /// Source files under `codePaths` whose content on disk (under `root`)
    /// differs from what this binary was built from, plus source files there
    /// that it was not built from. Empty when `root` is not a checkout of
    /// these sources (the project does not contain them).
    public func staleFiles(under codePaths: [String], root: URL) -> [String] {
        let mine = files(under: codePaths)
        guard !mine.isEmpty, mine.contains(where: { FileManager.default.fileExists(atPath: root.appendingPathComponent($0.path).path) })
        else { return [] }
        var stale: [String] = []
        for f in mine {
            let url = root.appendingPathComponent(f.path)
            let onDisk = try? FileHasher.hash(url: url).sha256
            if onDisk != f.sha256 { stale.append(f.path) }
        }
        let known = Set(mine.map(\.path))
        for dir in expand(codePaths) ?? [] {
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
