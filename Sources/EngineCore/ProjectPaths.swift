import Foundation
import StageAPI
import ProcessSpawn

/// Where a project path really leads, checked before anything is read or
/// written there: every directory on an output's way must be a real
/// directory inside the project (a symlinked `out/` would make a run, a
/// restore or a pull write outside it), and a dep must really be inside the
/// project, or in one of pipeline.yaml's `host_inputs:` directories (a dep
/// symlinked to `/etc/shadow` would enter the cache, and a remote with push).
package enum ProjectPaths {
    /// Why an output path cannot be written to.
    enum OutputPathError: Error, CustomStringConvertible {
        case symlink(output: String, dir: String, target: String)
        case notDirectory(output: String, dir: String)
        case cannotCreate(output: String, dir: String, reason: String)

        var description: String {
            switch self {
            case .symlink(let o, let d, let t):
                return "output '\(o)': '\(d)' is a symbolic link (to '\(t)'); every directory on an output's path must be a real "
                    + "directory inside the project: replace the link with a directory"
            case .notDirectory(let o, let d):
                return "output '\(o)': '\(d)' is not a directory"
            case .cannotCreate(let o, let d, let r):
                return "output '\(o)': cannot create directory '\(d)': \(r)"
            }
        }
    }

    /// Makes the parent directories of output `path` (relative to `root`) where
    /// they are missing, and checks that the existing ones are real directories.
    package static func prepareParents(of path: String, root: URL) throws {
        var current = root.path
        var relative = ""
        for part in path.split(separator: "/").dropLast() {
            current += "/" + part
            relative += (relative.isEmpty ? "" : "/") + part
            var st = stat()
            if lstat(current, &st) != 0 {
                guard errno == ENOENT else { throw OutputPathError.cannotCreate(output: path, dir: relative, reason: String(cString: strerror(errno))) }
                if mkdir(current, 0o755) != 0, errno != EEXIST {
                    throw OutputPathError.cannotCreate(output: path, dir: relative, reason: String(cString: strerror(errno)))
                }
                guard lstat(current, &st) == 0 else {
                    throw OutputPathError.cannotCreate(output: path, dir: relative, reason: String(cString: strerror(errno)))
                }
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: continue
            case S_IFLNK:
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: current)) ?? "?"
                throw OutputPathError.symlink(output: path, dir: relative, target: target)
            default: throw OutputPathError.notDirectory(output: path, dir: relative)
            }
        }
    }

    /// Why dep `path` cannot be read as an input: its real path is outside the
    /// project (and outside `hostInputs`), or it is not a regular file. Nil if
    /// it is fine, or missing (said elsewhere).
    static func depProblem(_ path: String, root: URL, hostInputs: [String]) -> String? {
        let full = root.path + "/" + path
        guard let real = SandboxPolicy.realPath(full) else { return nil }
        let realRoot = SandboxPolicy.realPath(root.path) ?? root.path
        let inside = real.hasPrefix(realRoot + "/")
            || hostInputs.contains { dir in SandboxPolicy.realPath(dir).map { real.hasPrefix($0 == "/" ? "/" : $0 + "/") } ?? false }
        if !inside {
            return "input '\(path)' leads outside the project (to '\(real)'): a dep is read, hashed, cached and pushed, so host files "
                + "are refused; copy it into the project, or allow its directory with `host_inputs: [\((real as NSString).deletingLastPathComponent)]` in pipeline.yaml"
        }
        var st = stat()
        guard stat(full, &st) == 0 else { return nil }
        let type = st.st_mode & S_IFMT
        if type == S_IFREG { return nil }
        let what = type == S_IFDIR ? "a directory" : type == S_IFIFO ? "a fifo (named pipe)" : type == S_IFSOCK ? "a socket"
            : type == S_IFCHR || type == S_IFBLK ? "a device" : "not a regular file"
        return "input '\(path)' is \(what): deps must be regular files"
    }
}
