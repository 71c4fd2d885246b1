import Foundation
import Synchronization
import StageAPI
import ProcessSpawn

/// Runs a selection of stages: the scheduler (topological, up to `jobs` at
/// once, earliest-declared first among ready stages) plus the rebuilder
/// (constructive traces: a key seen before restores its outputs).
public final class Runner: Sendable {
    public let project: Project
    public let options: RunOptions
    let reporter: any RunReporter
    let hasher: FileHasher
    /// fsyncs installed outputs in batches, before the lock that names them (see `GroupCommit`).
    let groupCommit = GroupCommit()

    public init(project: Project, options: RunOptions, reporter: any RunReporter) {
        self.project = project
        self.options = options
        self.reporter = reporter
        hasher = FileHasher(cacheFile: project.statCacheURL)
    }


    private let runLogWarned = Mutex(false)

    /// Says once per run that `.repro/runs.jsonl` or a stage's log in `.repro/logs` could not be written.
    func runLogFailed(_ error: Error) {
        guard runLogWarned.withLock({ let first = !$0; $0 = true; return first }) else { return }
        reporter.message("cannot write the run log (.repro/\(RunLog.fileName), .repro/logs): \(error); stages run on without it")
    }

    /// Ctrl-C and the stages' processes (`RunControl`).
    public let control = RunControl()
    public var isCancelled: Bool { control.isCancelled }
    var processes: ChildProcesses { control.processes }


    /// Runs `selection` (stage indices in pipeline order).
    public func run(_ selection: [Int]) throws -> RunSummary {
        let start = Date()
        if options.dryRun { return try dryRun(selection, start: start) }
        let stale = try refuseStaleBinary(selection)
        let processLock = try ProcessLock(url: project.processLockURL, cancelled: { [self] in isCancelled }) { reporter.message($0) }
        defer { withExtendedLifetime(processLock) {} }
        NoOpProof.remove(project)
        let processesBefore = NoOpProof.childProcessFaults()
        try? FileManager.default.removeItem(at: project.tmpDir)  // leftovers of a killed run; we hold the lock
        var schedule = Schedule(project: project, selection: selection, lock: try loadLock(), keepGoing: options.keepGoing)
        let mailbox = Mailbox()
        var lastLockWrite = Date()
        while !schedule.isDone {
            startReady(&schedule, mailbox: mailbox)
            if schedule.isDone { break }
            let (i, r) = mailbox.take()
            schedule.running -= 1
            schedule.cpusInUse -= schedule.charged.removeValue(forKey: i) ?? 0
            schedule.finish(i, r.result, outs: r.outs, entry: r.entry, reporter: reporter)
            if schedule.lockDirty, Date().timeIntervalSince(lastLockWrite) > 0.5, !groupCommit.isBusy {
                // Best effort while stages still run, off the scheduler's thread (a full
                // disk must not abandon them); the final write below reports any failure.
                let lock = schedule.lock, url = project.lockURL
                groupCommit.commitInBackground { _ = try? lock.write(to: url, durable: false) }
                schedule.lockDirty = false
                schedule.lockChanged = true
                lastLockWrite = Date()
            }
        }
        try writeFinalLock(&schedule)
        if schedule.results.values.contains(where: { $0.outcome == .ran })
            || !FileManager.default.fileExists(atPath: ComputeCost.url(in: project).path) {
            do { try ComputeCost.write(project, lock: schedule.lock) } catch { runLogFailed(error) }
        }
        hasher.save()
        try? FileManager.default.removeItem(at: project.tmpDir)
        let result = summary(schedule, start: start)
        // Everything up to date, decided from files alone: the next no-op can check those files instead (`NoOpProof`).
        if selection == Array(project.pipeline.stages.indices), result.results.allSatisfy({ $0.outcome == .upToDate }),
           !isCancelled, !options.force, stale.isEmpty, options.remote == nil, options.executor is LocalExecutor,
           !schedule.lockDirty, !schedule.lockChanged, NoOpProof.childProcessFaults() == processesBefore {
            NoOpProof.write(project, by: .run, existing: [ComputeCost.url(in: project).path, project.store.root.path])
        }
        return result
    }

    /// What a run would do, without doing it.
    private func dryRun(_ selection: [Int], start: Date) throws -> RunSummary {
        let plan = try Planner(project: project, hasher: hasher, force: options.force, noSandbox: options.noSandbox).plan(selection)
        let results = plan.map { StageResult(name: project.pipeline.stages[$0.index].name, outcome: $0.outcome, reasons: $0.reasons, seconds: 0) }
        for (n, r) in results.enumerated() { reporter.finished(r, position: n + 1, total: results.count) }
        return RunSummary(results: results, seconds: Date().timeIntervalSince(start), interrupted: false)
    }

