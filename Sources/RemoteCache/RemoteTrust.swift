import Foundation
import CCurlShim

/// The certificates an https remote is checked against: the system's trust
/// store, plus the CA of `REPRO_REMOTE_CA=FILE` (a group's own server).
/// libcurl takes one bundle, and naming a file replaces the system's, so the
/// two are joined in memory (CURLOPT_CAINFO_BLOB).
enum RemoteTrust {
    struct Problem: Error, CustomStringConvertible { let description: String }

    static func anchors(adding file: String) throws -> Data {
        let added: Data
        do { added = try readRegularFile(file, limit: 1 << 20) } catch {
            throw Problem(description: "\(RemoteConfig.caVariable)=\(file): \(error); name a PEM file with your CA's certificate")
        }
        guard String(decoding: added, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            throw Problem(description: "\(RemoteConfig.caVariable)=\(file) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        var bundle = Data()
        if let system = repro_curl_default_ca_file().map({ String(cString: $0) }), let d = try? readRegularFile(system, limit: 16 << 20) {
            bundle = d
            bundle.append(Data("\n".utf8))
        }
        bundle.append(added)
        return bundle
    }
}
