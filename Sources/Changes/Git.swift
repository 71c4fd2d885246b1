import Foundation
import EngineCore

/// A bad argument or unreadable state, with the exit code it maps to:
/// 64 (usage: an unknown revision or experiment, a bad `--set`) or 65 (data:
/// a revision without a lock, a damaged lock, objects missing from a shallow clone).
public struct ChangesError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var exit: ExitStatus
    public var exitCode: Int32 { exit.rawValue }
    public init(_ message: String, exit: ExitStatus = .usage) { self.message = message; self.exit = exit }
    public var description: String { message }
}

/// The git repository holding a project, read through the `git` command.
public struct Git: Sendable {
    /// The project directory (possibly a subdirectory of the repository).
    public let projectRoot: URL
    /// The project's path inside the repository ("" or "sub/dir/").
    public let prefix: String

    /// Nil when the project is not inside a git work tree (or git is missing).
    public init?(projectRoot: URL) {
        self.projectRoot = projectRoot
        guard let r = try? Git.run(["rev-parse", "--show-prefix"], in: projectRoot), r.status == 0 else { return nil }
        prefix = String(decoding: r.out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct Output { var status: Int32; var out: Data; var err: String }

    static func run(_ args: [String], in dir: URL, input: Data? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", dir.path] + args
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "C"
        env["GIT_OPTIONAL_LOCKS"] = "0"
        p.environment = env
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        // Feed stdin and drain stderr on other threads: each pipe holds ~64 KiB.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            if let input { inp.fileHandleForWriting.write(input) }
            try? inp.fileHandleForWriting.close()
        }
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, out: o, err: String(decoding: errData, as: UTF8.self))
    }

    /// The commit a revision names, or a usage error saying what to do.
    public func commit(_ rev: String) throws -> String {
        guard !rev.hasPrefix("-"), !rev.isEmpty else {
            throw ChangesError("'\(rev)' is not a revision\nhint: name a commit, branch or tag (git log --oneline), or exp:NAME for an experiment")
        }
        let r = try Git.run(["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"], in: projectRoot)
        guard r.status == 0 else {
            var hint = "hint: name a commit, branch or tag (git log --oneline shows them), or exp:NAME for an experiment (repro exp list)"
            if let s = try? Git.run(["rev-parse", "--is-shallow-repository"], in: projectRoot),
               String(decoding: s.out, as: UTF8.self).hasPrefix("true") {
                hint += "; this is a shallow clone: git fetch --unshallow brings the older commits"
            }
            throw ChangesError("unknown revision '\(rev)': git knows no commit by that name\n\(hint)")
        }
        return String(decoding: r.out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The contents of files at a commit (project-relative paths), read in one
    /// `git cat-file --batch`. A path not in the commit is absent from the
    /// result; an object the repository lacks (a shallow or partial clone) is
    /// reported in `missing`.
    public func read(commit: String, paths: [String]) throws -> (files: [String: Data], missing: [String]) {
        guard !paths.isEmpty else { return ([:], []) }
        var input = ""
        for p in paths { input += "\(commit):\(prefix)\(p)\n" }
        let r = try Git.run(["cat-file", "--batch", "--buffer"], in: projectRoot, input: Data(input.utf8))
        guard r.status == 0 else {
            throw ChangesError("git cat-file failed reading commit \(commit.prefix(12)): \(r.err.trimmingCharacters(in: .whitespacesAndNewlines))\nhint: a shallow or partial clone may lack the objects: git fetch --unshallow", exit: .invalidInput)
        }
        var files: [String: Data] = [:]
        var missing: [String] = []
        let bytes = r.out
        var i = bytes.startIndex
        for p in paths {
            guard let nl = bytes[i...].firstIndex(of: 0x0A) else { break }
            let header = String(decoding: bytes[i..<nl], as: UTF8.self)
            i = nl + 1
            let f = header.split(separator: " ")
            if f.count == 3, f[1] == "blob", let size = Int(f[2]) {
                files[p] = Data(bytes[i..<(i + size)])
                i += size + 1  // the content, then LF
            } else if header.hasSuffix(" missing") {
                // Not in the commit's tree, or the object is not here: tell them apart.
                let t = try Git.run(["ls-tree", "--", commit, prefix + p], in: projectRoot)
                if t.status == 0, !t.out.isEmpty { missing.append(p) }
            } else if f.count == 3, let size = Int(f[2]) {
                i += size + 1  // a tree or other object: not a file
            }
        }
        return (files, missing)
    }

    /// A commit's subject line, for labels.
    public func subject(_ commit: String) -> String {
        guard let r = try? Git.run(["log", "-1", "--format=%s", commit], in: projectRoot), r.status == 0 else { return "" }
        return String(decoding: r.out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
