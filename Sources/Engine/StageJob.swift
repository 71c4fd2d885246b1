import Foundation

/// One stage's turn in a run, on a worker thread: decide, then restore or
/// run into a staging directory, then install the outputs atomically.
struct StageJob: Sendable {
    let runner: Runner
    let index: Int
    /// Upstream stages finished in this run.
    let known: [Int: Planner.Known]
    let lock: LockFile
    let position: Int
    let total: Int

    struct Result: Sendable {
        var result: StageResult
        var outs: [(path: String, output: LockFile.Output)]?
        var entry: LockFile.Entry?
    }

    var project: Project { runner.project }
    var stage: Pipeline.Stage { project.pipeline.stages[index] }

    /// Decides what to do (cheap: digests through the stat cache).
    func evaluate() -> Planner.Evaluation {
        Planner(project: project, hasher: runner.hasher, force: runner.options.force).evaluate(index, known: known, lock: lock)
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
        let staging = project.tmpDir.appendingPathComponent("\(index)-" + String(stage.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }))
        defer { try? FileManager.default.removeItem(at: staging) }
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
                reasons.append("a cache object was missing or corrupted: running instead")
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
            let outs = try runKind(in: staging, upstream: project.upstreamInfo(index, keys: ev.fields!.upstream))
            try project.store.recordRun(key: ev.key!, outs: outs)
            try install(outs, from: staging)
            if let remote = runner.options.remote, remote.pushesOnSuccess {
                try remote.push(key: ev.key!, stage: stage.name, outs: outs, from: project.store)
            }
            return result(.ran, reasons, outs: outs, entry: .init(key: ev.key!, fields: ev.fields!, outs: outs))
        } catch is StageCancelled {
            return result(.cancelled, reasons)
        } catch let e as StageFailure {
            return result(.failed(e.message), reasons)
        } catch {
            return result(.failed("\(error)"), reasons)
        }
    }

    /// Copies cached outputs into `staging`; false if any object is unusable.
    func restore(_ outs: [(path: String, output: LockFile.Output)], into staging: URL) throws -> Bool {
        for o in outs where try !project.store.restore(o.output.sha256, to: staging.appendingPathComponent(o.path)) {
            return false
        }
        return true
    }

    /// Runs the kind's code, checks it wrote every declared output, and stores them.
    func runKind(in staging: URL, upstream: [UpstreamStage]) throws -> [(path: String, output: LockFile.Output)] {
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let name = stage.name
        let reporter = runner.reporter
        let ctx = StageContext(
            info: stage.info, params: Params(stage.spec.params),
            root: project.root, staging: staging, parallelism: runner.options.threadsPerStage ?? runner.options.jobs, processes: runner.processes, upstream: stage.kind.recordsProvenance ? upstream : [],
            reporter: { event in
                switch event {
                case .progress(let f, let note): reporter.progress(name, fraction: f, note: note)
                case .log(let line): reporter.log(name, line)
                }
            },
            cancelled: { [runner] in runner.isCancelled })
        try runner.options.executor.execute(stage, context: ctx, project: project)
        var outs: [(path: String, output: LockFile.Output)] = []
        for path in stage.spec.outs {
            let url = staging.appendingPathComponent(path)
            guard let d = try runner.hasher.digest(of: url) else {
                throw StageFailure("did not write its declared output '\(path)'")
            }
            try project.store.put(url, sha256: d.sha256)
            outs.append((path, LockFile.Output(sha256: d.sha256, size: d.size)))
        }
        return outs
    }

    /// Moves staged outputs into the project: fsync each file, rename over
    /// the old one (atomic per file), fsync the directories.
    func install(_ outs: [(path: String, output: LockFile.Output)], from staging: URL) throws {
        var dirs = Set<String>()
        for o in outs {
            let src = staging.appendingPathComponent(o.path)
            let dst = project.root.appendingPathComponent(o.path)
            try AtomicFile.fsyncFile(src)
            try FileManager.default.createDirectory(at: dst.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard rename(src.path, dst.path) == 0 else {
                throw EngineError.io("cannot move output into place at \(o.path): \(String(cString: strerror(errno)))")
            }
            dirs.insert(dst.deletingLastPathComponent().path)
            runner.hasher.remember(dst, FileHasher.Digest(sha256: o.output.sha256, size: o.output.size))
        }
        for d in dirs.sorted() { AtomicFile.syncDirectory(URL(fileURLWithPath: d)) }
    }
}
