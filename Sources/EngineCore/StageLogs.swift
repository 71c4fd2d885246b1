import Foundation
import Synchronization
import StageAPI
import ProcessSpawn

/// `.repro/logs/STAGE.log`: the log of a stage's latest run (ran, failed or
/// cancelled), with the two before it as `STAGE.log.1` and `STAGE.log.2`.
/// It holds what the stage said (`context.log`) and, for a command, its
/// standard error and any standard output not sent to an out. Like the run
/// records, never committed and no part of any key.
enum StageLogs {
    static let kept = 3

    static func directory(_ project: Project) -> URL { project.reproDir.appendingPathComponent("logs") }

    /// The latest log of `stage` (`generation` 0), or an older one.
    static func url(_ project: Project, stage: Pipeline.Stage, generation: Int = 0) -> URL {
        directory(project).appendingPathComponent(stage.fileSafeName + ".log" + (generation == 0 ? "" : ".\(generation)"))
    }

    /// Rotates the stage's logs and writes the new one: a header, the lines,
    /// then the command's output file, if any (copied in chunks).
    static func keep(_ project: Project, stage: Pipeline.Stage, header: [String], lines: [String], output: URL?) throws {
        // Plain system calls: this runs once per stage, and FileManager's checks cost more than the log.
        let dir = directory(project).path
        if mkdir(dir, 0o755) != 0 && errno != EEXIST { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        for g in stride(from: kept - 2, through: 0, by: -1) {
            let to = url(project, stage: stage, generation: g + 1).path
            if rename(url(project, stage: stage, generation: g).path, to) != 0 && errno == ENOENT { unlink(to) }
        }
        let dest = url(project, stage: stage).path
        var text = header.map { "# " + $0 }.joined(separator: "\n") + "\n"
        for l in lines { text += l + "\n" }
        let fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw EngineError.io("cannot write \(dest): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var ok = Array(text.utf8).withUnsafeBytes { AtomicFile.writeAll(fd, $0) }
        if ok, let output {
            let input = open(output.path, O_RDONLY | O_CLOEXEC)
            if input >= 0 {
                defer { close(input) }
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while ok {
                    let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    ok = buffer.withUnsafeBytes { AtomicFile.writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[..<n])) }
                }
            }
        }
        guard ok else { throw EngineError.io("cannot write \(dest): \(String(cString: strerror(errno)))") }
    }
}

/// The `context.log` lines of one stage run, for its kept log (the first
/// `limit` lines: a log-happy stage must not fill memory).
final class StageLogLines: Sendable {
    static let limit = 10_000
    private let state = Mutex((lines: [String](), dropped: 0))

    func append(_ line: String) {
        state.withLock {
            if $0.lines.count < Self.limit { $0.lines.append(line) } else { $0.dropped += 1 }
        }
    }

    var lines: [String] {
        state.withLock { $0.lines + ($0.dropped > 0 ? ["(\($0.dropped) more lines not kept)"] : []) }
    }
}
