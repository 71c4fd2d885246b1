import Foundation
import StageAPI
import ProcessSpawn

/// One stage's turn in a run, on a worker thread: decide, then restore or
/// run into a staging directory, then install the outputs atomically.
struct StageJob: Sendable {
    let runner: Runner
    let index: Int
    /// Upstream stages finished in this run.
    let known: [Int: Planner.Known]
    let lock: LockFile
    var position: Int
    let total: Int
    /// The CPUs it is charged against `-j`, and the threads it is told it may use (local runs).
    var cpus: Int

    struct Result: Sendable {
        var result: StageResult
        var outs: [(path: String, output: LockFile.Output)]?
        var entry: LockFile.Entry?
    }

    var project: Project { runner.project }
    var stage: Pipeline.Stage { project.pipeline.stages[index] }

    /// Decides what to do (cheap: digests through the stat cache).
    func evaluate() -> Planner.Evaluation {
        Planner(project: project, hasher: runner.hasher, force: runner.options.force, noSandbox: runner.options.noSandbox).evaluate(index, known: known, lock: lock)
    }

    func execute(_ ev: Planner.Evaluation) -> Result {
        let start = Date()
        func result(_ outcome: Outcome, _ reasons: [String], outs: [(path: String, output: LockFile.Output)]? = nil,
                    entry: LockFile.Entry? = nil) -> Result {
            Result(result: StageResult(name: stage.name, outcome: outcome, reasons: reasons, seconds: Date().timeIntervalSince(start)),
                   outs: outs, entry: entry)
        }
        let previous = lock.stages[stage.name]
        var reasons = ev.reasons
        let staging = project.tmpDir.appendingPathComponent("\(index)-" + stage.fileSafeName)
        defer {
            try? FileManager.default.removeItem(at: staging)
            unlink(StageContext.commandLog(staging: staging).path)
        }
        do {
            switch ev.decision {
            case .upToDate(let outs):
                return result(.upToDate, [], outs: outs, entry: previous)
            case .missingInput(let msg), .afterUpstream(let msg):
                return result(.failed(msg), [])
            case .restorable(let outs):
                runner.reporter.started(stage.name, restoring: true, reasons: reasons, position: position, total: total)
                if try restore(outs, into: staging) {
                    try install(outs, from: staging)
                    return result(.restored, reasons, outs: outs, entry: .init(key: ev.key!, fields: ev.fields!, outs: outs))
                }
                reasons.append("a cache object was missing, corrupted, or not the size its record says: running instead")
                try? FileManager.default.removeItem(at: staging)
            case .mustRun:
                break
            }
            if let remote = runner.options.remote, !runner.options.force {
                switch try remote.fetch(key: ev.key!, stage: stage.name, declaredOuts: stage.spec.outs, into: project.store) {
                case .found(let outs):
                    runner.reporter.started(stage.name, restoring: true, reasons: reasons, position: position, total: total)
                    if try restore(outs, into: staging) {
                        try install(outs, from: staging)
                        return result(.restoredRemote, reasons, outs: outs, entry: .init(key: ev.key!, fields: ev.fields!, outs: outs))
                    }
                    try? FileManager.default.removeItem(at: staging)
                case .rejected(let why):
                    reasons.append(why)
                case .absent:
                    break
                }
            }
            runner.reporter.started(stage.name, restoring: false, reasons: reasons, position: position, total: total)
            let meter = AttemptMeter(), lines = StageLogLines()
            let outs: [(path: String, output: LockFile.Output)]
            do {
                outs = try meter.measure {
                    try runKind(in: staging, upstream: project.upstreamInfo(index, keys: ev.fields!.upstream),
                                key: TaskKey(key: ev.key!, fields: ev.fields!), meter: meter, lines: lines)
                }
            } catch {
                record(meter, lines: lines, key: ev.key!, outcome: Self.outcome(of: error), staging: staging)
                throw error
            }
            record(meter, lines: lines, key: ev.key!, outcome: .ran, staging: staging)
            try project.store.recordRun(key: ev.key!, outs: outs)
            try install(outs, from: staging)
            if let remote = runner.options.remote, remote.pushesOnSuccess {
                try remote.push(key: ev.key!, stage: stage.name, outs: outs, from: project.store)
            }
            return result(.ran, reasons, outs: outs, entry: .init(key: ev.key!, fields: ev.fields!, outs: outs))
        } catch is StageCancelled {
            return result(.cancelled, reasons)
        } catch let e where DiskSpace.isFull(e) {
            return result(.failed(StageJob.diskFullMessage(e, staging: staging)), reasons)
        } catch let e as StageFailure {
            return result(.failed(e.message), reasons)
        } catch {
            return result(.failed("\(error)"), reasons)
        }
    }

    /// Copies cached outputs into `staging`; false if any object is unusable.
    func restore(_ outs: [(path: String, output: LockFile.Output)], into staging: URL) throws -> Bool {
        for o in outs where try !project.store.restore(o.output, to: staging.appendingPathComponent(o.path)) {
            return false
        }
        return true
    }

