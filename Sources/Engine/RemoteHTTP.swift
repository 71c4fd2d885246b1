import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A remote in Bazel's plain HTTP cache layout: `GET`/`PUT`/`HEAD` on
/// `PREFIX/cas/<sha256>` and `PREFIX/ac/<key>`, as a WebDAV-enabled web
/// server (nginx `dav_methods PUT`) or a Bazel cache server serves them.
/// Credentials from the environment, sent as an `Authorization` header and
/// never printed.
struct HTTPRemote: RemoteBackend {
    let base: URL
    let display: String
    let authorization: String?
    let sessions: SessionPool

    init(url: String, timeout: Double, transfers: Int, environment: [String: String]) {
        let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
        base = URL(string: trimmed)!
        display = trimmed
        if let token = environment[RemoteConfig.tokenVariable], !token.isEmpty {
            authorization = "Bearer " + token
        } else if let basic = environment[RemoteConfig.basicVariable], !basic.isEmpty {
            authorization = "Basic " + Data(basic.utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        sessions = SessionPool(count: 1, timeout: timeout)
    }

    func request(_ method: String, _ path: String) -> URLRequest {
        var r = URLRequest(url: base.appendingPathComponent(path))
        r.httpMethod = method
        if let authorization { r.setValue(authorization, forHTTPHeaderField: "Authorization") }
        return r
    }

    /// One request, waited for; throws `RemoteError` for anything but a status the caller handles.
    func send(_ r: URLRequest, body: Data? = nil) throws -> (status: Int, data: Data) {
        let session = sessions.acquire()
        defer { sessions.release(session) }
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        let handler: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
            box.set(data, response, error)
            done.signal()
        }
        let task = body.map { session.uploadTask(with: r, from: $0, completionHandler: handler) }
            ?? session.dataTask(with: r, completionHandler: handler)
        task.resume()
        done.wait()
        let (data, response, error) = box.get()
        let what = "\(r.httpMethod ?? "GET") \(display)/\(r.url!.lastPathComponent.prefix(12))…"
        if let error {
            throw RemoteError.transient("\(what): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw RemoteError.transient("\(what): no HTTP response") }
        switch http.statusCode {
        case 401, 403: throw RemoteError.unauthorized(status: http.statusCode, tokenSet: authorization != nil, display: display)
        case 500...599, 408, 429: throw RemoteError.transient("\(what): HTTP \(http.statusCode)")
        default: return (http.statusCode, data ?? Data())
        }
    }

    func probe() throws {
        let s = try send(request("HEAD", "ac/" + String(repeating: "0", count: 64))).status
        guard s == 200 || s == 404 else { throw RemoteError.failed("remote \(display) answered HTTP \(s) to a test request") }
    }

    func get(_ path: String, to file: URL, limit: Int64?, progress: @Sendable (Int64) -> Void) throws -> Bool {
        let (status, data) = try send(request("GET", path))
        switch status {
        case 200:
            if let limit, data.count > limit {
                throw RemoteError.failed("\(path) on \(display) is larger than expected (\(data.count) bytes)")
            }
            try? FileManager.default.removeItem(at: file)
            guard FileManager.default.createFile(atPath: file.path, contents: data) else {
                throw RemoteError.failed("cannot write \(file.path)")
            }
            progress(Int64(data.count))
            return true
        case 404: return false
        default: throw RemoteError.failed("GET \(display)/\(path): HTTP \(status)")
        }
    }

    func exists(_ path: String) throws -> Bool {
        let status = try send(request("HEAD", path)).status
        switch status {
        case 200: return true
        case 404: return false
        default: throw RemoteError.failed("HEAD \(display)/\(path): HTTP \(status)")
        }
    }

    func put(_ path: String, from file: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: file) } catch { throw RemoteError.failed("cannot read \(file.path): \(error.localizedDescription)") }
        var r = request("PUT", path)
        r.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        let status = try send(r, body: data).status
        guard (200...299).contains(status) else {
            throw RemoteError.failed("PUT \(display)/\(path): HTTP \(status)\(status == 405 ? " (the server does not accept PUT: enable WebDAV, e.g. nginx `dav_methods PUT;`)" : "")")
        }
    }
}

/// URLSessions, each used by one request at a time. On Linux, concurrent
/// URLSession requests are much slower than one after the other, on one
/// session or several (measured on loopback, 44 objects of 16 MB: 0.8 s one
/// at a time, 1.6 s two at once, 7.6 s eight at once), so HTTP transfers are
/// serialized: the pool holds one session.
final class SessionPool: Sendable {
    private let free: Mutex<[URLSession]>
    private let available: DispatchSemaphore

    init(count: Int, timeout: Double) {
        free = Mutex((0..<count).map { _ in
            let config = URLSessionConfiguration.ephemeral
            config.timeoutIntervalForRequest = timeout
            config.httpMaximumConnectionsPerHost = 1
            config.requestCachePolicy = .reloadIgnoringLocalCacheData
            config.urlCache = nil
            return URLSession(configuration: config)
        })
        available = DispatchSemaphore(value: count)
    }

    func acquire() -> URLSession {
        available.wait()
        return free.withLock { $0.removeLast() }
    }

    func release(_ s: URLSession) {
        free.withLock { $0.append(s) }
        available.signal()
    }
}

/// Hands a completion handler's results to the waiting thread.
private final class ResponseBox: @unchecked Sendable {
    // Written once by the handler before the semaphore is signalled, read after the wait.
    private var value: (Data?, URLResponse?, (any Error)?) = (nil, nil, nil)
    func set(_ d: Data?, _ r: URLResponse?, _ e: (any Error)?) { value = (d, r, e) }
    func get() -> (Data?, URLResponse?, (any Error)?) { value }
}
