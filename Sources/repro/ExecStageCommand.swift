import ArgumentParser
import EngineCore
import Foundation
import StageAPI

/// Internal: what an executor's job runs on a node. Runs one stage's code into
/// a staging directory chosen by the coordinating repro, which alone verifies
/// the outputs and updates the cache and the lock. The executor named by
/// `--executor` reads its own task file (`--index`) and picks the task (for
/// Slurm, by `SLURM_ARRAY_TASK_ID`). The task carries the key the coordinator
/// computed: the node recomputes it from what it loads and refuses (exit 5,
/// naming what changed) when they differ, so nothing computed here is stored
/// under another key. When the task ends, also when it fails, the executor
/// leaves what it cost (host, CPU, peak memory, wall time) for the coordinator.
struct ExecStage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec-stage",
        abstract: "(internal) Run one stage into a staging directory, for an executor such as Slurm.",
        shouldDisplay: false)

    @OptionGroup var projectOptions: ProjectOptions

    @Option(help: "The executor whose task this is (default: the only one that runs tasks on nodes).")
    var executor: String?

    @Option(help: "The executor's task file naming each task's stage, staging directory and key.")
    var index: String

    @Option(help: "The task of the task file to run (default: the executor's, e.g. $SLURM_ARRAY_TASK_ID, else 0).")
    var task: Int?

    func run() throws {
        let start = Date()
        let sources = Plugins.executors.types.compactMap { t in t.nodeTasks.map { (t.name, $0) } }
        let named = executor.map { e in sources.filter { $0.0 == e } } ?? sources
        guard named.count == 1, let source = named.first?.1 else {
            throw reportingUsage("exec-stage: --executor must name one of: \(sources.map(\.0).joined(separator: ", "))")
        }
        let project = try projectOptions.load()
        let spec: NodeTask
        do { spec = try source.task(index: URL(fileURLWithPath: index), number: task, project: project) } catch {
            printError("repro exec-stage: \(error)")
            throw ExitCode(.usage)
        }
        defer { spec.finish(start) }
        guard let i = project.pipeline.index(of: spec.stage) else {
            printError("repro exec-stage: no stage named '\(spec.stage)'")
            throw ExitCode(.usage)
        }
        let s = project.pipeline.stages[i]
        if let why = TaskKeyCheck.mismatch(project, stage: i, task: spec.key, noSandbox: spec.noSandbox) {
            printError(TaskKeyCheck.marker + why)
            throw ExitCode(.keyMismatch)
        }
        let stagingURL = URL(fileURLWithPath: spec.staging)
        try FileManager.default.createDirectory(at: stagingURL, withIntermediateDirectories: true)
        let ctx = project.context(for: i, staging: stagingURL, parallelism: spec.threads,
                                  upstream: project.upstreamInfo(i, keys: spec.upstream), noSandbox: spec.noSandbox,
                                  reporter: { e in if case .log(let line) = e { print(line) } }, cancelled: { false })
        do {
            try LocalExecutor().execute(s, context: ctx, key: spec.key, project: project)
        } catch {
            printError("repro exec-stage: stage '\(s.name)' failed: \(error)")
            throw ExitCode(.stageFailed)
        }
        print("repro exec-stage: stage '\(s.name)' finished")
    }
}
