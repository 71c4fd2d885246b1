import Foundation
import EngineCore
import StageAPI

/// The transport under a remote cache: get, put and test objects by path
/// (`cas/<sha256>`, `ac/<key>`) under a root. A shared directory or an HTTP
/// server in Bazel's plain HTTP cache layout.
protocol RemoteBackend: Sendable {
    /// The remote's URL as it may be printed (never with credentials).
    var display: String { get }
    /// Fetches `path` into `file` (created or replaced); false if the remote has no such entry.
    func get(_ path: String, to file: URL, limit: Int64?, progress: @Sendable (Int64) -> Void) throws -> Bool
    func exists(_ path: String) throws -> Bool
    /// Stores `file` at `path` so that readers see it whole or not at all.
    func put(_ path: String, from file: URL) throws
    /// Checks that the remote can be reached at all (for `--remote-required`).
    func probe() throws
}

enum RemoteError: Error, CustomStringConvertible {
    /// HTTP 401/403; `withheld` says why credentials set in the environment were not sent.
    case unauthorized(status: Int, tokenSet: Bool, display: String, withheld: String? = nil)
    /// Worth retrying: connection refused or reset, HTTP 5xx / 429.
    case transient(String)
    /// Not worth retrying (a timeout, TLS, HTTP 4xx other than 404, a missing directory, ...).
    case failed(String)

    var description: String {
        switch self {
        case .unauthorized(let status, let tokenSet, let display, let withheld):
            let what = status == 401 ? "requires credentials" : "refused access"
            if let withheld { return "remote \(display) \(what) (HTTP \(status)), and \(withheld)" }
            return tokenSet
                ? "remote \(display) \(what) (HTTP \(status)): the credentials in \(RemoteConfig.tokenVariable) or \(RemoteConfig.basicVariable) were not accepted; check them"
                : "remote \(display) \(what) (HTTP \(status)): set \(RemoteConfig.tokenVariable) to its bearer token (or \(RemoteConfig.basicVariable) to user:password)"
        case .transient(let m), .failed(let m): return m
        }
    }

    var isTransient: Bool { if case .transient = self { true } else { false } }
}

/// A remote that is a directory, as on a cluster's shared filesystem.
struct DirectoryRemote: RemoteBackend {
    let root: URL
    let display: String

    func checkRoot() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw RemoteError.failed("remote directory \(root.path) does not exist (not mounted?); create it to share results there")
        }
    }

    func probe() throws { try checkRoot() }

    /// Only a regular file is read (see `RegularFile`): a FIFO, device or
    /// directory where an entry should be is refused at once.
    func get(_ path: String, to file: URL, limit: Int64?, progress: @Sendable (Int64) -> Void) throws -> Bool {
        try checkRoot()
        let src = root.appendingPathComponent(path).path
        do {
            guard let fd = try RegularFile.open(src) else { return false }  // absent, or removed by a concurrent gc
            defer { close(fd) }
            progress(try RegularFile.copy(fd, source: src, to: file, limit: limit))
            return true
        } catch let e as RegularFile.Refused {
            throw RemoteError.failed("remote entry \(e)")
        }
    }

    func exists(_ path: String) throws -> Bool {
        try checkRoot()
        var st = stat()
        // Anything but a regular file is no entry (a push replaces it by rename).
        return stat(root.appendingPathComponent(path).path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG
    }

    func put(_ path: String, from file: URL) throws {
        try checkRoot()
        let dest = root.appendingPathComponent(path)
        let dir = dest.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            // Temp file in the same directory, then rename: other machines
            // reading the directory never see a half-written entry.
            let tmp = dir.appendingPathComponent(".\(dest.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.copyItem(at: file, to: tmp)
            try AtomicFile.fsyncFile(tmp)
            guard rename(tmp.path, dest.path) == 0 else {
                let msg = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: tmp)
                throw RemoteError.failed("cannot write \(dest.path): \(msg)")
            }
        } catch let e as RemoteError {
            throw e
        } catch {
            throw RemoteError.failed("cannot write \(dest.path): \(error.localizedDescription)")
        }
    }
}
