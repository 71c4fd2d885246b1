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
        let fm = FileManager.default
        try fm.createDirectory(at: directory(project), withIntermediateDirectories: true)
        try? fm.removeItem(at: url(project, stage: stage, generation: kept - 1))
        for g in stride(from: kept - 2, through: 0, by: -1) {
            let from = url(project, stage: stage, generation: g)
            if fm.fileExists(atPath: from.path) { try fm.moveItem(at: from, to: url(project, stage: stage, generation: g + 1)) }
        }
        let dest = url(project, stage: stage)
        var text = header.map { "# " + $0 }.joined(separator: "\n") + "\n"
        for l in lines { text += l + "\n" }
        try Data(text.utf8).write(to: dest)
        guard let output, let input = try? FileHandle(forReadingFrom: output) else { return }
        defer { try? input.close() }
        let out = try FileHandle(forWritingTo: dest)
        defer { try? out.close() }
        try out.seekToEnd()
        while let chunk = try input.read(upToCount: 1 << 16), !chunk.isEmpty { try out.write(contentsOf: chunk) }
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
