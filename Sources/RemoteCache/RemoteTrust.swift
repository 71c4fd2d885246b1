import Foundation
import CCurlShim

/// The certificates an https remote is checked against: the system's trust
/// store, plus the CA of `REPRO_REMOTE_CA=FILE` (a group's own server).
/// Naming a file to libcurl would replace the system's bundle, and libcurl
/// would parse it again for every connection (~20 ms each, 32 connections),
/// so the two are joined here and parsed once (`repro_curl_trust_new`).
enum RemoteTrust {
    struct Problem: Error, CustomStringConvertible { let description: String }

    /// The PEM certificates: the system bundle, then `file`'s if given (checked).
    static func anchors(adding file: String?) throws -> Data {
        var bundle = Data()
        if let system = repro_curl_default_ca_file().map({ String(cString: $0) }), let d = try? readRegularFile(system, limit: 16 << 20) {
            bundle = d
            bundle.append(Data("\n".utf8))
        }
        guard let file else { return bundle }
        let added: Data
        do { added = try readRegularFile(file, limit: 1 << 20) } catch {
            throw Problem(description: "\(RemoteConfig.caVariable)=\(file): \(error); name a PEM file with your CA's certificate")
        }
        guard String(decoding: added, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            throw Problem(description: "\(RemoteConfig.caVariable)=\(file) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        bundle.append(added)
        return bundle
    }
}
