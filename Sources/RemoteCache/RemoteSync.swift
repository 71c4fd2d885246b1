import Foundation
import EngineCore
import StageAPI

/// `repro push` and `repro pull`: move the outputs the lock records between
/// the local store, the project and the remote, stage by stage.
public struct RemoteSync: Sendable {
    public let project: Project
    public let remote: RemoteCache

    public init(project: Project, remote: RemoteCache) {
        self.project = project
        self.remote = remote
    }

    public struct Report: Sendable {
        /// Stages done (pushed, or pulled into the project).
        public var done: [String] = []
        /// Stages whose outputs were already in place (pull only).
        public var upToDate: [String] = []
        /// (stage, problem).
        public var problems: [(String, String)] = []
    }

    /// Uploads the outputs and run records of `selection` as the lock records them.
    public func push(_ selection: [Int], message: @escaping @Sendable (String) -> Void) throws -> Report {
        let processLock = try ProcessLock(url: project.processLockURL, cancelled: { false }, waiting: message)
        defer { withExtendedLifetime(processLock) {} }
        let lock = try LockFile.load(from: project.lockURL)
        let store = project.store
        let planned = selection.compactMap { lock.stages[project.pipeline.stages[$0].name] }
        let meter = TransferMeter(label: "push", objects: planned.reduce(0) { $0 + $1.outs.count },
                                  bytes: planned.reduce(0) { $0 + $1.outs.reduce(0) { $0 + $1.output.size } }, report: message)
        defer { meter.finish() }
        let outcomes = parallel(selection, limit: remote.config.transfers) { i -> (String, String?) in
            let stage = project.pipeline.stages[i]
            guard let e = lock.stages[stage.name] else { return (stage.name, "not in \(LockFile.fileName): run it first") }
            defer { meter.add(objects: e.outs.count, bytes: e.outs.reduce(0) { $0 + $1.output.size }) }
            do {
                for o in e.outs where !store.hasObject(o.output.sha256) {
                    // Not in the cache (a fresh clone): the committed file, if it is what the lock says.
                    let url = project.root.appendingPathComponent(o.path)
                    guard let d = try FileHasher.hashIfExists(url), d.sha256 == o.output.sha256 else {
                        return (stage.name, "\(o.path) is neither in the cache nor on disk as \(LockFile.fileName) records it: run the stage first")
                    }
                    try store.put(url, sha256: d.sha256)
                }
                if store.run(for: e.key) == nil { try store.recordRun(key: e.key, outs: e.outs) }
                guard try remote.push(key: e.key, stage: stage.name, outs: e.outs, from: store) else {
                    return (stage.name, "the remote could not be written")
                }
                return (stage.name, nil)
            } catch {
                return (stage.name, "\(error)")
            }
        }
        var report = Report()
        for (name, problem) in outcomes {
            if let problem { report.problems.append((name, problem)) } else { report.done.append(name) }
        }
        return report
    }

    /// Brings the outputs the lock records for `selection` into the project:
    /// from the local store when it has them, else from the remote (verified),
    /// each file written whole by rename. Files already matching the lock are left alone.
    public func pull(_ selection: [Int], message: @escaping @Sendable (String) -> Void) throws -> Report {
        let processLock = try ProcessLock(url: project.processLockURL, cancelled: { false }, waiting: message)
        defer { withExtendedLifetime(processLock) {} }
        let lock = try LockFile.load(from: project.lockURL)
        let store = project.store
        remote.prefetch(project: project, selection: selection)
        let staging = project.tmpDir.appendingPathComponent("pull-\(getpid())")
        defer { try? FileManager.default.removeItem(at: staging) }
        let planned = selection.compactMap { lock.stages[project.pipeline.stages[$0].name] }
        let meter = TransferMeter(label: "pull", objects: planned.reduce(0) { $0 + $1.outs.count },
                                  bytes: planned.reduce(0) { $0 + $1.outs.reduce(0) { $0 + $1.output.size } }, report: message)
        defer { meter.finish() }
        let outcomes = parallel(selection, limit: remote.config.transfers) { i -> (String, String?, Bool) in
            let stage = project.pipeline.stages[i]
            guard let e = lock.stages[stage.name] else { return (stage.name, "not in \(LockFile.fileName): nothing to pull", false) }
            defer { meter.add(objects: e.outs.count, bytes: e.outs.reduce(0) { $0 + $1.output.size }) }
            guard e.outs.map(\.path) == stage.spec.outs else {
                return (stage.name, "its declared outs differ from \(LockFile.fileName)'s: run it instead", false)
            }
            do {
                let stale = try e.outs.filter { try FileHasher.hashIfExists(project.root.appendingPathComponent($0.path))?.sha256 != $0.output.sha256 }
                if stale.isEmpty { return (stage.name, nil, true) }
                let local = store.run(for: e.key).map { $0.map(\.output) == e.outs.map(\.output) } ?? false
                if !(local && e.outs.allSatisfy({ store.hasObject($0.output.sha256) })) {
                    switch try remote.fetch(key: e.key, stage: stage.name, declaredOuts: stage.spec.outs, into: store) {
                    case .absent: return (stage.name, "not on the remote", false)
                    case .rejected(let why): return (stage.name, why, false)
                    case .found(let outs):
                        guard outs.map(\.output) == e.outs.map(\.output) else {
                            return (stage.name, "the remote's record of its key names other outputs than \(LockFile.fileName)", false)
                        }
                    }
                }
                let dir = staging.appendingPathComponent("\(i)")
                defer { try? FileManager.default.removeItem(at: dir) }
                for o in stale {
                    let tmp = dir.appendingPathComponent(o.path)
                    guard try store.restore(o.output, to: tmp) else { return (stage.name, "\(o.path): cache object missing or corrupted", false) }
                }
                for o in stale {
                    let dst = project.root.appendingPathComponent(o.path)
                    let src = dir.appendingPathComponent(o.path)
                    try AtomicFile.fsyncFile(src)
                    try ProjectPaths.prepareParents(of: o.path, root: project.root)
                    guard rename(src.path, dst.path) == 0 else {
                        return (stage.name, "cannot move \(o.path) into place: \(String(cString: strerror(errno)))", false)
                    }
                    AtomicFile.syncDirectory(dst.deletingLastPathComponent())
                }
                return (stage.name, nil, false)
            } catch {
                return (stage.name, "\(error)", false)
            }
        }
        var report = Report()
        for (name, problem, upToDate) in outcomes {
            if let problem { report.problems.append((name, problem)) } else if upToDate { report.upToDate.append(name) } else { report.done.append(name) }
        }
        return report
    }
}
