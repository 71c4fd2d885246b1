import Foundation

/// "The code behind a kind": the SHA-256 of the kind's declared source files,
/// as this binary was built from them (the table SourceDigestPlugin embeds).
/// Also detects a stale binary: sources on disk that differ from that table.
public struct CodeDigests: Sendable {
    /// (path relative to the package root, SHA-256), sorted by path.
    public let files: [(path: String, sha256: String)]

    public init(files: [(path: String, sha256: String)]) {
        self.files = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// Files under `codePaths` (a path names a file or a directory prefix).
    public func files(under codePaths: [String]) -> [(path: String, sha256: String)] {
        files.filter { f in codePaths.contains { f.path == $0 || f.path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") } }
    }

    /// Digest over (path, digest) of every file of the kind; nil if a declared
    /// code path matches no file (a mistake in the kind's declaration).
    public func digest(for codePaths: [String]) -> String? {
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
        for dir in codePaths {
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
