import Foundation
import EngineCore
import StageAPI

/// Where the shared cache is and how to use it: pipeline.yaml's `remote:`
/// block, overridden by `--remote URL` or `REPRO_REMOTE`.
///
///     remote:
///       url: file:///shared/repro-cache      # or http(s)://host/prefix
///       push: on-success                     # or never (default)
///       transfers: 32                        # requests at once (default 32)
///       timeout: 20                          # seconds without progress (default 20)
///
/// Credentials never come from here: `REPRO_REMOTE_TOKEN` (a bearer token)
/// or `REPRO_REMOTE_BASIC` (user:password) in the environment; where they
/// may go is `RemoteCredentials`'s rule.
public struct RemoteConfig: Sendable, Equatable {
    public enum Push: String, Sendable { case never, onSuccess = "on-success" }

    public var url: String
    public var push: Push = .never
    /// Requests at once. Many, because at an internet round trip each costs
    /// latency, not bandwidth (Bazel opens up to 100 connections to its cache).
    public var transfers: Int = 32
    public var timeout: Double = 20
    /// Fail instead of computing locally when the remote cannot be used.
    public var required = false
    /// The URL came from the user (`--remote`, `REPRO_REMOTE`), not from pipeline.yaml:
    /// credentials may go to its host (see `RemoteCredentials`).
    public var userNamedURL = false

    public static let keys = ["push", "timeout", "transfers", "url"]
    public static let tokenVariable = "REPRO_REMOTE_TOKEN"
    public static let basicVariable = "REPRO_REMOTE_BASIC"
    public static let urlVariable = "REPRO_REMOTE"
    /// Hosts (comma-separated, `host` or `host:port`) a pipeline.yaml URL may send credentials to.
    public static let tokenHostVariable = "REPRO_REMOTE_TOKEN_HOST"
    /// `1`: credentials may go over plain http://.
    public static let allowHTTPTokenVariable = "REPRO_REMOTE_ALLOW_HTTP_TOKEN"
    /// A PEM file with a CA certificate trusted besides the system's (a group's own server).
    public static let caVariable = "REPRO_REMOTE_CA"

    public init(url: String) throws {
        self.url = url
        if let problem = Self.urlProblem(url) { throw ParamError(key: "url", problem) }
    }

    /// Reads the `remote:` block; throws `ParamError` naming the bad key.
    public init(_ p: Params) throws {
        try self.init(url: try p.string("url"))
        push = Push(rawValue: try p.choice("push", ["never", "on-success"], default: "never"))!
        transfers = try p.check("transfers", try p.int("transfers", default: 32), "between 1 and 64") { (1...64).contains($0) }
        timeout = try p.check("timeout", try p.double("timeout", default: 20), "between 0.1 and 3600 seconds") { $0 >= 0.1 && $0 <= 3600 }
    }

    /// Why a URL cannot name a remote, or nil.
    static func urlProblem(_ url: String) -> String? {
        guard let u = URLComponents(string: url), let scheme = u.scheme?.lowercased() else {
            return "'\(url)' is not a URL (use file:///shared/dir or http(s)://host/prefix)"
        }
        if u.user != nil || u.password != nil {
            return "must not contain credentials: put a token in \(tokenVariable) (or user:password in \(basicVariable)) in the environment"
        }
        switch scheme {
        case "file":
            guard u.path.hasPrefix("/"), u.host == nil || u.host == "" || u.host == "localhost" else {
                return "'\(url)' must be an absolute file URL, file:///path/to/dir"
            }
        case "http", "https":
            guard let host = u.host, !host.isEmpty else { return "'\(url)' has no host" }
            if u.query != nil || u.fragment != nil { return "'\(url)' must not have a query or fragment" }
            if let port = u.port, !(1...65535).contains(port) { return "'\(url)' has port \(port): a port is 1 to 65535" }
        default:
            return "unsupported scheme '\(scheme)' (use file:// or http(s)://)"
        }
        return nil
    }

    /// The remote block of a pipeline, then the environment, then the command line, the last given winning.
    public static func resolve(pipeline: Value.Object, commandLine: String?, environment: [String: String]) throws -> RemoteConfig? {
        var config: RemoteConfig?
        if !pipeline.isEmpty { config = try RemoteConfig(Params(pipeline, path: "remote")) }
        if let override = commandLine ?? environment[urlVariable].flatMap({ $0.isEmpty ? nil : $0 }) {
            do {
                var c = try RemoteConfig(url: override)
                if let config { c.push = config.push; c.transfers = config.transfers; c.timeout = config.timeout }
                c.userNamedURL = true
                config = c
            } catch let e as ParamError {
                throw EngineError.usage("remote \(commandLine != nil ? "--remote" : urlVariable): \(e.message)")
            }
        }
        return config
    }
}

/// The `remote:` block's reader, as the CLI registers it (`KindRegistry.remote`).
public struct RemoteBlock: PipelineBlockType {
    public init() {}
    public var keys: [String] { RemoteConfig.keys }
    public var hint: String { "; credentials go in the environment (\(RemoteConfig.tokenVariable))" }
    public func validate(_ block: Params) throws { _ = try RemoteConfig(block) }
}
