import Foundation
import XCTest
import EngineCore
import StageAPI

func sha256Hex(_ bytes: [UInt8]) -> String { FileHasher.hash(data: bytes) }

/// Runs the real `repro` binary built next to this test bundle.
enum CLI {
    static let binary: URL = {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [here, here.deletingLastPathComponent()]
            + [URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug")]
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.appendingPathComponent("repro").path) {
            return c.appendingPathComponent("repro")
        }
        fatalError("repro binary not found near \(here.path); build it with `swift build`")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var all: String { stdout + stderr }
    }

    /// Starts repro in `dir`; the caller waits or signals.
    static func start(_ args: [String], in dir: URL, extraEnv: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in extraEnv { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    static func finish(_ p: Process, _ out: Pipe, _ err: Pipe) -> Result {
        // Both pipes at once: reading one to its end first would deadlock once the other fills (~64 KiB).
        nonisolated(unsafe) var e = Data()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            e = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @discardableResult
    static func run(_ args: [String], in dir: URL) throws -> Result {
        let (p, o, e) = try start(args, in: dir)
        return finish(p, o, e)
    }
}

/// A throwaway project directory for CLI tests.
final class Scratch {
    let root: URL
    init(_ files: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("repro-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for (p, c) in files { try write(p, c) }
    }
    deinit { try? FileManager.default.removeItem(at: root) }
    func write(_ path: String, _ content: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(content.utf8).write(to: url)
    }
    func read(_ path: String) -> String? { try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) }
    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path) }
    @discardableResult
    func repro(_ args: String...) throws -> CLI.Result { try CLI.run(args, in: root) }

    /// Waits until `condition` holds (polling), failing after `timeout`.
    func wait(timeout: Double = 20, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end { if condition() { return true }; usleep(20_000) }
        return false
    }
}
