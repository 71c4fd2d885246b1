import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
import StageAPI
import ProcessSpawn
#endif

/// SHA-256 of files, streamed in 1 MiB chunks (constant memory whatever the
/// size), with a stat cache that skips re-reading a file whose (size, mtime,
/// ctime, inode) are unchanged. Decisions are always made on the digest; the
/// cache only avoids recomputing it.
public final class FileHasher: @unchecked Sendable {
    // @unchecked: all mutable state is behind `lock`.
    private let lock = NSLock()
    private var entries: [String: StatCache.Entry]
    private var dirty = false
    private let cacheFile: URL?

    /// - Parameter cacheFile: where the stat cache persists between runs (nil: memory only).
    public init(cacheFile: URL?) {
        self.cacheFile = cacheFile
        entries = cacheFile.map(StatCache.load) ?? [:]
    }

    public struct Digest: Sendable, Equatable {
        public var sha256: String
        public var size: Int64
    }

    /// Digest of the file at `url`, or nil if it does not exist (or is not a regular file).
    public func digest(of url: URL) throws -> Digest? { try digest(atPath: url.path) }

    public func digest(atPath path: String) throws -> Digest? {
        guard let st = StatCache.statFile(path) else { return nil }
        lock.lock()
        let cached = entries[path]
        lock.unlock()
        if let cached, cached.stat == st, st.isOldEnough { return Digest(sha256: cached.sha256, size: st.size) }
        let d = try Self.hash(path: path)
        lock.lock()
        // Trust a record only if the file was already older than the racy window
        // when hashed: a same-second rewrite with the same size is re-read.
        entries[path] = StatCache.Entry(stat: st, sha256: d.sha256)
        dirty = true
        lock.unlock()
        return d
    }

    /// Records the digest of a file this process just wrote (saves a re-read).
    public func remember(_ url: URL, _ digest: Digest) {
        guard let st = StatCache.statFile(url.path) else { return }
        lock.lock()
        entries[url.path] = StatCache.Entry(stat: st, sha256: digest.sha256)
        dirty = true
        lock.unlock()
    }

    /// Writes the stat cache back (atomically), if it changed.
    public func save() {
        lock.lock()
        defer { lock.unlock() }
        guard dirty, let cacheFile else { return }
        StatCache.save(entries, to: cacheFile)
        dirty = false
    }

    /// Streams a file through SHA-256.
    public static func hash(url: URL) throws -> Digest { try hash(path: url.path) }

    public static func hash(path: String) throws -> Digest {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw EngineError.io("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var hasher = SHA256()
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let n = read(fd, buffer.baseAddress, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw EngineError.io("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            total += Int64(n)
        }
        return Digest(sha256: hex(hasher.finalize()), size: total)
    }

    public static func hash(data: some DataProtocol) -> String {
        SHA256Hex.of(data)
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String { SHA256Hex.hex(digest) }
}

/// The persisted stat cache: one line per file, `size mtime ctime inode sha path`.
enum StatCache {
    struct Stat: Equatable {
        var size: Int64, mtimeNs: Int64, ctimeNs: Int64, inode: UInt64
        /// A file modified within the last 2 s may be rewritten again within the
        /// timestamp granularity without its stat changing ("racy git"): such
        /// a file is always re-hashed.
        var isOldEnough: Bool {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let nowNs = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
            return nowNs - max(mtimeNs, ctimeNs) > 2_000_000_000
        }
    }
    struct Entry { var stat: Stat; var sha256: String }

    static func statFile(_ path: String) -> Stat? {
        var st = Glibc.stat()
        guard fstatat(AT_FDCWD, path, &st, 0) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Stat(size: Int64(st.st_size),
                    mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                    ctimeNs: Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec),
                    inode: UInt64(st.st_ino))
    }

    static func load(_ url: URL) -> [String: Entry] {
        guard let data = try? Data(contentsOf: url) else { return [:] }
        var out: [String: Entry] = [:]
        // Parsed over bytes: String.split costs ~100x more (grapheme breaking).
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            var i = 0
            func number() -> Int64? {
                var v: Int64 = 0, n = 0
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { v = v &* 10 &+ Int64(b[i] - 0x30); i += 1; n += 1 }
                guard n > 0, i < b.count, b[i] == 0x20 else { return nil }
                i += 1
                return v
            }
            while i < b.count {
                defer {  // skip to the next line (also after a malformed one)
                    while i < b.count, b[i] != 0x0a { i += 1 }
                    i += 1
                }
                guard let size = number(), let m = number(), let c = number(), let ino = number(), i + 65 <= b.count, b[i + 64] == 0x20 else { continue }
                let sha = String(decoding: UnsafeBufferPointer(rebasing: b[i..<i + 64]), as: UTF8.self)
                i += 65
                var end = i
                while end < b.count, b[end] != 0x0a { end += 1 }
                let path = String(decoding: UnsafeBufferPointer(rebasing: b[i..<end]), as: UTF8.self)
                i = end
                out[path] = Entry(stat: Stat(size: size, mtimeNs: m, ctimeNs: c, inode: UInt64(ino)), sha256: sha)
            }
        }
        return out
    }

    static func save(_ entries: [String: Entry], to url: URL) {
        var text = ""
        for path in entries.keys.sorted() {
            let e = entries[path]!
            text += "\(e.stat.size) \(e.stat.mtimeNs) \(e.stat.ctimeNs) \(e.stat.inode) \(e.sha256) \(path)\n"
        }
        try? AtomicFile.write(Data(text.utf8), to: url, durable: false)
    }
}
