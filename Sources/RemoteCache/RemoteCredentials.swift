import Foundation

/// The credentials a remote's requests carry, and when they are withheld.
///
/// They come from the environment only (`REPRO_REMOTE_TOKEN`, or
/// `REPRO_REMOTE_BASIC=user:password`), and go only where the user sent them:
/// - to the host of a URL the user gave (`--remote` or `REPRO_REMOTE`), or
///   to a host listed in `REPRO_REMOTE_TOKEN_HOST`; never to a host that only
///   `pipeline.yaml` names (a cloned project must not collect them);
/// - over `https://`; over plain `http://` only with
///   `REPRO_REMOTE_ALLOW_HTTP_TOKEN=1`, and then the run says so.
/// Redirects are never followed, so they cannot carry them elsewhere.
struct RemoteCredentials: Sendable {
    /// The `Authorization` header's value, or nil.
    let authorization: String?
    /// Why credentials in the environment are not sent, or nil.
    let withheld: String?
    /// Said once at the start of a run that sends them over plain http.
    let notice: String?

    init(authorization: String?, withheld: String? = nil, notice: String? = nil) {
        self.authorization = authorization
        self.withheld = withheld
        self.notice = notice
    }

    init(config: RemoteConfig, environment: [String: String]) {
        let value: (header: String, variable: String)
        if let token = environment[RemoteConfig.tokenVariable], !token.isEmpty {
            value = ("Bearer " + token, RemoteConfig.tokenVariable)
        } else if let basic = environment[RemoteConfig.basicVariable], !basic.isEmpty {
            value = ("Basic " + Data(basic.utf8).base64EncodedString(), RemoteConfig.basicVariable)
        } else {
            self.init(authorization: nil)
            return
        }
        let u = URLComponents(string: config.url)
        let host = (u?.host ?? "").lowercased()
        let scheme = (u?.scheme ?? "").lowercased()
        if value.header.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            self.init(authorization: nil, withheld: "\(value.variable) contains a control character (a newline?), so it is not sent")
            return
        }
        let listed = (environment[RemoteConfig.tokenHostVariable] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let hostPort = u?.port.map { "\(host):\($0)" } ?? host
        guard config.userNamedURL || listed.contains(host) || listed.contains(hostPort) else {
            self.init(authorization: nil, withheld: "\(value.variable) is not sent to \(host): that host comes from pipeline.yaml, not from you; "
                      + "set \(RemoteConfig.tokenHostVariable)=\(host) (or give the URL with --remote or \(RemoteConfig.urlVariable)) to send it there")
            return
        }
        if scheme == "http" {
            guard environment[RemoteConfig.allowHTTPTokenVariable] == "1" else {
                self.init(authorization: nil, withheld: "\(value.variable) is not sent over plain http:// (anyone on the way could read it); "
                          + "use https://, or set \(RemoteConfig.allowHTTPTokenVariable)=1 (e.g. for a server on loopback)")
                return
            }
            self.init(authorization: value.header,
                      notice: "warning: sending \(value.variable) to \(host) over plain http:// (\(RemoteConfig.allowHTTPTokenVariable)=1)")
            return
        }
        self.init(authorization: value.header)
    }
}
