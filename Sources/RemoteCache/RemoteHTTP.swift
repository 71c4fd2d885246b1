import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
import EngineCore
import StageAPI
#endif

/// A remote in Bazel's plain HTTP cache layout: `GET`/`PUT`/`HEAD` on
/// `PREFIX/cas/<sha256>` and `PREFIX/ac/<key>`, as a WebDAV-enabled web
/// server (nginx `dav_methods PUT`) or a Bazel cache server serves them.
/// Credentials from the environment, sent as an `Authorization` header and
/// never printed.
struct HTTPRemote: RemoteBackend {
    let display: String
    let authorization: String?
    let transport: any HTTPTransport

    init(url: String, timeout: Double, transfers: Int, environment: [String: String]) {
        let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
        display = trimmed
        if let token = environment[RemoteConfig.tokenVariable], !token.isEmpty {
            authorization = "Bearer " + token
        } else if let basic = environment[RemoteConfig.basicVariable], !basic.isEmpty {
            authorization = "Basic " + Data(basic.utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        let u = URLComponents(string: trimmed)!
        if u.scheme?.lowercased() == "http" {
            transport = SocketHTTPTransport(host: u.host!, port: UInt16(u.port ?? 80), prefix: u.percentEncodedPath,
                                            timeout: timeout, connections: transfers)
        } else {
            transport = URLSessionTransport(base: URL(string: trimmed)!, timeout: timeout)
        }
    }

    /// One request; throws `RemoteError` for anything but a status the caller handles.
    func send(_ method: String, _ path: String, body: Data? = nil, maxBody: Int64? = nil) throws -> (status: Int, data: Data) {
        var headers: [(String, String)] = []
        if let authorization { headers.append(("Authorization", authorization)) }
        if body != nil { headers.append(("Content-Type", "application/octet-stream")) }
        let what = "\(method) \(display)/\(path.prefix(15))…"
        let (status, data): (Int, Data)
        do {
            (status, data) = try transport.send(HTTPExchange(method: method, path: path, headers: headers, body: body, maxBody: maxBody))
        } catch let e as RemoteError {
            switch e {
            case .transient(let m): throw RemoteError.transient("\(what): \(m)")
            case .failed(let m): throw RemoteError.failed("\(what): \(m)")
            case .unauthorized: throw e
            }
        }
        switch status {
        case 401, 403: throw RemoteError.unauthorized(status: status, tokenSet: authorization != nil, display: display)
        case 500...599, 408, 429: throw RemoteError.transient("\(what): HTTP \(status)")
        default: return (status, data)
        }
    }

    func probe() throws {
        let s = try send("HEAD", "ac/" + String(repeating: "0", count: 64)).status
        guard s == 200 || s == 404 else { throw RemoteError.failed("remote \(display) answered HTTP \(s) to a test request") }
    }

    func get(_ path: String, to file: URL, limit: Int64?, progress: @Sendable (Int64) -> Void) throws -> Bool {
        let (status, data) = try send("GET", path, maxBody: limit)
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
        let status = try send("HEAD", path).status
        switch status {
        case 200: return true
        case 404: return false
        default: throw RemoteError.failed("HEAD \(display)/\(path): HTTP \(status)")
        }
    }

    func put(_ path: String, from file: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: file) } catch { throw RemoteError.failed("cannot read \(file.path): \(error.localizedDescription)") }
        let status = try send("PUT", path, body: data).status
        guard (200...299).contains(status) else {
            throw RemoteError.failed("PUT \(display)/\(path): HTTP \(status)\(status == 405 ? " (the server does not accept PUT: enable WebDAV, e.g. nginx `dav_methods PUT;`)" : "")")
        }
    }
}

/// `https://` through Foundation's URLSession (TLS), one request at a time:
/// on Linux, concurrent URLSession requests are much slower than sequential
/// ones (measured on loopback, 44 objects of 16 MB in all: 0.8 s one at a
/// time, 1.6 s two at once, 7.6 s eight at once).
final class URLSessionTransport: HTTPTransport {
    let base: URL
    let session: URLSession
    private let one = Mutex(())

    init(base: URL, timeout: Double) {
        self.base = base
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = timeout
        config.httpMaximumConnectionsPerHost = 1
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        session = URLSession(configuration: config)
    }

    func send(_ x: HTTPExchange) throws -> (status: Int, body: Data) {
        var r = URLRequest(url: base.appendingPathComponent(x.path))
        r.httpMethod = x.method
        for (k, v) in x.headers { r.setValue(v, forHTTPHeaderField: k) }
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        let handler: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
            box.set(data, response, error)
            done.signal()
        }
        one.withLock { _ in
            let task = x.body.map { session.uploadTask(with: r, from: $0, completionHandler: handler) }
                ?? session.dataTask(with: r, completionHandler: handler)
            task.resume()
            done.wait()
        }
        let (data, response, error) = box.get()
        if let error {
            // A timeout is not retried: each attempt would wait as long again.
            if (error as NSError).code == NSURLErrorTimedOut { throw RemoteError.failed("the server did not answer within the timeout (remote: timeout:)") }
            throw RemoteError.transient(error.localizedDescription)
        }
        guard let http = response as? HTTPURLResponse else { throw RemoteError.transient("no HTTP response") }
        return (http.statusCode, data ?? Data())
    }
}

/// Hands a completion handler's results to the waiting thread.
private final class ResponseBox: @unchecked Sendable {
    // Written once by the handler before the semaphore is signalled, read after the wait.
    private var value: (Data?, URLResponse?, (any Error)?) = (nil, nil, nil)
    func set(_ d: Data?, _ r: URLResponse?, _ e: (any Error)?) { value = (d, r, e) }
    func get() -> (Data?, URLResponse?, (any Error)?) { value }
}
