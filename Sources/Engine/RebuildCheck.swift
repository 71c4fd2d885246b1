import Foundation

/// `repro check --rebuild`: reruns stages from scratch (no cache) into a
/// scratch directory, with the project's current inputs, and compares the
/// bytes with what the lock records. A difference means the stage is not
/// deterministic. Nothing in the project or the cache changes.
public struct RebuildCheck: Sendable {
    public let project: Project
    public let jobs: Int

    public init(project: Project, jobs: Int) {
        self.project = project
        self.jobs = max(1, jobs)
    }

    public struct Finding: Sendable {
        public var stage: String
        /// Empty when the rebuild matched the lock byte for byte.
        public var differing: [String]
        /// Set when the stage could not be checked (not up to date, failed).
        public var problem: String?
    }

    public func run(_ selection: [Int], reporter: any RunReporter) throws -> [Finding] {
        let lockHold = try ProcessLock(url: project.processLockURL) { reporter.message($0) }
        defer { withExtendedLifetime(lockHold) {} }
        let lock = try LockFile.load(from: project.lockURL)
        let scratch = project.reproDir.appendingPathComponent("check")
        try? FileManager.default.removeItem(at: scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let hasher = FileHasher(cacheFile: nil)
        let planner = Planner(project: project, hasher: hasher, force: false)
        var findings: [Finding] = []
        for (n, i) in selection.enumerated() {
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
            let ctx = StageContext(info: stage.info,
                                   params: Params(stage.spec.params), root: project.root, staging: staging, parallelism: jobs,
                                   upstream: project.upstreamInfo(i, keys: ev.fields?.upstream ?? []),
                                   reporter: { e in if case .progress(let f, let note) = e { reporter.progress(stage.name, fraction: f, note: note) } },
                                   cancelled: { false })
            var finding = Finding(stage: stage.name, differing: [])
            do {
                try stage.run(ctx)
                for (path, out) in previous.outs {
                    let d = try FileHasher.hashIfExists(staging.appendingPathComponent(path))
                    if d?.sha256 != out.sha256 { finding.differing.append(path) }
                }
            } catch {
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
    public init(project: Project) { self.project = project }

    public struct Report: Sendable {
        public var runsRemoved: Int
        public var objectsRemoved: Int
        public var bytesFreed: Int64
        public var runsKept: Int
        public var objectsKept: Int
    }

    public func collect(dryRun: Bool) throws -> Report {
        let lockHold = try ProcessLock(url: project.processLockURL) { _ in }
        defer { withExtendedLifetime(lockHold) {} }
        let lock = try LockFile.load(from: project.lockURL)
        let store = project.store
        let liveKeys = Set(lock.stages.values.map(\.key))
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
            let size = (try? FileManager.default.attributesOfItem(atPath: store.objectURL(sha).path)[.size] as? Int64) ?? 0
            report.objectsRemoved += 1
            report.bytesFreed += size
            if !dryRun { store.removeObject(sha) }
        }
        if !dryRun { try? FileManager.default.removeItem(at: project.tmpDir) }
        return report
    }
}
