import Foundation
import Synchronization
import StageAPI
import ProcessSpawn

/// `repro check --rebuild`: reruns stages from scratch (no cache) into a
/// scratch directory, with the project's current inputs, and compares the
/// bytes with what the lock records. A difference means the stage is not
/// deterministic. Nothing in the project or the cache changes.
public final class RebuildCheck: Sendable {
    public let project: Project
    public let jobs: Int
    public let noSandbox: Bool

    /// `check --rebuild --numeric`: for an output whose rebuilt bytes differ
    /// (its path, the rebuilt file, the lock's digest), nil when its numbers
    /// are within tolerance of the recorded ones, else why not.
    public let numeric: (@Sendable (String, URL, String) -> String?)?

    public init(project: Project, jobs: Int, noSandbox: Bool = false, numeric: (@Sendable (String, URL, String) -> String?)? = nil) {
        self.numeric = numeric
        self.project = project
        self.jobs = max(1, jobs)
        self.noSandbox = noSandbox
    }


    /// Ctrl-C and the stages' processes (`RunControl`).
    public let control = RunControl()
    public var isCancelled: Bool { control.isCancelled }
    var processes: ChildProcesses { control.processes }


    public struct Finding: Sendable {
        public var stage: String
        /// Empty when the rebuild matched the lock byte for byte.
        public var differing: [String]
        /// Set when the stage could not be checked (not up to date, failed).
        public var problem: String?
        /// Outputs whose bytes differ but whose numbers are within `numeric`'s tolerance.
        public var withinTolerance: [String] = []
    }

    public func run(_ selection: [Int], reporter: any RunReporter) throws -> [Finding] {
        let lockHold = try ProcessLock(url: project.processLockURL, cancelled: { [self] in isCancelled }) { reporter.message($0) }
        defer { withExtendedLifetime(lockHold) {} }
        let lock = try LockFile.load(from: project.lockURL)
        let scratch = project.reproDir.appendingPathComponent("check")
        try? FileManager.default.removeItem(at: scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let hasher = FileHasher(cacheFile: nil)
        let planner = Planner(project: project, hasher: hasher, force: false, noSandbox: noSandbox)
        var findings: [Finding] = []
        for (n, i) in selection.enumerated() {
            if isCancelled { throw EngineError.interrupted }
            let stage = project.pipeline.stages[i]
            let previous = lock.stages[stage.name]
            let ev = planner.evaluate(i, known: [:], lock: lock)
            guard case .upToDate = ev.decision, let previous else {
                findings.append(Finding(stage: stage.name, differing: [], problem: "not up to date: run `repro all` first"))
                continue
            }
            reporter.started(stage.name, restoring: false, reasons: ["rebuilding without the cache"], position: n + 1, total: selection.count)
            let start = Date()
            let staging = scratch.appendingPathComponent("\(i)")
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            let ctx = project.context(for: i, staging: staging, parallelism: jobs, processes: processes,
                                      upstream: project.upstreamInfo(i, keys: ev.fields?.upstream ?? []), noSandbox: noSandbox,
                                      reporter: { e in if case .progress(let f, let note) = e { reporter.progress(stage.name, fraction: f, note: note) } },
                                      cancelled: { [self] in isCancelled })
            var finding = Finding(stage: stage.name, differing: [])
            do {
                try stage.run(ctx)
                for (path, out) in previous.outs {
                    let d = try FileHasher.hashIfExists(staging.appendingPathComponent(path))
                    if d?.sha256 != out.sha256 {
                        if let numeric, d != nil, numeric(path, staging.appendingPathComponent(path), out.sha256) == nil {
                            finding.withinTolerance.append(path)
                        } else {
                            finding.differing.append(path)
                        }
                    }
                }
            } catch is StageCancelled {
                throw EngineError.interrupted
            } catch {
                if isCancelled { throw EngineError.interrupted }
                finding.problem = "failed: \(error)"
            }
            try? FileManager.default.removeItem(at: staging)
            let outcome: Outcome = finding.problem.map { .failed($0) } ?? (finding.differing.isEmpty ? .ran : .failed("NONDETERMINISTIC: \(finding.differing.joined(separator: ", ")) differ from the lock"))
            reporter.finished(StageResult(name: stage.name, outcome: outcome, reasons: [], seconds: Date().timeIntervalSince(start)),
                              position: n + 1, total: selection.count)
            findings.append(finding)
        }
        return findings
    }
}

/// `repro gc`: drops cache entries the current lock does not use.
public struct GarbageCollector: Sendable {
    public let project: Project
    /// Other locks whose entries stay (experiments' workspaces, which share the cache).
    public let alsoKeep: [LockFile]
    public init(project: Project, alsoKeep: [LockFile] = []) { self.project = project; self.alsoKeep = alsoKeep }

    public struct Report: Sendable {
        public var runsRemoved: Int
        public var objectsRemoved: Int
        public var bytesFreed: Int64
        public var runsKept: Int
        public var objectsKept: Int
        /// Temporary files a killed run left in the cache.
        public var temporariesRemoved: Int = 0
    }

    public func collect(dryRun: Bool) throws -> Report {
        let lockHold = try ProcessLock(url: project.processLockURL, cancelled: { false }) { _ in }
        defer { withExtendedLifetime(lockHold) {} }
        let lock = try LockFile.load(from: project.lockURL)
        let store = project.store
        let liveKeys = Set(([lock] + alsoKeep).flatMap { $0.stages.values.map(\.key) })
        var liveObjects = Set<String>()
        var report = Report(runsRemoved: 0, objectsRemoved: 0, bytesFreed: 0, runsKept: 0, objectsKept: 0)
        for key in store.allRunKeys() {
            if liveKeys.contains(key), let outs = store.run(for: key) {
                liveObjects.formUnion(outs.map(\.output.sha256))
                report.runsKept += 1
            } else {
                report.runsRemoved += 1
                if !dryRun { store.removeRun(key) }
            }
        }
        for sha in store.allObjects() {
            if liveObjects.contains(sha) { report.objectsKept += 1; continue }
            var st = stat()
            let size = lstat(store.objectURL(sha).path, &st) == 0 ? Int64(st.st_size) : 0
            report.objectsRemoved += 1
            report.bytesFreed += size
            if !dryRun { store.removeObject(sha) }
        }
        for tmp in store.abandonedTemporaries() {
            report.temporariesRemoved += 1
            if !dryRun { unlink(tmp) }  // we hold the project lock: no run of ours is writing it
        }
        if !dryRun {
            try? FileManager.default.removeItem(at: project.tmpDir)
            try? FileManager.default.removeItem(at: project.reproDir.appendingPathComponent("check"))
        }
        return report
    }
}
