import ArgumentParser
import Engine
import Foundation

/// Internal: what a Slurm job runs on a node. Runs one stage's code into a
/// staging directory chosen by the coordinating repro, which alone verifies
/// the outputs and updates the cache and the lock. With `--index`, the stage,
/// staging directory and the rest come from task `SLURM_ARRAY_TASK_ID` (0 for
/// a plain job) of the index file the coordinator wrote beside the job script.
/// The task carries the key the coordinator computed: the node recomputes it
/// from what it loads and refuses (exit 5, naming what changed) when they
/// differ, so nothing computed here is stored under another key. What the task cost (host, CPU, peak memory, wall time) is then left in the
/// task's usage file, also when the stage fails.
struct ExecStage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec-stage",
        abstract: "(internal) Run one stage into a staging directory, for an executor such as Slurm.",
        shouldDisplay: false)

    @OptionGroup var projectOptions: ProjectOptions

    @Option(help: "The Slurm index file naming each task's stage, staging directory and key.")
    var index: String

    @Option(help: "The task of the index file to run (default: $SLURM_ARRAY_TASK_ID, else 0).")
    var task: Int?

    func run() throws {
        let start = Date()
        let project = try projectOptions.load()
        let spec: SlurmTask
        let env = ProcessInfo.processInfo.environment["SLURM_ARRAY_TASK_ID"]
        guard let n = task ?? (env.map { Int($0) } ?? 0) else {
            printError("repro exec-stage: SLURM_ARRAY_TASK_ID is '\(env ?? "")', not a task number")
            throw ExitCode(64)
        }
        do { spec = try SlurmIndex.task(n, in: URL(fileURLWithPath: index)) } catch {
            printError("repro exec-stage: \(error)")
            throw ExitCode(64)
        }
        let stagingURL = try inside(project, spec.staging, what: "the staging directory")
        let usageURL = spec.usage.isEmpty ? nil : try inside(project, spec.usage, what: "the usage file")
        defer { if let usageURL { try? SlurmUsage.measure(since: start).write(to: usageURL) } }
        guard let i = project.pipeline.index(of: spec.stage) else {
            printError("repro exec-stage: no stage named '\(spec.stage)'")
            throw ExitCode(64)
        }
        let s = project.pipeline.stages[i]
        if let why = TaskKeyCheck.mismatch(project, stage: i, task: spec.key, noSandbox: spec.noSandbox) {
            printError(TaskKeyCheck.marker + why)
            throw ExitCode(TaskKeyCheck.exitStatus)
        }
        try FileManager.default.createDirectory(at: stagingURL, withIntermediateDirectories: true)
        // STAGE=KEY: a key has no '=', a matrix stage's name may.
        let keys = spec.upstream.compactMap { arg -> KeyFields.Dep? in
            guard let eq = arg.lastIndex(of: "=") else { return nil }
            return KeyFields.Dep(path: String(arg[..<eq]), sha256: String(arg[arg.index(after: eq)...]))
        }
        let ctx = project.context(for: i, staging: stagingURL, parallelism: spec.threads,
                                  upstream: project.upstreamInfo(i, keys: keys), noSandbox: spec.noSandbox,
                                  reporter: { e in if case .log(let line) = e { print(line) } }, cancelled: { false })
        do {
            try LocalExecutor().execute(s, context: ctx, project: project)
        } catch {
            printError("repro exec-stage: stage '\(s.name)' failed: \(error)")
            throw ExitCode(1)
        }
        print("repro exec-stage: stage '\(s.name)' finished")
    }

    /// `path`, which must lie inside the project's .repro/ (the index file is on a shared filesystem: trust no path in it).
    private func inside(_ project: Project, _ path: String, what: String) throws -> URL {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard url.path.hasPrefix(project.reproDir.path + "/") else {
            printError("repro exec-stage: \(what) must be inside \(project.reproDir.path)")
            throw ExitCode(64)
        }
        return url
    }
}
