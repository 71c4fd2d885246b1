import Foundation

/// Reading a file that someone else controls (a `file://` remote, a CA file):
/// only a regular file is read. It is opened without blocking (`O_NONBLOCK`,
/// so a FIFO with no writer cannot hang the open) and checked with `fstat`
/// before any read, so a FIFO, device or directory is refused at once.
enum RegularFile {
    struct Refused: Error, CustomStringConvertible { let description: String }

    /// A descriptor for reading `path` (blocking reads), nil if there is no such file.
    static func open(_ path: String) throws -> Int32? {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw Refused(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw Refused(description: "cannot read \(path): \(e)")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw Refused(description: "\(path) is \(kind(st.st_mode)), not a regular file: refused")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// Copies at most `limit` bytes from `fd` to a new file `to`; throws past the limit.
    @discardableResult
    static func copy(_ fd: Int32, source: String, to dest: URL, limit: Int64?) throws -> Int64 {
        let out = Glibc.open(dest.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw Refused(description: "cannot write \(dest.path): \(String(cString: strerror(errno)))") }
        defer { close(out) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw Refused(description: "cannot read \(source): \(String(cString: strerror(errno)))") }
            if n == 0 { return total }
            total += Int64(n)
            if let limit, total > limit { throw Refused(description: "\(source) is larger than expected (more than \(limit) bytes): refused") }
            var done = 0
            while done < n {
                let w = buffer.withUnsafeBytes { write(out, $0.baseAddress! + done, n - done) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { throw Refused(description: "cannot write \(dest.path): \(String(cString: strerror(errno)))") }
                done += w
            }
        }
    }
}

/// The whole of a regular file of at most `limit` bytes.
func readRegularFile(_ path: String, limit: Int) throws -> Data {
    guard let fd = try RegularFile.open(path) else { throw RegularFile.Refused(description: "no such file") }
    defer { close(fd) }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw RegularFile.Refused(description: String(cString: strerror(errno))) }
        if n == 0 { return data }
        data.append(contentsOf: buffer[0..<n])
        guard data.count <= limit else { throw RegularFile.Refused(description: "larger than \(limit) bytes") }
    }
}
