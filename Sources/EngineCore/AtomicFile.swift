import Foundation
import StageAPI
import ProcessSpawn

public enum EngineError: Error, Sendable, CustomStringConvertible {
    case io(String)
    case usage(String)
    /// Ctrl-C or SIGTERM arrived (exit 130).
    case interrupted
    public var description: String {
        switch self {
        case .io(let m), .usage(let m): m
        case .interrupted: "interrupted"
        }
    }
}

/// Writes that never leave a half-written file: temp file in the same
/// directory, optional fsync, rename over the target.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL, durable: Bool) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        var fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ENOENT {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw EngineError.io("cannot write \(tmp.path): \(String(cString: strerror(errno)))") }
        var ok = data.withUnsafeBytes { writeAll(fd, $0) }
        if ok && durable { ok = fsync(fd) == 0 }
        close(fd)
        guard ok, rename(tmp.path, url.path) == 0 else {
            let msg = String(cString: strerror(errno))
            unlink(tmp.path)
            throw EngineError.io("cannot write \(url.path): \(msg)")
        }
        if durable { syncDirectory(dir) }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 { if errno == EINTR { continue }; return false }
            off += n
        }
        return true
    }

    /// Renames `src` over `dst`; across filesystems (a `.repro` mounted
    /// elsewhere), copies into a temp file beside `dst`, fsyncs it and renames
    /// that, so `dst` is still replaced atomically.
    public static func move(_ src: URL, over dst: URL) throws {
        if rename(src.path, dst.path) == 0 { return }
        guard errno == EXDEV else {
            throw EngineError.io("cannot move output into place at \(dst.path): \(String(cString: strerror(errno)))")
        }
        let tmp = dst.deletingLastPathComponent().appendingPathComponent(".\(dst.lastPathComponent).tmp-\(getpid())")
        unlink(tmp.path)
        do {
            try FileManager.default.copyItem(at: src, to: tmp)
            try fsyncFile(tmp)
        } catch {
            unlink(tmp.path)
            throw error
        }
        guard rename(tmp.path, dst.path) == 0 else {
            let msg = String(cString: strerror(errno))
            unlink(tmp.path)
            throw EngineError.io("cannot move output into place at \(dst.path): \(msg)")
        }
        unlink(src.path)
    }

    public static func fsyncFile(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw EngineError.io("cannot open \(url.path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw EngineError.io("fsync failed on \(url.path)") }
    }

    public static func syncDirectory(_ dir: URL) {
        let fd = open(dir.path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
