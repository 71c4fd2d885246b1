import Foundation
import Synchronization

/// Runs a selection of stages: the scheduler (topological, up to `jobs` at
/// once, earliest-declared first among ready stages) plus the rebuilder
/// (constructive traces: a key seen before restores its outputs).
public final class Runner: Sendable {
    public let project: Project
    public let options: RunOptions
    let reporter: any RunReporter
    let hasher: FileHasher
    private let cancelled = Atomic<Bool>(false)
    let processes = ChildProcesses()

    public init(project: Project, options: RunOptions, reporter: any RunReporter) {
        self.project = project
        self.options = options
        self.reporter = reporter
        hasher = FileHasher(cacheFile: project.statCacheURL)
    }

    /// Asks the run to stop: no new stage starts, running ones are told to
    /// stop (child processes get SIGTERM), finished work is kept.
    public func cancel() {
        cancelled.store(true, ordering: .releasing)
        processes.terminateAll()
    }

    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// A second interrupt: the stages' processes are killed without grace.
    public func kill() {
        cancelled.store(true, ordering: .releasing)
        processes.killAll()
    }

    /// Runs `selection` (stage indices in pipeline order).
    public func run(_ selection: [Int]) throws -> RunSummary {
        let start = Date()
        if options.dryRun {
            let plan = try Planner(project: project, hasher: hasher, force: options.force).plan(selection)
            let results = plan.map { StageResult(name: project.pipeline.stages[$0.index].name, outcome: $0.outcome, reasons: $0.reasons, seconds: 0) }
            for (n, r) in results.enumerated() { reporter.finished(r, position: n + 1, total: results.count) }
            return RunSummary(results: results, seconds: Date().timeIntervalSince(start), interrupted: false)
        }
        let stale = project.staleSources(for: selection)
        if !stale.isEmpty && !options.allowStale {
            throw EngineError.usage("""
                this repro binary was built from other sources than those on disk (\(stale.prefix(5).joined(separator: ", "))\(stale.count > 5 ? ", …" : "")): \
                its stage keys would not describe the code on disk. Rebuild it (`swift build -c release`, or run ./repro which rebuilds), \
                or pass --allow-stale to run it anyway.
                """)
        }
        let processLock = try ProcessLock(url: project.processLockURL, cancelled: { [self] in isCancelled }) { reporter.message($0) }
        defer { withExtendedLifetime(processLock) {} }
        try? FileManager.default.removeItem(at: project.tmpDir)  // leftovers of a killed run; we hold the lock
        var lock = try LockFile.load(from: project.lockURL)
        for r in lock.rejected {
            reporter.message("\(project.lockName): ignored the entry of stage '\(Diagnostics.visible(r.stage))': \(r.reason); it is treated as never run")
        }
        lock.rejected = []

        let stages = project.pipeline.stages
        let selected = Set(selection)
        var pendingUpstream: [Int: Int] = [:]
        for i in selection { pendingUpstream[i] = stages[i].upstream.filter(selected.contains).count }
        var ready = MinHeap(selection.filter { pendingUpstream[$0] == 0 })
        var known: [Int: Planner.Known] = [:]
        var failedUpstream: [Int: String] = [:]
        var results: [Int: StageResult] = [:]
        var running = 0
        var stopScheduling = false
        var lockDirty = false
        var lastLockWrite = Date()
        let mailbox = Mailbox()
        let total = selection.count

        func finish(_ i: Int, _ result: StageResult, outs: [(path: String, output: LockFile.Output)]?, entry: LockFile.Entry?) {
            results[i] = result
            reporter.finished(result, position: results.count, total: total)
            if let outs, let key = entry?.key { known[i] = Planner.Known(key: key, outs: outs) }
            if let entry, lock.stages[stages[i].name] != entry {
                lock.stages[stages[i].name] = entry
                lockDirty = true
            }
            if result.outcome.isFailure {
                if !options.keepGoing { stopScheduling = true }
                for d in project.pipeline.downstream[i] where selected.contains(d) {
                    failedUpstream[d] = failedUpstream[d] ?? stages[i].name
                }
            }
            for d in project.pipeline.downstream[i] where selected.contains(d) {
                pendingUpstream[d]! -= 1
                if pendingUpstream[d] == 0 { ready.push(d) }
            }
        }

        while results.count < total {
            while running < options.jobs, let i = ready.pop() {
                if let up = failedUpstream[i] {
                    finish(i, StageResult(name: stages[i].name, outcome: .skipped("upstream stage '\(up)' failed"), reasons: [], seconds: 0), outs: nil, entry: nil)
                    continue
                }
                if stopScheduling || isCancelled {
                    let outcome: Outcome = isCancelled ? .cancelled : .skipped("not started after an earlier failure (use --keep-going to continue)")
                    finish(i, StageResult(name: stages[i].name, outcome: outcome, reasons: [], seconds: 0), outs: nil, entry: nil)
                    continue
                }
                var upstreamKnown: [Int: Planner.Known] = [:]
                for u in stages[i].upstream { upstreamKnown[u] = known[u] }
                // Only the entries the job reads (copying the whole lock per job would be quadratic).
                var relevant = LockFile()
                for j in [i] + stages[i].upstream { relevant.stages[stages[j].name] = lock.stages[stages[j].name] }
                let job = StageJob(runner: self, index: i, known: upstreamKnown, lock: relevant,
                                   position: results.count + running + 1, total: total)
                // Up-to-date stages are settled here: only real work goes to a worker
                // (a thread hand-off per stage would dominate a no-op run).
                let ev = job.evaluate()
                if case .upToDate(let outs) = ev.decision {
                    finish(i, StageResult(name: stages[i].name, outcome: .upToDate, reasons: [], seconds: 0),
                           outs: outs, entry: lock.stages[stages[i].name])
                    continue
                }
                running += 1
                DispatchQueue.global().async {
                    let r = job.execute(ev)
                    mailbox.post((i, r))
                }
            }
            if results.count == total { break }
            let (i, r) = mailbox.take()
            running -= 1
            finish(i, r.result, outs: r.outs, entry: r.entry)
            if lockDirty, Date().timeIntervalSince(lastLockWrite) > 0.5 {
                // Best effort while stages still run (a full disk must not abandon
                // them); the final write below reports any failure.
                if (try? lock.write(to: project.lockURL, durable: false)) != nil { lockDirty = false }
                lastLockWrite = Date()
            }
        }
        if selected.count == stages.count && !isCancelled {
            // A full run: forget stages that no longer exist.
            let names = Set(stages.map(\.name))
            for name in lock.stages.keys where !names.contains(name) {
                lock.stages[name] = nil
                lockDirty = true
            }
        }
        if lockDirty || !FileManager.default.fileExists(atPath: project.lockURL.path) {
            try lock.write(to: project.lockURL, durable: true)
        }
        hasher.save()
        try? FileManager.default.removeItem(at: project.tmpDir)
        var summary = RunSummary(results: selection.map { results[$0]! }, seconds: Date().timeIntervalSince(start), interrupted: isCancelled)
        if project.sandbox(noSandbox: options.noSandbox).mode == .none {
            summary.unsandboxed = selection.filter { stages[$0].spec.kind == ShellKind().name && results[$0]!.outcome == .ran }.map { stages[$0].name }
        }
        return summary
    }
}

/// Completed jobs, handed from worker threads to the scheduler.
final class Mailbox: Sendable {
    private let state = Mutex<[(Int, StageJob.Result)]>([])
    private let signal = DispatchSemaphore(value: 0)

    func post(_ item: (Int, StageJob.Result)) {
        state.withLock { $0.append(item) }
        signal.signal()
    }

    func take() -> (Int, StageJob.Result) {
        signal.wait()
        return state.withLock { $0.removeFirst() }
    }
}
