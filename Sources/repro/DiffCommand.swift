import ArgumentParser
import BuildInfo
import Changes
import EngineCore
import StageAPI
import Foundation

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What changed between two states of the paper: claims, metrics, stages, tables, figures.",
        discussion: """
            A and B are git revisions (default: A = HEAD, B = the working tree) or exp:NAME (an experiment). \
            Each side is read from its repro.lock and its outputs: git objects where committed, else the cache \
            by digest; an output that is neither is named, not guessed.

            EXIT CODES
              0   no difference
              6   differences, no claim flipped
              7   a claim flipped (holds ↔ fails), or a claim that held is gone
              64  unknown revision or experiment, bad option
              65  a side without repro.lock, a damaged lock, objects missing from a shallow clone
            """)

    @Option(name: [.customShort("C"), .customLong("project")], help: "Project directory.")
    var project: String = "."

    @Option(name: .customLong("file"), help: "Pipeline file (its lock is compared).")
    var file: String = "pipeline.yaml"

    @Flag(help: "Print the stable JSON report (schema repro-diff/1, README).")
    var json = false

    @Option(help: "Also write a self-contained HTML page (index.html) into this directory: the claims table and each changed figure old | new | difference.")
    var html: String?

    @Argument(help: "The old side (default HEAD).")
    var a: String?

    @Argument(help: "The new side (default: the working tree).")
    var b: String?

    func run() throws {
        let report = try changesReporting { () throws -> DiffReport in
            let root = try projectRoot(project)
            let lockName = LockFile.name(forPipeline: file)
            let git = Git(projectRoot: root)
            let sa = try Side.open(a ?? "HEAD", projectRoot: root, lockName: lockName, git: git)
            let sb = try Side.open(b ?? "", projectRoot: root, lockName: lockName, git: git)
            var r = try Differ.diff(sa, sb)
            if sa.ref.isEmpty || sb.ref.isEmpty { r.workingTreeOutOfDate = Self.outOfDate(root: root, file: file) }
            return r
        }
        if let html {
            try changesReporting { try DiffPage.write(report, to: URL(fileURLWithPath: html)) }
        }
        print(json ? report.json : report.text, terminator: "")
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}

extension Diff {
    /// The working tree's stages that are not up to date (as `repro status`
    /// says); empty when the pipeline cannot be loaded (then nothing is claimed).
    static func outOfDate(root: URL, file: String) -> [String] {
        guard let project = try? Project(root: root, pipelineFile: file, registry: ProjectOptions.registry,
                                         code: Plugins.code),
              let items = try? Inspector(project: project).status(Array(project.pipeline.stages.indices)) else { return [] }
        return items.filter { $0.outcome != .upToDate }.map(\.name)
    }
}

/// The project directory, or a usage error.
func projectRoot(_ path: String) throws -> URL {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
        throw ChangesError("the project directory '\(path)' does not exist (or is not a directory)\nhint: pass -C with the directory that holds pipeline.yaml")
    }
    return URL(fileURLWithPath: path).standardizedFileURL
}

/// ChangesError → its message and exit code (64/65); other errors as `reporting` does.
func changesReporting<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as ChangesError {
        printError("repro: \(e.message)")
        throw ExitCode(e.exitCode)
    } catch let e as ExitCode {
        throw e
    } catch {
        return try reporting { throw error }
    }
}
