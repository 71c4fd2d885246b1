import Foundation
import XCTest
@testable import EngineCore
import StageAPI
@testable import RemoteCache

/// The plain-HTTP client against a scripted server on 127.0.0.1: the
/// response framings a cache server may use, and a kept-alive connection the
/// server has closed.
final class RemoteHTTPClientTests: XCTestCase {
    /// Accepts connections and answers the n-th request read with `responses[n]`,
    /// closing the connection after each one listed in `closeAfter`.
    final class ScriptedServer: @unchecked Sendable {
        let fd: Int32
        let port: UInt16
        let responses: [String]
        let closeAfter: Set<Int>
        var requests: [String] = []
        let done = DispatchSemaphore(value: 0)

        init(_ responses: [String], closeAfter: Set<Int> = []) throws {
            self.responses = responses
            self.closeAfter = closeAfter
            let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = 0
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) } }
            listen(sock, 4)
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
            fd = sock
            port = UInt16(bigEndian: addr.sin_port)
            Thread.detachNewThread { self.serve() }
        }

        func serve() {
            var n = 0
            while n < responses.count {
                let c = accept(fd, nil, nil)
                guard c >= 0 else { break }
                var open = true
                while open && n < responses.count {
                    var buf = [UInt8](repeating: 0, count: 65536)
                    let got = recv(c, &buf, buf.count, 0)
                    guard got > 0 else { break }
                    requests.append(String(decoding: buf[0..<got], as: UTF8.self))
                    let r = Array(responses[n].utf8)
                    _ = send(c, r, r.count, Int32(MSG_NOSIGNAL))
                    if closeAfter.contains(n) { open = false }
                    n += 1
                }
                close(c)
            }
            close(fd)
            done.signal()
        }
    }

    func client(_ s: ScriptedServer) -> SocketHTTPTransport {
        SocketHTTPTransport(host: "127.0.0.1", port: s.port, prefix: "/p", timeout: 5, connections: 1)
    }

    func get(_ t: SocketHTTPTransport, _ path: String) throws -> (status: Int, body: Data) {
        try t.send(HTTPExchange(method: "GET", path: path, headers: [("Authorization", "Bearer x")], body: nil, maxBody: 1000))
    }

    func testContentLengthChunkedAndKeepAlive() throws {
        let s = try ScriptedServer([
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n",
            "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
        ])
        let t = client(s)
        XCTAssertEqual(try get(t, "cas/a").body, Data("hello".utf8))
        XCTAssertEqual(try get(t, "cas/b").body, Data("abcdefg".utf8))
        XCTAssertEqual(try get(t, "cas/c").status, 404)
        XCTAssertEqual(s.done.wait(timeout: .now() + 5), .success)
        XCTAssertTrue(s.requests[0].hasPrefix("GET /p/cas/a HTTP/1.1\r\n"), s.requests[0])
        XCTAssertTrue(s.requests[0].contains("Authorization: Bearer x\r\n"), s.requests[0])
    }

    func testServerClosingAKeptAliveConnectionIsRetriedOnANewOne() throws {
        let s = try ScriptedServer([
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb",
        ], closeAfter: [0])
        let t = client(s)
        XCTAssertEqual(try get(t, "x").body, Data("a".utf8))
        usleep(50_000)
        XCTAssertEqual(try get(t, "y").body, Data("b".utf8), "the stale connection is replaced, not reported")
    }

    func testBodyWithoutLengthEndsAtCloseAndOversizeIsRefused() throws {
        let s = try ScriptedServer([
            "HTTP/1.0 200 OK\r\n\r\nuntil close",
            "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",
        ], closeAfter: [0])
        let t = client(s)
        XCTAssertEqual(try get(t, "x").body, Data("until close".utf8))
        XCTAssertThrowsError(try get(t, "y")) { XCTAssertTrue("\($0)".contains("at most 1000"), "\($0)") }
    }

    func testRefusedConnectionIsTransient() throws {
        let s = try ScriptedServer([])
        let t = client(s)
        XCTAssertEqual(s.done.wait(timeout: .now() + 5), .success)  // the listener is closed: nothing there
        XCTAssertThrowsError(try get(t, "x")) { e in
            guard let r = e as? RemoteError, r.isTransient else { return XCTFail("\(e)") }
        }
    }

    func testASilentServerTimesOutOnceWithoutRetries() throws {
        // Accepts connections (the kernel does, from the backlog) and never answers.
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(sock) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) } }
        listen(sock, 4)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
        let t = SocketHTTPTransport(host: "127.0.0.1", port: UInt16(bigEndian: addr.sin_port), prefix: "", timeout: 0.3, connections: 1)
        let start = Date()
        XCTAssertThrowsError(try get(t, "x")) { e in
            guard let r = e as? RemoteError, !r.isTransient else { return XCTFail("a timeout must not be retried: \(e)") }
            XCTAssertTrue("\(r)".contains("timeout"), "\(r)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
    }
}
