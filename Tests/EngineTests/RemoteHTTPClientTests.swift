import Foundation
import XCTest
@testable import EngineCore
import StageAPI
@testable import RemoteCache

/// The libcurl client against a scripted server on 127.0.0.1: the response
/// framings a cache server may use, connection reuse, and servers that
/// misbehave (endless headers, silence, redirects).
final class RemoteHTTPClientTests: XCTestCase {
    /// Accepts connections and answers the n-th request read with `responses[n]`
    /// (a response of nil: never answer), closing the connection after each one listed in `closeAfter`.
    final class ScriptedServer: @unchecked Sendable {
        let fd: Int32
        let port: UInt16
        let responses: [[UInt8]?]
        let closeAfter: Set<Int>
        var requests: [String] = []
        var connections = 0
        let done = DispatchSemaphore(value: 0)

        init(_ responses: [String?], closeAfter: Set<Int> = []) throws {
            self.responses = responses.map { $0.map { Array($0.utf8) } }
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

        var url: String { "http://127.0.0.1:\(port)/p" }

        func serve() {
            var n = 0
            while n < responses.count {
                let c = accept(fd, nil, nil)
                guard c >= 0 else { break }
                connections += 1
                var open = true
                while open && n < responses.count {
                    var buf = [UInt8](repeating: 0, count: 65536)
                    let got = recv(c, &buf, buf.count, 0)
                    guard got > 0 else { break }
                    requests.append(String(decoding: buf[0..<got], as: UTF8.self))
                    guard let r = responses[n] else { sleep(30); break }
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

    func remote(_ s: ScriptedServer, timeout: Double = 5, token: String? = "x") -> HTTPRemote {
        HTTPRemote(display: s.url, credentials: RemoteCredentials(authorization: token.map { "Bearer " + $0 }),
                   transport: CurlTransport(timeout: timeout, transfers: 2, trust: nil))
    }

    var tmp: URL!
    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("repro-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    /// GETs `path` into a temp file: its bytes, or nil for 404.
    func get(_ r: HTTPRemote, _ path: String, limit: Int64? = 1000) throws -> Data? {
        let file = tmp.appendingPathComponent(UUID().uuidString)
        return try r.get(path, to: file, limit: limit, progress: { _ in }) ? try Data(contentsOf: file) : nil
    }

    func testContentLengthChunkedNotFoundOnOneKeptAliveConnection() throws {
        let s = try ScriptedServer([
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n",
            "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
        ])
        let r = remote(s)
        XCTAssertEqual(try get(r, "cas/a"), Data("hello".utf8))
        XCTAssertEqual(try get(r, "cas/b"), Data("abcdefg".utf8))
        XCTAssertNil(try get(r, "cas/c"))
        XCTAssertEqual(s.done.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(s.connections, 1, "one kept-alive connection")
        XCTAssertTrue(s.requests[0].hasPrefix("GET /p/cas/a HTTP/1.1\r\n"), s.requests[0])
        XCTAssertTrue(s.requests[0].contains("Authorization: Bearer x\r\n"), s.requests[0])
    }

    func testInformationalResponsesAreSkipped() throws {
        let s = try ScriptedServer(["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
        XCTAssertEqual(try get(remote(s), "ac/k"), Data("ok".utf8))
    }

    func testServerClosingAKeptAliveConnectionIsNotAnError() throws {
        let s = try ScriptedServer([
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb",
        ], closeAfter: [0])
        let r = remote(s)
        XCTAssertEqual(try get(r, "x"), Data("a".utf8))
        usleep(50_000)
        XCTAssertEqual(try get(r, "y"), Data("b".utf8), "the stale connection is replaced, not reported")
    }

    func testOversizeBodiesAreRefusedWhetherAnnouncedOrNot() throws {
        let s = try ScriptedServer([
            "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",
            "HTTP/1.0 200 OK\r\n\r\n" + String(repeating: "z", count: 5000),
        ], closeAfter: [0, 1])
        let r = remote(s)
        XCTAssertThrowsError(try get(r, "x")) { XCTAssertTrue("\($0)".contains("larger than expected"), "\($0)") }
        XCTAssertThrowsError(try get(r, "y")) { XCTAssertTrue("\($0)".contains("larger than expected"), "\($0)") }
    }

    func testEndlessHeadersAreCutOff() throws {
        let s = try ScriptedServer(["HTTP/1.1 200 OK\r\n" + String(repeating: "X-Filler: " + String(repeating: "a", count: 100) + "\r\n", count: 2000)])
        XCTAssertThrowsError(try get(remote(s), "x")) { XCTAssertTrue("\($0)".contains("KiB of headers"), "\($0)") }
    }

    func testRedirectsAreNotFollowed() throws {
        let s = try ScriptedServer(["HTTP/1.1 302 Found\r\nLocation: http://elsewhere.invalid/steal\r\nContent-Length: 0\r\n\r\n"])
        XCTAssertThrowsError(try get(remote(s), "x")) { e in
            XCTAssertTrue("\(e)".contains("redirect to http://elsewhere.invalid/steal") && "\(e)".contains("does not follow"), "\(e)")
        }
        XCTAssertEqual(s.requests.count, 1)
    }

    func testRefusedConnectionIsTransient() throws {
        let s = try ScriptedServer([])
        XCTAssertEqual(s.done.wait(timeout: .now() + 5), .success)  // the listener is closed: nothing there
        XCTAssertThrowsError(try get(remote(s), "x")) { e in
            guard let r = e as? RemoteError, r.isTransient else { return XCTFail("\(e)") }
        }
    }

    func testASilentServerTimesOutWithoutRetries() throws {
        let s = try ScriptedServer([nil])
        let start = Date()
        XCTAssertThrowsError(try get(remote(s, timeout: 1), "x")) { e in
            guard let r = e as? RemoteError, !r.isTransient else { return XCTFail("a timeout must not be retried: \(e)") }
            XCTAssertTrue("\(r)".contains("timeout"), "\(r)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 4)
    }

    func testCancelStopsATransferWithinASecond() throws {
        let s = try ScriptedServer([nil])
        let r = remote(s, timeout: 60)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { r.cancel() }
        let start = Date()
        XCTAssertThrowsError(try get(r, "x")) { XCTAssertTrue("\($0)".contains("interrupted"), "\($0)") }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.6)
    }

    func testUploadsStreamFromTheFile() throws {
        let s = try ScriptedServer(["HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"])
        let file = tmp.appendingPathComponent("body")
        try Data("payload".utf8).write(to: file)
        try remote(s).put("cas/abc", from: file)
        XCTAssertTrue(s.requests[0].hasPrefix("PUT /p/cas/abc HTTP/1.1\r\n"), s.requests[0])
        XCTAssertFalse(s.requests[0].lowercased().contains("expect:"), "no 100-continue round trip")
    }
}
