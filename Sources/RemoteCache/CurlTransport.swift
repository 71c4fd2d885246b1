import Foundation
import Synchronization
import CCurlShim

/// One HTTP request of a remote, as the transport sends it. Bodies go
/// between files and the network, never whole through memory.
struct HTTPExchange {
    var method: String
    /// The full URL.
    var url: String
    /// The `Authorization` header's value, if credentials go with it.
    var authorization: String?
    /// PUT: the body, read from this file.
    var bodyFile: URL?
    /// GET: the body is written to this file (created or truncated).
    var outFile: URL?
    /// A response body longer than this is refused (known sizes: objects, records).
    var maxBody: Int64?
}

struct HTTPResponse {
    var status: Int
    /// The `Location` of a 3xx, never followed.
    var redirect: String?
    var bodyBytes: Int64
}

protocol HTTPTransport: Sendable {
    func send(_ x: HTTPExchange) throws -> HTTPResponse
}

/// HTTP/1.1 and TLS through libcurl: up to `transfers` requests at once, each
/// on an easy handle from a pool, so connections (and TLS sessions) are kept
/// alive between requests. Every request has an idle timeout (`timeout`
/// seconds without a byte) and an overall deadline (3 × `timeout`, plus a
/// second per 256 KiB expected), a bound on its headers (1xx responses
/// included), and stops within a second of `cancel()`.
final class CurlTransport: HTTPTransport, @unchecked Sendable {
    // @unchecked: the raw handles are only used by one thread at a time
    // (taken from and returned to `idle` under its lock); `flag` is accessed
    // atomically through the shim; `trustStore` is only read (OpenSSL locks it).
    let timeout: Double
    /// The parsed trust anchors (see `RemoteTrust`), or nil for libcurl's default bundle.
    let trustStore: UnsafeMutableRawPointer?
    private let idle = Mutex<[Handle]>([])
    private let slots: DispatchSemaphore
    private let flag: UnsafeMutablePointer<Int32>

    static let maxHeaderBytes: Int64 = 64 << 10
    static let deadlineBytesPerSecond: Int64 = 256 << 10

    struct Handle: @unchecked Sendable { let raw: UnsafeMutableRawPointer }

    private static let initialised: Bool = repro_curl_global_init() == 0

    init(timeout: Double, transfers: Int, trust: Data?) {
        self.timeout = timeout
        trustStore = trust.flatMap { d in d.withUnsafeBytes { repro_curl_trust_new($0.baseAddress, $0.count) } }
        slots = DispatchSemaphore(value: max(1, transfers))
        flag = .allocate(capacity: 1)
        flag.initialize(to: 0)
    }

    deinit {
        for h in idle.withLock({ $0 }) { repro_curl_handle_free(h.raw) }
        flag.deallocate()
        if let trustStore { repro_curl_trust_free(trustStore) }
    }

    /// Stops every transfer in flight within a second, and refuses new ones.
    func cancel() { repro_curl_flag_set(flag, 1) }

    var isCancelled: Bool { repro_curl_flag_get(flag) != 0 }

    func send(_ x: HTTPExchange) throws -> HTTPResponse {
        guard Self.initialised else { throw RemoteError.failed("libcurl could not be initialised") }
        slots.wait()
        defer { slots.signal() }
        if isCancelled { throw RemoteError.failed("interrupted") }
        guard let handle = idle.withLock({ $0.popLast() }) ?? repro_curl_handle_new().map(Handle.init) else {
            throw RemoteError.failed("libcurl could not create a handle")
        }
        defer { idle.withLock { $0.append(handle) } }
        return try perform(x, on: handle)
    }

