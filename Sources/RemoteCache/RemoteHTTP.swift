import Foundation
import EngineCore
import StageAPI

/// A remote in Bazel's plain HTTP cache layout: `GET`/`PUT`/`HEAD` on
/// `PREFIX/cas/<sha256>` and `PREFIX/ac/<key>`, as a WebDAV-enabled web
/// server (nginx `dav_methods PUT`) or a Bazel cache server serves them.
/// `http://` and `https://` alike, through libcurl (`CurlTransport`).
struct HTTPRemote: RemoteBackend {
    let display: String
    let credentials: RemoteCredentials
    /// Why no request can be made (an unreadable `REPRO_REMOTE_CA`), or nil.
    let setupProblem: String?
    let transport: any HTTPTransport

    init(config: RemoteConfig, environment: [String: String]) {
        let trimmed = config.url.hasSuffix("/") ? String(config.url.dropLast()) : config.url
        display = trimmed
        credentials = RemoteCredentials(config: config, environment: environment)
        var trust: Data?
        var problem: String?
        let ca = environment[RemoteConfig.caVariable].flatMap { $0.isEmpty ? nil : $0 }
        if trimmed.lowercased().hasPrefix("https:") {
            do { trust = try RemoteTrust.anchors(adding: ca) } catch { problem = "\(error)" }
        }
        let curl = CurlTransport(timeout: config.timeout, transfers: config.transfers, trust: trust)
        if let ca, trust != nil, curl.trustStore == nil {
            problem = "\(RemoteConfig.caVariable)=\(ca): its certificate cannot be read (a PEM file with your CA's certificate is needed)"
        }
        setupProblem = problem
        transport = curl
    }

    /// A remote over a given transport (tests).
    init(display: String, credentials: RemoteCredentials, transport: any HTTPTransport) {
        self.display = display
        self.credentials = credentials
        setupProblem = nil
        self.transport = transport
    }

    func cancel() { (transport as? CurlTransport)?.cancel() }

    /// One request; throws `RemoteError` for anything but a status the caller handles.
    func send(_ method: String, _ path: String, bodyFile: URL? = nil, outFile: URL? = nil, maxBody: Int64? = nil) throws -> HTTPResponse {
        if let setupProblem { throw RemoteError.failed(setupProblem) }
        let what = "\(method) \(display)/\(path.prefix(15))…"
        let response: HTTPResponse
        do {
            response = try transport.send(HTTPExchange(method: method, url: display + "/" + path, authorization: credentials.authorization,
                                                       bodyFile: bodyFile, outFile: outFile, maxBody: maxBody))
        } catch let e as RemoteError {
            switch e {
            case .transient(let m): throw RemoteError.transient("\(what): \(m)")
            case .failed(let m): throw RemoteError.failed("\(what): \(m)")
            case .unauthorized: throw e
            }
        }
        switch response.status {
        case 401, 403:
            throw RemoteError.unauthorized(status: response.status, tokenSet: credentials.authorization != nil, display: display,
                                           withheld: credentials.withheld)
        case 500...599, 408, 429: throw RemoteError.transient("\(what): HTTP \(response.status)")
        case 300...399:
            // Never followed: a redirect could carry the credentials to another host.
            throw RemoteError.failed("\(what): HTTP \(response.status), a redirect\(response.redirect.map { " to \(RemoteRecord.printable($0))" } ?? ""), "
                + "which repro does not follow; name the final location in the remote URL")
        default: return response
        }
    }

    func probe() throws {
        let s = try send("HEAD", "ac/" + String(repeating: "0", count: 64)).status
        guard s == 200 || s == 404 else { throw RemoteError.failed("remote \(display) answered HTTP \(s) to a test request") }
    }

    func get(_ path: String, to file: URL, limit: Int64?, progress: @Sendable (Int64) -> Void) throws -> Bool {
        let r = try send("GET", path, outFile: file, maxBody: limit)
        switch r.status {
        case 200:
            progress(r.bodyBytes)
            return true
        case 404: return false
        default: throw RemoteError.failed("GET \(display)/\(path): HTTP \(r.status)")
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
        let status = try send("PUT", path, bodyFile: file).status
        guard (200...299).contains(status) else {
            throw RemoteError.failed("PUT \(display)/\(path): HTTP \(status)\(status == 405 ? " (the server does not accept PUT: enable WebDAV, e.g. nginx `dav_methods PUT;`)" : "")")
        }
    }
}