    /// Appends the attempt's records to `.repro/runs.jsonl` and keeps the
    /// stage's log (best effort: a log that cannot be written must not fail
    /// the stage; it is said once).
    func record(_ meter: AttemptMeter, lines: StageLogLines, key: String, outcome: Outcome, staging: URL) {
        let executor = runner.options.executor
        let url = RunLog.url(in: project)
        let records = meter.records(stage: stage.name, key: key, executor: executor.name, local: runner.chargesCPUs,
                                    outcome: outcome, cpus: runner.chargesCPUs ? cpus : nil)
        for r in records {
            do { try RunLog.append(r, to: url) } catch { runner.runLogFailed(error) }
        }
        var header = ["stage \(stage.name)", "key \(key)", "\(outcome.label) on \(executor.name)"]
        if let last = records.last?.attempt {
            header.append("started \(RunRecord.iso8601(last.start)), attempt \(last.attempt), wall \(RunTable.seconds(last.wallSeconds))")
        }
        if case .failed(let why) = outcome { header.append("failure: " + why.replacingOccurrences(of: "\n", with: "\n# ")) }
        do {
            try StageLogs.keep(project, stage: stage, header: header, lines: lines.lines, output: StageContext.commandLog(staging: staging))
        } catch { runner.runLogFailed(error) }
    }

    /// The outcome `execute`'s handlers give an error (for the run log).
    static func outcome(of error: Error) -> Outcome {
        error is StageCancelled ? .cancelled : .failed("\(error)")
    }

    /// Runs the kind's code, checks it wrote every declared output, and stores them.
    func runKind(in staging: URL, upstream: [UpstreamStage], key: TaskKey, meter: AttemptMeter, lines: StageLogLines) throws -> [(path: String, output: LockFile.Output)] {
        if mkdir(staging.path, 0o755) != 0 { try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true) }
        let name = stage.name
        let reporter = runner.reporter
        let ctx = project.context(
            for: index, staging: staging, parallelism: runner.chargesCPUs ? cpus : runner.options.threadsPerStage ?? runner.options.jobs,
            processes: runner.processes, upstream: upstream, noSandbox: runner.options.noSandbox,
            reporter: { event in
                switch event {
                case .progress(let f, let note): reporter.progress(name, fraction: f, note: note)
                case .log(let line):
                    lines.append(line)
                    reporter.log(name, line)
                case .attempt(let a): meter.report(a)
                }
            },
            cancelled: { [runner] in runner.isCancelled })
        do {
            try runner.options.executor.execute(stage, context: ctx, key: key, project: project)
        } catch let e where DiskSpace.isFull(e) {
            throw StageFailure(StageJob.diskFullMessage(e, staging: staging))
        }
        var outs: [(path: String, output: LockFile.Output)] = []
        for path in stage.spec.outs {
            let url = staging.appendingPathComponent(path)
            try StageJob.checkRegularFile(url, out: path)
            guard let d = try runner.hasher.digest(of: url) else {
                throw StageFailure("did not write its declared output '\(path)'")
            }
            try project.store.put(url, sha256: d.sha256)
            outs.append((path, LockFile.Output(sha256: d.sha256, size: d.size)))
        }
        return outs
    }

    /// An output must be a regular file: a symlink would make its digest (and the
    /// cache) depend on whatever it points to; a directory, fifo or device is no output.
    static func checkRegularFile(_ url: URL, out: String) throws {
        var st = stat()
        guard lstat(url.path, &st) == 0 else {
            throw StageFailure("did not write its declared output '\(out)'")
        }
        let type = st.st_mode & S_IFMT
        guard type != S_IFREG else { return }
        let what = type == S_IFLNK ? "a symbolic link" : type == S_IFDIR ? "a directory" : type == S_IFIFO ? "a fifo"
            : type == S_IFCHR || type == S_IFBLK ? "a device" : type == S_IFSOCK ? "a socket" : "not a regular file"
        throw StageFailure("its output '\(out)' is \(what); outputs must be regular files (write the content itself)")
    }

    /// "no space left on device while writing PATH", PATH relative to the project when it is an output.
    static func diskFullMessage(_ e: Error, staging: URL) -> String {
        var path = DiskSpace.path(of: e) ?? staging.path
        if path.hasPrefix(staging.path + "/") { path = String(path.dropFirst(staging.path.count + 1)) }
        return "no space left on device while writing \(path): free some space and rerun (previous outputs and repro.lock are untouched)"
    }

    /// Moves staged outputs into the project: each is renamed over the old
    /// one (atomic per file); the run's group commit fsyncs them and their
    /// directories before a lock naming them is written (`GroupCommit`).
    func install(_ outs: [(path: String, output: LockFile.Output)], from staging: URL) throws {
        var files: [String] = [], dirs: [String] = []
        for o in outs {
            let src = staging.appendingPathComponent(o.path)
            let dst = project.root.appendingPathComponent(o.path)
            try ProjectPaths.prepareParents(of: o.path, root: project.root)
            try AtomicFile.move(src, over: dst)
            files.append(dst.path)
            dirs.append(dst.deletingLastPathComponent().path)
            runner.hasher.remember(dst, FileHasher.Digest(sha256: o.output.sha256, size: o.output.size))
        }
        runner.groupCommit.add(files: files, directories: dirs)
    }
}
