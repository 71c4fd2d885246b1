import Foundation

/// Telling a full disk apart from other write failures, so that a stage that
/// ran out of space says so instead of "exited with status 1" or an NSError dump.
package enum DiskSpace {
    /// Bytes free for this user on the filesystem holding `url` (nil if unknown).
    package static func available(at url: URL) -> UInt64? {
        var s = statvfs()
        var dir = url
        while statvfs(dir.path, &s) != 0 {
            guard dir.path != "/" else { return nil }
            dir = dir.deletingLastPathComponent()
        }
        return UInt64(s.f_bavail) * UInt64(s.f_frsize)
    }

    /// "; no space left on device ..." when the filesystem of `url` is (nearly) full, else "".
    package static func note(for url: URL) -> String {
        guard let free = available(at: url), free < 64 * 1024 else { return "" }
        return "; no space left on device on the filesystem of \(url.deletingLastPathComponent().path) (\(free) bytes free): free some space and rerun"
    }

    /// Whether `error` is a full disk (POSIX ENOSPC/EDQUOT, or Foundation's out-of-space).
    package static func isFull(_ error: Error) -> Bool {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain, ns.code == Int(ENOSPC) || ns.code == Int(EDQUOT) { return true }
        if ns.domain == NSCocoaErrorDomain, ns.code == CocoaError.fileWriteOutOfSpace.rawValue { return true }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? Error { return isFull(underlying) }
        return false
    }

    /// The file an NSError is about, if it says.
    package static func path(of error: Error) -> String? {
        let ns = error as NSError
        return (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
    }
}
