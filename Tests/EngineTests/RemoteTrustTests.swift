import Foundation
import XCTest
@testable import EngineCore
import StageAPI
@testable import RemoteCache

/// Where credentials may go, what a `file://` remote may open, and what the
/// CA option accepts.
final class RemoteTrustTests: XCTestCase {
    func credentials(_ url: String, userNamed: Bool, _ env: [String: String]) throws -> RemoteCredentials {
        var c = try RemoteConfig(url: url)
        c.userNamedURL = userNamed
        return RemoteCredentials(config: c, environment: env)
    }

    func testATokenGoesOnlyToAHostTheUserNamed() throws {
        let env = ["REPRO_REMOTE_TOKEN": "s3cret"]
        let fromPipeline = try credentials("https://cache.example/r", userNamed: false, env)
        XCTAssertNil(fromPipeline.authorization, "a host only pipeline.yaml names gets no token")
        XCTAssertTrue(fromPipeline.withheld?.contains("REPRO_REMOTE_TOKEN_HOST=cache.example") ?? false, "\(fromPipeline)")
        XCTAssertEqual(try credentials("https://cache.example/r", userNamed: true, env).authorization, "Bearer s3cret")
        XCTAssertEqual(try credentials("https://cache.example/r", userNamed: false, env.merging(["REPRO_REMOTE_TOKEN_HOST": "other, cache.example"]) { $1 })
            .authorization, "Bearer s3cret")
        XCTAssertNil(try credentials("https://cache.example:8443/r", userNamed: false, env.merging(["REPRO_REMOTE_TOKEN_HOST": "cache.example:9"]) { $1 })
            .authorization, "the port, when given, must match")
    }

    func testATokenGoesOverPlainHTTPOnlyWhenAllowedAndThenSaysSo() throws {
        let env = ["REPRO_REMOTE_TOKEN": "s3cret"]
        let plain = try credentials("http://127.0.0.1:8080/r", userNamed: true, env)
        XCTAssertNil(plain.authorization)
        XCTAssertTrue(plain.withheld?.contains("REPRO_REMOTE_ALLOW_HTTP_TOKEN=1") ?? false, "\(plain)")
        let allowed = try credentials("http://127.0.0.1:8080/r", userNamed: true, env.merging(["REPRO_REMOTE_ALLOW_HTTP_TOKEN": "1"]) { $1 })
        XCTAssertEqual(allowed.authorization, "Bearer s3cret")
        XCTAssertTrue(allowed.notice?.contains("plain http") ?? false)
        XCTAssertFalse("\(allowed.notice ?? "") \(plain.withheld ?? "")".contains("s3cret"), "never printed")
    }

    func testATokenWithANewlineIsNeverSent() throws {
        let c = try credentials("https://cache.example/r", userNamed: true, ["REPRO_REMOTE_TOKEN": "a\r\nX-Injected: 1"])
        XCTAssertNil(c.authorization)
        XCTAssertNotNil(c.withheld)
    }

    func testTheUserNamesTheURLOnlyOnTheCommandLineOrInTheEnvironment() throws {
        var block = Value.Object()
        block["url"] = .string("https://pipeline.example/r")
        XCTAssertFalse(try RemoteConfig.resolve(pipeline: block, commandLine: nil, environment: [:])!.userNamedURL)
        XCTAssertTrue(try RemoteConfig.resolve(pipeline: block, commandLine: "https://mine.example/r", environment: [:])!.userNamedURL)
        XCTAssertTrue(try RemoteConfig.resolve(pipeline: block, commandLine: nil, environment: ["REPRO_REMOTE": "https://mine.example/r"])!.userNamedURL)
    }

    func testFileRemoteRefusesAFIFOAtOnce() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("repro-fifo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("ac"), withIntermediateDirectories: true)
        let key = String(repeating: "a", count: 64)
        XCTAssertEqual(mkfifo(root.appendingPathComponent("ac/\(key)").path, 0o600), 0)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("ac/\(String(repeating: "b", count: 64))"), withIntermediateDirectories: true)
        let remote = DirectoryRemote(root: root, display: "file://" + root.path)
        let start = Date()
        XCTAssertThrowsError(try remote.get("ac/\(key)", to: root.appendingPathComponent("out"), limit: 100, progress: { _ in })) {
            XCTAssertTrue("\($0)".contains("a FIFO (named pipe), not a regular file"), "\($0)")
        }
        XCTAssertThrowsError(try remote.get("ac/\(String(repeating: "b", count: 64))", to: root.appendingPathComponent("out"), limit: 100, progress: { _ in })) {
            XCTAssertTrue("\($0)".contains("a directory, not a regular file"), "\($0)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        XCTAssertFalse(try remote.exists("ac/\(key)"), "a FIFO is no entry")
    }

    func testTheCAOptionNeedsAPEMCertificate() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("repro-ca-\(UUID().uuidString).pem")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("not a certificate\n".utf8).write(to: file)
        XCTAssertThrowsError(try RemoteTrust.anchors(adding: file.path)) { XCTAssertTrue("\($0)".contains("no PEM certificate"), "\($0)") }
        XCTAssertThrowsError(try RemoteTrust.anchors(adding: "/nonexistent/ca.pem")) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        try Data(pem.utf8).write(to: file)
        let bundle = String(decoding: try RemoteTrust.anchors(adding: file.path), as: UTF8.self)
        XCTAssertTrue(bundle.hasSuffix(pem), "the CA is added")
        XCTAssertGreaterThan(bundle.count, pem.count * 2, "to the system's trust store, not instead of it")
    }

    func testTheCAOptionMattersOnlyForHTTPSAndMustParse() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("repro-ca-\(UUID().uuidString).pem")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8).write(to: file)
        let env = ["REPRO_REMOTE_CA": file.path]
        XCTAssertNil(HTTPRemote(config: try RemoteConfig(url: "http://127.0.0.1:9/r"), environment: env).setupProblem)
        let https = HTTPRemote(config: try RemoteConfig(url: "https://localhost:9/r"), environment: env)
        XCTAssertTrue(https.setupProblem?.contains("its certificate cannot be read") ?? false, "\(https.setupProblem ?? "nil")")
        XCTAssertNil(HTTPRemote(config: try RemoteConfig(url: "https://localhost:9/r"), environment: [:]).setupProblem,
                     "the system's trust store parses")
    }
}