    /// The stale sources (if `--allow-stale` lets the run go on with them).
    private func refuseStaleBinary(_ selection: [Int]) throws -> [String] {
        let stale = project.staleSources(for: selection)
        guard !stale.isEmpty && !options.allowStale else { return stale }
        throw EngineError.usage("""
            this repro binary was built from other sources than those on disk (\(stale.prefix(5).joined(separator: ", "))\(stale.count > 5 ? ", …" : "")): \
            its stage keys would not describe the code on disk. Rebuild it (`swift build -c release`, or run ./repro which rebuilds), \
            or pass --allow-stale to run it anyway.
            """)
    }

    /// The lock, with the entries its reader refused said once.
    private func loadLock() throws -> LockFile {
        var lock = try LockFile.load(from: project.lockURL)
        for r in lock.rejected {
            reporter.message("\(project.lockName): ignored the entry of stage '\(Diagnostics.visible(r.stage))': \(r.reason); it is treated as never run")
        }
        lock.rejected = []
        return lock
    }

    /// Whether stages are charged their CPUs against `-j` (see `Resources`):
    /// locally yes; a remote executor's `-j` counts jobs in its queue instead.
    var chargesCPUs: Bool { options.executor is LocalExecutor }

    /// Starts ready stages while there are free CPUs (see `Resources`):
    /// skipped ones and up-to-date ones are settled here, the rest go to
    /// worker threads. The earliest-declared ready stage that does not fit
    /// waits, and nothing overtakes it: a big stage waits only for the
    /// stages already running, never for a stream of small ones.
    private func startReady(_ schedule: inout Schedule, mailbox: Mailbox) {
        let stages = project.pipeline.stages
        while true {
            if let w = schedule.waiting {
                guard schedule.cpusInUse + w.cpus <= options.jobs else { return }
                schedule.waiting = nil
                if schedule.stopScheduling || isCancelled {
                    let outcome: Outcome = isCancelled ? .cancelled : .skipped("not started after an earlier failure (use --keep-going to continue)")
                    schedule.finish(w.job.index, StageResult(name: stages[w.job.index].name, outcome: outcome, reasons: [], seconds: 0),
                                    outs: nil, entry: nil, reporter: reporter)
                    continue
                }
                dispatch(w, &schedule, mailbox: mailbox)
                continue
            }
            guard schedule.cpusInUse < options.jobs, let i = schedule.ready.pop() else { return }
            if let up = schedule.failedUpstream[i] {
                schedule.finish(i, StageResult(name: stages[i].name, outcome: .skipped("upstream stage '\(up)' failed"), reasons: [], seconds: 0),
                                outs: nil, entry: nil, reporter: reporter)
                continue
            }
            if schedule.stopScheduling || isCancelled {
                let outcome: Outcome = isCancelled ? .cancelled : .skipped("not started after an earlier failure (use --keep-going to continue)")
                schedule.finish(i, StageResult(name: stages[i].name, outcome: outcome, reasons: [], seconds: 0), outs: nil, entry: nil, reporter: reporter)
                continue
            }
            var upstreamKnown: [Int: Planner.Known] = [:]
            for u in stages[i].upstream { upstreamKnown[u] = schedule.known[u] }
            // Only the entries the job reads (copying the whole lock per job would be quadratic).
            var relevant = LockFile()
            for j in [i] + stages[i].upstream { relevant.stages[stages[j].name] = schedule.lock.stages[stages[j].name] }
            let job = StageJob(runner: self, index: i, known: upstreamKnown, lock: relevant,
                               position: schedule.results.count + schedule.running + 1, total: schedule.total, cpus: 1)
            // Up-to-date stages are settled here: only real work goes to a worker
            // (a thread hand-off per stage would dominate a no-op run).
            let ev = job.evaluate()
            if case .upToDate(let outs) = ev.decision {
                schedule.finish(i, StageResult(name: stages[i].name, outcome: .upToDate, reasons: [], seconds: 0),
                                outs: outs, entry: schedule.lock.stages[stages[i].name], reporter: reporter)
                continue
            }
            var waiting = Schedule.Waiting(job: job, evaluation: ev, cpus: 1)
            if case .mustRun = ev.decision, chargesCPUs { waiting.cpus = stages[i].cpus(jobs: options.jobs) }
            schedule.waiting = waiting
        }
    }

