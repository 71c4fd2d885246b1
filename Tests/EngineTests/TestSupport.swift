import Foundation
import XCTest
@testable import EngineCore
import StageAPI
@testable import ProcessSpawn
@testable import StageSandbox
@testable import ShellStages
import RemoteCache
import SlurmExecutor

/// Concatenates its deps into its single output, optionally with a suffix param.
struct ConcatKind: StageKind {
    let name = "concat"
    let summary = "test: concatenate deps"
    let codeTarget = "TestConcat"
    func validate(_ p: Params, stage: StageInfo) throws {
        _ = try p.string("suffix", default: "")
        if p.has("scale") { try p.check("scale", try p.double("scale"), "must be > 0") { $0 > 0 } }
    }
    func run(_: Void, in ctx: StageContext) throws {
        var data = Data()
        for d in ctx.info.deps { data += try Data(contentsOf: try ctx.input(d)) }
        data += Data(try ctx.params.string("suffix", default: "").utf8)
        for o in ctx.info.outs { try data.write(to: try ctx.output(o)) }
    }
}

/// Always fails.
struct FailKind: StageKind {
    let name = "fail"
    let summary = "test: fail"
    let codeTarget = "TestFail"
    func validate(_ p: Params, stage: StageInfo) throws {}
    func run(_: Void, in ctx: StageContext) throws { throw StageFailure("failing on purpose") }
}

/// Writes its outputs after sleeping, checking for cancellation.
struct SleepKind: StageKind {
    let name = "sleep"
    let summary = "test: sleep then write"
    let codeTarget = "TestSleep"
    func validate(_ p: Params, stage: StageInfo) throws { _ = try p.double("seconds") }
    func run(_: Void, in ctx: StageContext) throws {
        let deadline = Date().addingTimeInterval(try ctx.params.double("seconds"))
        while Date() < deadline {
            try ctx.checkCancellation()
            usleep(2000)
        }
        for o in ctx.info.outs { try Data(ctx.name.utf8).write(to: try ctx.output(o)) }
    }
}

/// Records how many times it ran (in a file outside the project).
struct CountingKind: StageKind {
    let name = "count"
    let summary = "test: counts runs"
    let codeTarget = "TestCount"
    func validate(_ p: Params, stage: StageInfo) throws { _ = try p.int("value"); _ = try p.string("counter") }
    func run(_: Void, in ctx: StageContext) throws {
        let counter = URL(fileURLWithPath: try ctx.params.string("counter"))
        let n = (try? String(contentsOf: counter, encoding: .utf8)).flatMap { Int($0) } ?? 0
        try String(n + 1).write(to: counter, atomically: true, encoding: .utf8)
        for o in ctx.info.outs { try Data("value=\(try ctx.params.int("value"))\n".utf8).write(to: try ctx.output(o)) }
    }
}

let testRegistry = KindRegistry([ConcatKind(), FailKind(), SleepKind(), CountingKind(), ProvenanceKind(), ShellKind()],
                                executors: ExecutorRegistry([LocalExecutorType(), SlurmExecutorType()]), remote: RemoteBlock())

func fakeCode(_ overrides: [String: String] = [:]) -> CodeDigests {
    var files = [
        ("Sources/TestConcat/Concat.swift", String(repeating: "a", count: 64)),
        ("Sources/TestFail/Fail.swift", String(repeating: "b", count: 64)),
        ("Sources/TestSleep/Sleep.swift", String(repeating: "c", count: 64)),
        ("Sources/TestCount/Count.swift", String(repeating: "d", count: 64)),
        ("Sources/TestProvenance/Provenance.swift", String(repeating: "9", count: 64)),
        ("Sources/ShellStages/ShellKind.swift", String(repeating: "e", count: 64)),
        ("Sources/StageSandbox/Sandbox.swift", String(repeating: "d", count: 64)),
        ("Sources/ProcessSpawn/Subprocess.swift", String(repeating: "f", count: 64)),
    ]
    for (i, f) in files.enumerated() { if let o = overrides[f.0] { files[i].1 = o } }
    return fakeDigests(files.map { (path: $0.0, sha256: $0.1) })
}

/// A code table for `files`, with a target per directory under Sources/
/// (`ShellStages` depends on the sandbox and the spawn path, as in the package).
func fakeDigests(_ files: [(path: String, sha256: String)]) -> CodeDigests {
    let dirs = Set(files.map { $0.path.split(separator: "/").prefix(2).joined(separator: "/") }).sorted()
    let targets = dirs.map { dir -> CodeDigests.Target in
        let name = String(dir.split(separator: "/").last!)
        return (name, dir, name == "ShellStages" ? ["StageSandbox", "ProcessSpawn"].filter { dirs.contains("Sources/" + $0) } : [])
    }
    return CodeDigests(files: files, targets: targets)
}

/// A throwaway project directory.
final class TempProject {
    let root: URL

    init(_ files: [String: String] = [:]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("repro-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for (p, c) in files { try write(p, c) }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func write(_ path: String, _ content: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(content.utf8).write(to: url)
    }

    func read(_ path: String) -> String? {
        try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    func project(code: CodeDigests = fakeCode()) throws -> Project {
        try Project(root: root, registry: testRegistry, code: code)
    }

    func run(jobs: Int = 1, force: Bool = false, keepGoing: Bool = false, code: CodeDigests = fakeCode(),
             only: [String]? = nil) throws -> RunSummary {
        let p = try project(code: code)
        let sel = try only.map { try p.pipeline.select($0) } ?? Array(p.pipeline.stages.indices)
        return try Runner(project: p, options: RunOptions(jobs: jobs, keepGoing: keepGoing, force: force), reporter: SilentReporter()).run(sel)
    }
}

final class SilentReporter: RunReporter {
    func started(_ name: String, restoring: Bool, reasons: [String], position: Int, total: Int) {}
    func progress(_ name: String, fraction: Double, note: String) {}
    func log(_ name: String, _ line: String) {}
    func finished(_ result: StageResult, position: Int, total: Int) {}
    func message(_ text: String) {}
}

extension RunSummary {
    func outcome(_ name: String) -> Outcome? { results.first { $0.name == name }?.outcome }
    var outcomes: [String: String] { Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0.outcome.label) }) }
}

/// Loads a pipeline expecting it to be invalid; returns the errors.
func pipelineErrors(_ yaml: String, files: [String: String] = [:]) throws -> [PipelineError] {
    let t = try TempProject(files.merging(["pipeline.yaml": yaml]) { a, _ in a })
    do {
        _ = try t.project()
        XCTFail("expected the pipeline to be rejected")
        return []
    } catch let e as PipelineErrors {
        return e.errors
    }
}

/// Writes the names and keys of its upstream stages (provenance), and checks
/// at verify time that its output still says "ok".
struct ProvenanceKind: StageKind {
    let name = "provenance"
    let summary = "test: provenance"
    let codeTarget = "TestProvenance"
    var recordsProvenance: Bool { true }
    func validate(_ p: Params, stage: StageInfo) throws { _ = try p.string("variant", default: "") }
    func run(_: Void, in ctx: StageContext) throws {
        let text = ctx.upstream.map { "\($0.name) \($0.key) \($0.params)" }.joined(separator: "\n") + "\nok\n"
        try Data(text.utf8).write(to: try ctx.output(ctx.info.outs[0]))
    }
    func verify(root: URL, stage: StageInfo, params: Params) throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent(stage.outs[0]), encoding: .utf8)
        return text.hasSuffix("ok\n") ? [] : ["the provenance file no longer ends with ok"]
    }
}
