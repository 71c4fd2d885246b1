import Foundation
import Synchronization
import EngineCore
import StageAPI

/// A request's wire form and what came back, for the HTTP remote's transports.
struct HTTPExchange {
    var method: String
    /// Path below the remote's prefix, e.g. "cas/<sha256>".
    var path: String
    var headers: [(String, String)]
    var body: Data?
    /// A response body larger than this is refused unread.
    var maxBody: Int64?
}

protocol HTTPTransport: Sendable {
    func send(_ x: HTTPExchange) throws -> (status: Int, body: Data)
}

/// HTTP/1.1 over plain sockets, for `http://` remotes: a pool of keep-alive
/// connections, one per parallel transfer. (Foundation's URLSession on Linux
/// is several times slower with concurrent requests than one at a time; this
/// client is not, so transfers can run in parallel.)
final class SocketHTTPTransport: HTTPTransport {
    let host: String
    let port: UInt16
    let prefix: String
    let timeout: Double
    private let idle = Mutex<[Int32]>([])
    private let slots: DispatchSemaphore

    init(host: String, port: UInt16, prefix: String, timeout: Double, connections: Int) {
        self.host = host
        self.port = port
        self.prefix = prefix
        self.timeout = timeout
        slots = DispatchSemaphore(value: max(1, connections))
    }

    deinit { for fd in idle.withLock({ $0 }) { close(fd) } }

    func send(_ x: HTTPExchange) throws -> (status: Int, body: Data) {
        slots.wait()
        defer { slots.signal() }
        // A kept-alive connection the server has since closed fails before any
        // response byte: then once more on a new connection.
        if let fd = idle.withLock({ $0.popLast() }) {
            do { return try exchange(x, on: fd) } catch ConnectionError.staleBeforeResponse {}
        }
        do { return try exchange(x, on: try connect()) } catch ConnectionError.staleBeforeResponse {
            throw RemoteError.transient("\(x.method) http://\(host):\(port): the server closed the connection")
        }
    }

    enum ConnectionError: Error { case staleBeforeResponse }

    private func exchange(_ x: HTTPExchange, on fd: Int32) throws -> (status: Int, body: Data) {
        var keep = false
        defer { if keep { idle.withLock { $0.append(fd) } } else { close(fd) } }
        var head = "\(x.method) \(prefix)/\(x.path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: repro\r\n"
        for (k, v) in x.headers { head += "\(k): \(v)\r\n" }
        if let body = x.body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var out = Data(head.utf8)
        if let body = x.body { out += body }
        guard writeAll(fd, out) else { throw ConnectionError.staleBeforeResponse }
        let reader = Reader(fd: fd)
        guard let statusLine = try reader.line(allowEOF: true) else { throw ConnectionError.staleBeforeResponse }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw RemoteError.failed("http://\(host):\(port) sent a malformed response: '\(RemoteRecord.printable(String(statusLine.prefix(80))))'")
        }
        var length: Int64?
        var chunked = false
        var closes = parts[0] == "HTTP/1.0"
        while let line = try reader.line(allowEOF: false), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch name {
            case "content-length": length = Int64(value)
            case "transfer-encoding": chunked = value.lowercased().contains("chunked")
            case "connection": closes = closes || value.lowercased() == "close"
            default: break
            }
        }
        var body = Data()
        if x.method == "HEAD" || status == 204 || status == 304 {
        } else if chunked {
            while true {
                guard let sizeLine = try reader.line(allowEOF: false),
                      let size = Int64(sizeLine.split(separator: ";")[0].trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw RemoteError.transient("http://\(host):\(port): bad chunked encoding")
                }
                if size == 0 {
                    while let trailer = try reader.line(allowEOF: false), !trailer.isEmpty {}
                    break
                }
                try check(Int64(body.count) + size, x.maxBody)
                body += try reader.bytes(Int(size))
                _ = try reader.line(allowEOF: false)
            }
        } else if let length {
            // Error pages (401, 404) have small bodies; a large one is drained only if it is the expected object.
            try check(length, status == 200 ? x.maxBody : 1 << 20)
            body = try reader.bytes(Int(length))
        } else {
            closes = true
            body = try reader.rest(limit: x.maxBody)
        }
        keep = !closes
        return (status, body)
    }

    private func check(_ n: Int64, _ limit: Int64?) throws {
        if let limit, n > limit { throw RemoteError.failed("http://\(host):\(port) sent \(n) bytes where at most \(limit) were expected") }
    }

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let first = res else {
            throw RemoteError.transient("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(res) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            defer { ai = a.pointee.ai_next }
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))  // bounds connect() too
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Foundation.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
            lastError = String(cString: strerror(errno))
            close(fd)
        }
        throw RemoteError.transient("cannot connect to \(host):\(port): \(lastError)")
    }

    private func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Foundation.send(fd, buf.baseAddress! + off, buf.count - off, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                off += n
            }
            return true
        }
    }

    /// Buffered reads from a socket, with timeouts reported as transient errors.
    final class Reader {
        let fd: Int32
        var buf: [UInt8] = []
        var pos = 0
        init(fd: Int32) { self.fd = fd }

        /// More bytes into the buffer; false at EOF.
        func fill() throws -> Bool {
            if pos > 0 && pos == buf.count { buf.removeAll(keepingCapacity: true); pos = 0 }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = recv(fd, &chunk, chunk.count, 0)
                if n > 0 { buf += chunk[0..<n]; return true }
                if n == 0 { return false }
                if errno == EINTR { continue }
                // A timeout is not retried: each attempt would wait as long again.
                if errno == EAGAIN || errno == EWOULDBLOCK { throw RemoteError.failed("the server did not answer within the timeout (remote: timeout:)") }
                throw RemoteError.transient("connection error: \(String(cString: strerror(errno)))")
            }
        }

        func line(allowEOF: Bool) throws -> String? {
            while true {
                if let nl = buf[pos...].firstIndex(of: 0x0a) {
                    var end = nl
                    if end > pos, buf[end - 1] == 0x0d { end -= 1 }
                    let s = String(decoding: buf[pos..<end], as: UTF8.self)
                    pos = nl + 1
                    return s
                }
                if buf.count - pos > 64 * 1024 { throw RemoteError.failed("the server sent a header line over 64 KB") }
                guard try fill() else {
                    if allowEOF && pos == buf.count { return nil }
                    throw RemoteError.transient("the server closed the connection mid-response")
                }
            }
        }

        func bytes(_ n: Int) throws -> Data {
            var out = Data(capacity: n)
            while out.count < n {
                if pos == buf.count { guard try fill() else { throw RemoteError.transient("the server closed the connection mid-response") } }
                let take = min(n - out.count, buf.count - pos)
                out.append(contentsOf: buf[pos..<(pos + take)])
                pos += take
            }
            return out
        }

        func rest(limit: Int64?) throws -> Data {
            var out = Data(buf[pos...])
            pos = buf.count
            while try fill() {
                out.append(contentsOf: buf[pos...])
                pos = buf.count
                if let limit, Int64(out.count) > limit { throw RemoteError.failed("response larger than \(limit) bytes") }
            }
            return out
        }
    }
}