    private func perform(_ x: HTTPExchange, on handle: Handle) throws -> HTTPResponse {
        var inFD: Int32 = -1, outFD: Int32 = -1
        defer { if inFD >= 0 { close(inFD) }; if outFD >= 0 { close(outFD) } }
        var bodySize: Int64 = 0
        if let f = x.bodyFile {
            inFD = open(f.path, O_RDONLY | O_CLOEXEC)
            var st = stat()
            guard inFD >= 0, fstat(inFD, &st) == 0 else { throw RemoteError.failed("cannot read \(f.path): \(String(cString: strerror(errno)))") }
            bodySize = Int64(st.st_size)
        }
        if let f = x.outFile {
            outFD = open(f.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard outFD >= 0 else { throw RemoteError.failed("cannot write \(f.path): \(String(cString: strerror(errno)))") }
        }
        let expected = max(bodySize, x.maxBody ?? 0)
        let deadline = 3 * timeout + Double(expected / Self.deadlineBytesPerSecond)
        var result = repro_curl_result()
        let started = Date()
        x.url.withCString { url in
            x.method.withCString { method in
                withOptionalCString(x.authorization) { auth in
                    var r = repro_curl_request(
                        url: url, method: method, authorization: auth, trust: trustStore,
                        body_fd: inFD, body_size: bodySize, out_fd: outFD, max_body: x.maxBody ?? -1,
                        max_header_bytes: Self.maxHeaderBytes, deadline_ms: Int(deadline * 1000),
                        connect_timeout_ms: Int(timeout * 1000), idle_seconds: max(1, Int(timeout.rounded(.up))),
                        cancelled: UnsafePointer(flag))
                    repro_curl_perform(handle.raw, &r, &result)
                }
            }
        }
        if result.curl_code != 0 {
            throw CurlFailure(result: result, deadline: deadline, idle: timeout, elapsed: Date().timeIntervalSince(started),
                              limit: x.maxBody).error
        }
        let redirect = withUnsafeBytes(of: result.redirect_url) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        return HTTPResponse(status: result.status, redirect: redirect.isEmpty ? nil : redirect, bodyBytes: result.body_bytes)
    }
}

/// What a failed libcurl transfer means for the cache, in our words.
struct CurlFailure {
    let result: repro_curl_result
    let deadline: Double
    let idle: Double
    let elapsed: Double
    let limit: Int64?

    var curlText: String { withUnsafeBytes(of: result.error) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) } }

    var error: RemoteError {
        switch Int(result.stop_reason) {
        case Int(REPRO_CURL_BODY_TOO_LARGE):
            return .failed("the answer is larger than expected (more than \(limit ?? 0) bytes): refused")
        case Int(REPRO_CURL_HEADERS_TOO_LARGE):
            return .failed("the server sent more than \(CurlTransport.maxHeaderBytes >> 10) KiB of headers: refused")
        case Int(REPRO_CURL_CANCELLED):
            return .failed("interrupted")
        case Int(REPRO_CURL_WRITE_FAILED):
            return .failed("cannot write the download to a temp file: \(String(cString: strerror(errno)))")
        case Int(REPRO_CURL_READ_FAILED):
            return .failed("cannot read the file to upload")
        default: break
        }
        switch Int(result.curl_code) {
        case REPRO_CURLE_FILESIZE_EXCEEDED:
            return .failed("the answer is larger than expected (more than \(limit ?? 0) bytes): refused")
        case REPRO_CURLE_OPERATION_TIMEDOUT:
            // Not retried: another attempt would wait as long again.
            if elapsed + 0.5 >= deadline {
                return .failed("no complete answer within the request's deadline of \(Int(deadline)) s (3 × remote timeout:, plus a second per 256 KiB)")
            }
            return .failed("no data, or less than a byte a second, for \(Int(idle.rounded(.up))) s (remote timeout:)")
        case REPRO_CURLE_PEER_FAILED_VERIFICATION:
            return .failed("TLS: the server's certificate was not accepted (\(curlText))\(Self.tlsAdvice(curlText))")
        case REPRO_CURLE_SSL_CONNECT_ERROR, REPRO_CURLE_SSL_CACERT_BADFILE:
            return .failed("TLS: the secure connection failed (\(curlText))")
        case REPRO_CURLE_COULDNT_CONNECT, REPRO_CURLE_GOT_NOTHING, REPRO_CURLE_SEND_ERROR, REPRO_CURLE_RECV_ERROR, 18 /* partial file */:
            return .transient(curlText)
        default:
            return .failed(curlText)
        }
    }

    /// What to do about a refused certificate.
    static func tlsAdvice(_ text: String) -> String {
        if text.contains("expired") { return ": the certificate has expired; the server needs a new one" }
        if text.contains("subject name") || text.contains("does not match") {
            return ": the certificate is for another host name; use the name it was issued for in the remote URL"
        }
        if text.contains("issuer") || text.contains("self-signed") || text.contains("self signed") {
            return ": it is not signed by a CA this machine trusts; set \(RemoteConfig.caVariable)=FILE to your group's CA certificate"
        }
        return ""
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}

