import ArgumentParser
import EngineCore
import RemoteCache
import StageAPI
import Foundation
import Synchronization

/// Options shared by `all` and `run`, and the run itself.
struct RunFlags: ParsableArguments {
    @Option(name: .shortAndLong, help: "CPUs to use at once (default: number of cores): each running stage is charged its resources.cpus_per_task, else its kind's default (all of -j for the parallel science kinds, 1 for shell, concat, figure, claims, gallery), and is given that many threads. With Slurm: jobs in the queue at once (default 64). Outputs are identical for any value.")
    var jobs: Int?

    @Option(help: "Where stages run: \(Plugins.executors.names.joined(separator: " or ")) (local: this process; slurm: one batch job per stage, settings in pipeline.yaml's executor: block). Default: the executor block's type, else local.")
    var executor: String?

    @Flag(help: "After a failure, keep running the stages that do not depend on it.")
    var keepGoing = false

    @Flag(help: "Rerun stages even if up to date or cached.")
    var force = false

    @Flag(help: "Show what would run or be restored, and why, without doing it.")
    var dryRun = false

    @Flag(help: "Run even if this binary was built from sources other than those on disk.")
    var allowStale = false

    @Flag(name: .shortAndLong, help: "Print outcomes only: no line as each stage starts running.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Print a line for every stage, up to date and restored ones too (by default they are only counted in the summary).")
    var verbose = false

    @Flag(help: "Run shell stages without the bubblewrap sandbox (as `sandbox: none` in pipeline.yaml would); every run says so.")
    var noSandbox = false

    @OptionGroup var remote: RemoteFlags

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let executor, Plugins.executors[executor] == nil {
            throw ValidationError("--executor must be one of: \(Plugins.executors.names.joined(separator: ", "))")
        }
    }

    func execute(_ project: Project, selection: [Int], projectFile: String, onSummary: (RunSummary) -> Void = { _ in }) throws {
        let reporter = ConsoleReporter(quiet: quiet, verbose: verbose)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var options = RunOptions(jobs: jobs ?? cores, keepGoing: keepGoing, force: force, dryRun: dryRun, allowStale: allowStale)
        options.noSandbox = noSandbox
        let registry = Plugins.executors
        let type = registry[registry.chosen(executor, block: project.pipeline.executorConfig)]!
        let made = try reporting {
            try type.make(Params(project.pipeline.executorConfig, path: "executor"),
                          context: ExecutorContext(pipelineFile: projectFile, noSandbox: noSandbox, jobs: jobs))
        }
        options.executor = made.executor
        options.jobs = jobs ?? made.jobs ?? cores
        options.threadsPerStage = made.threadsPerStage
        let firstRunHere = !FileManager.default.fileExists(atPath: project.store.root.path)
        let cache = dryRun ? nil : try remote.cache(for: project) { reporter.message($0) }
        options.remote = cache
        if let cache, !options.force { cache.prefetch(project: project, selection: selection, wait: false) }
        let runner = Runner(project: project, options: options, reporter: reporter)
        let interrupts = InterruptHandler(onFirst: { runner.control.cancel(); cache?.cancel() }, onSecond: { runner.control.kill() })
        let summary = try reporting { try runner.run(selection) }
        withExtendedLifetime(interrupts) {}
        reporter.summary(summary)
        onSummary(summary)
        if firstRunHere, !dryRun, !summary.results.isEmpty, summary.results.allSatisfy({ $0.outcome == .upToDate }) {
            reporter.message(Self.nothingToDo(stages: summary.results.count, lock: project.lockName))
        }
        if let cache, let line = cache.stats.summary { reporter.message("remote \(cache.display): \(line)") }
        if summary.interrupted { throw ExitCode(.interrupted) }
        if summary.failed { throw ExitCode(.stageFailed) }
    }
}

extension RunFlags {
    /// A run of every stage that a run's `NoOpProof` shows to be a no-op:
    /// says what the run would have said, and returns true. Only for the
    /// plain command (no flag that changes what a run does or prints),
    /// holding the project's lock; otherwise false, and the run goes ahead.
    func upToDateShortcut(_ projectOptions: ProjectOptions) -> Bool {
        guard !dryRun, !force, !verbose, !noSandbox, executor == nil, remote.remoteURL == nil, !remote.remoteRequired else { return false }
        let start = Date()
        let root = URL(fileURLWithPath: projectOptions.project)
        guard let lock = ProcessLock.attempt(url: root.appendingPathComponent(".repro/lock")) else { return false }
        defer { withExtendedLifetime(lock) {} }
        guard let n = projectOptions.upToDateShortcut(writers: [.run]) else { return false }
        ConsoleReporter(quiet: quiet, verbose: verbose).summary(.upToDate(stages: n, seconds: Date().timeIntervalSince(start)))
        return true
    }

    /// What a newcomer's first `repro all` on a fresh clone means, and how to recompute.
    static func nothingToDo(stages: Int, lock: String) -> String {
        """

        Nothing had to run: the outputs on disk are exactly the ones \(lock) records for the current \
        code, params and inputs of all \(stages) stages (it compares SHA-256 digests, not dates).
        To recompute them on this machine:
          repro all --force           rerun every stage and replace the outputs (README: "What you get" gives the time)
          repro check --rebuild       rerun every stage into a scratch directory and compare the bytes with \(lock),
                                      changing nothing (exit 4 names any stage that does not reproduce)
        """
    }
}