    private func dispatch(_ w: Schedule.Waiting, _ schedule: inout Schedule, mailbox: Mailbox) {
        let i = w.job.index
        schedule.running += 1
        schedule.cpusInUse += w.cpus
        schedule.charged[i] = w.cpus
        var job = w.job
        job.cpus = w.cpus
        job.position = schedule.results.count + schedule.running
        let ev = w.evaluation
        // A thread of its own: the global dispatch queue adds threads for blocked
        // workers only every ~0.5 s, so 64 Slurm jobs in flight would start over ~10 s.
        Thread.detachNewThread { [job] in
            let r = job.execute(ev)
            mailbox.post((i, r))
        }
    }

    /// After a full run, stages that no longer exist leave the lock; it is
    /// written durably if anything changed, after the outputs it names.
    private func writeFinalLock(_ schedule: inout Schedule) throws {
        try groupCommit.finish()
        let stages = project.pipeline.stages
        if schedule.selected.count == stages.count && !isCancelled {
            let names = Set(stages.map(\.name))
            for name in schedule.lock.stages.keys where !names.contains(name) {
                schedule.lock.stages[name] = nil
                schedule.lockDirty = true
            }
        }
        if schedule.lockDirty || schedule.lockChanged || !FileManager.default.fileExists(atPath: project.lockURL.path) {
            try schedule.lock.write(to: project.lockURL, durable: true)
        }
    }

    private func summary(_ schedule: Schedule, start: Date) -> RunSummary {
        let stages = project.pipeline.stages
        var summary = RunSummary(results: schedule.selection.map { schedule.results[$0]! }, seconds: Date().timeIntervalSince(start),
                                 interrupted: isCancelled)
        if project.sandbox(noSandbox: options.noSandbox).mode == .none {
            summary.unsandboxed = schedule.selection.filter { stages[$0].kind.runsCommands && schedule.results[$0]!.outcome == .ran }
                .map { stages[$0].name }
        }
        return summary
    }
}

/// The scheduler's state during one run: what is ready, what is known,
/// what failed, and the lock being built.
private struct Schedule {
    let project: Project
    let selection: [Int]
    let selected: Set<Int>
    let keepGoing: Bool
    var lock: LockFile
    var pendingUpstream: [Int: Int] = [:]
    var ready: MinHeap
    var known: [Int: Planner.Known] = [:]
    var failedUpstream: [Int: String] = [:]
    var results: [Int: StageResult] = [:]
    var running = 0
    /// CPUs charged to the running stages, and each one's charge.
    var cpusInUse = 0
    var charged: [Int: Int] = [:]
    /// The ready stage next in line that waits for free CPUs (at most one: nothing overtakes it).
    var waiting: Waiting?
    var stopScheduling = false

    struct Waiting {
        var job: StageJob
        var evaluation: Planner.Evaluation
        var cpus: Int
    }
    var lockDirty = false
    /// Whether a lock was written in the background during the run (not durably: the final write is).
    var lockChanged = false

    init(project: Project, selection: [Int], lock: LockFile, keepGoing: Bool) {
        self.project = project
        self.selection = selection
        self.lock = lock
        self.keepGoing = keepGoing
        let selected = Set(selection)
        self.selected = selected
        for i in selection { pendingUpstream[i] = project.pipeline.stages[i].upstream.filter(selected.contains).count }
        ready = MinHeap(selection.filter { [pendingUpstream] in pendingUpstream[$0] == 0 })
    }

    var total: Int { selection.count }
    var isDone: Bool { results.count == total }

    /// Records a stage's result, updates the lock, and readies its dependents.
    mutating func finish(_ i: Int, _ result: StageResult, outs: [(path: String, output: LockFile.Output)]?, entry: LockFile.Entry?,
                         reporter: any RunReporter) {
        let stages = project.pipeline.stages
        results[i] = result
        reporter.finished(result, position: results.count, total: total)
        if let outs, let key = entry?.key { known[i] = Planner.Known(key: key, outs: outs) }
        if let entry, lock.stages[stages[i].name] != entry {
            lock.stages[stages[i].name] = entry
            lockDirty = true
        }
        if result.outcome.isFailure {
            if !keepGoing { stopScheduling = true }
            for d in project.pipeline.downstream[i] where selected.contains(d) {
                failedUpstream[d] = failedUpstream[d] ?? stages[i].name
            }
        }
        for d in project.pipeline.downstream[i] where selected.contains(d) {
            pendingUpstream[d]! -= 1
            if pendingUpstream[d] == 0 { ready.push(d) }
        }
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
