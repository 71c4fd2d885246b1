import Foundation
import StageAPI
import ProcessSpawn

/// Read-only questions about a project: status, verify, why.
public struct Inspector: Sendable {
    public let project: Project

    public init(project: Project) { self.project = project }

    public struct StatusItem: Sendable {
        public var name: String
        public var outcome: Outcome
        public var reasons: [String]
    }

    /// What `repro all` (or `run` of the selection) would do.
    public func status(_ selection: [Int]) throws -> [StatusItem] {
        let hasher = FileHasher(cacheFile: project.statCacheURL)
        defer { hasher.save() }
        let processesBefore = NoOpProof.childProcessFaults()
        let items = try Planner(project: project, hasher: hasher, force: false).plan(selection).map {
            StatusItem(name: project.pipeline.stages[$0.index].name, outcome: $0.outcome, reasons: $0.reasons)
        }
        // All up to date, from files alone: the next status can check those files instead (`NoOpProof`).
        if selection == Array(project.pipeline.stages.indices), items.allSatisfy({ $0.outcome == .upToDate }),
           NoOpProof.childProcessFaults() == processesBefore, project.staleSources(for: selection).isEmpty {
            NoOpProof.write(project, by: .status, existing: [])
        }
        return items
    }

    public struct Mismatch: Sendable, CustomStringConvertible {
        /// What is wrong, for callers that treat causes apart (`verify --numeric`).
        public enum Cause: Sendable, Equatable {
            case notInLock, outsDiffer, missing, contentDiffers, sizeDiffers
            /// A problem the stage's kind reported (`StageKind.verify`), or its check throwing.
            case kindCheck, checkFailed
            case notInPipeline
        }
        public var stage: String
        public var path: String?
        public var cause: Cause
        public var problem: String
        public var description: String { path.map { "\($0) (\(stage)): \(problem)" } ?? "\(stage): \(problem)" }
    }

    /// Outputs on disk against the lock: every differing file, by name.
    public func verify() throws -> (checked: Int, mismatches: [Mismatch]) {
        let lock = try LockFile.load(from: project.lockURL)
        var mismatches: [Mismatch] = []
        var checked = 0
        for stage in project.pipeline.stages {
            guard let e = lock.stages[stage.name] else {
                mismatches.append(Mismatch(stage: stage.name, path: nil, cause: .notInLock, problem: "no entry in \(project.lockName) (never run?)"))
                continue
            }
            if e.outs.map(\.path) != stage.spec.outs {
                mismatches.append(Mismatch(stage: stage.name, path: nil, cause: .outsDiffer, problem: "declared outs differ from the lock's"))
            }
            for (path, out) in e.outs {
                checked += 1
                let url = project.root.appendingPathComponent(path)
                guard let d = try FileHasher.hashIfExists(url) else {
                    mismatches.append(Mismatch(stage: stage.name, path: path, cause: .missing, problem: "missing"))
                    continue
                }
                if d.sha256 != out.sha256 {
                    mismatches.append(Mismatch(stage: stage.name, path: path,
                                               cause: .contentDiffers, problem: "content differs: sha256 \(d.sha256.prefix(12))… (\(d.size) bytes), lock says \(out.sha256.prefix(12))… (\(out.size) bytes)"))
                } else if d.size != out.size {
                    mismatches.append(Mismatch(stage: stage.name, path: path,
                                               cause: .sizeDiffers, problem: "size differs: \(d.size) bytes on disk, the lock says \(out.size) for the same sha256"))
                }
            }
        }
        // Kind-specific checks (e.g. claims that must hold), on outputs that match the lock.
        let badStages = Set(mismatches.map(\.stage))
        for stage in project.pipeline.stages where !badStages.contains(stage.name) {
            let info = stage.info
            do {
                for problem in try stage.kind.verify(root: project.root, stage: info, params: Params(stage.spec.params)) {
                    mismatches.append(Mismatch(stage: stage.name, path: nil, cause: .kindCheck, problem: problem))
                }
            } catch {
                mismatches.append(Mismatch(stage: stage.name, path: nil, cause: .checkFailed, problem: "check failed: \(error)"))
            }
        }
        let names = Set(project.pipeline.stages.map(\.name))
        for name in lock.stages.keys.sorted() where !names.contains(name) {
            mismatches.append(Mismatch(stage: name, path: nil, cause: .notInPipeline, problem: "in \(project.lockName) but not in the pipeline"))
        }
        return (checked, mismatches)
    }

    /// Stages whose committed outputs were made on another platform than this
    /// one (per the lock's platform facts): one line per difference, with the
    /// number of stages. Their bytes are still checked by `verify`; a science
    /// result made elsewhere may legitimately differ in its last bits.
    public func platformNotes() throws -> [String] {
        let lock = try LockFile.load(from: project.lockURL)
        var stagesByDifference: [String: Int] = [:]
        for stage in project.pipeline.stages {
            guard let e = lock.stages[stage.name], !e.fields.platform.isEmpty,
                  let here = try? stage.kind.platform(Params(stage.spec.params), stage: project.keyTimeInfo(stage)) else { continue }
            var diffs: [String] = []
            for f in e.fields.platform {
                let mine = here.first { $0.name == f.name }?.value ?? "(not recorded here)"
                if mine != f.value { diffs.append("\(f.name) \(f.value) (here: \(mine))") }
            }
            if !diffs.isEmpty { stagesByDifference[diffs.joined(separator: ", "), default: 0] += 1 }
        }
        return stagesByDifference.keys.sorted().map { d in
            let n = stagesByDifference[d]!
            return "the committed outputs of \(n) stage\(n == 1 ? "" : "s") were made on another platform: \(d)"
        }
    }

    /// Why a stage is (or is not) out of date: each changed key field, old and new.
    public func why(_ index: Int) throws -> [String] {
        let lock = try LockFile.load(from: project.lockURL)
        let stage = project.pipeline.stages[index]
        let hasher = FileHasher(cacheFile: project.statCacheURL)
        defer { hasher.save() }
        // Upstream stages as the lock records them: `why` explains this stage alone.
        var known: [Int: Planner.Known] = [:]
        for u in stage.upstream {
            if let e = lock.stages[project.pipeline.stages[u].name] { known[u] = Planner.Known(key: e.key, outs: e.outs) }
        }
        let ev = Planner(project: project, hasher: hasher, force: false).evaluate(index, known: known, lock: lock)
        switch ev.decision {
        case .upToDate: return []
        case .missingInput(let m), .afterUpstream(let m): return [m]
        case .restorable: return ev.reasons + ["(this key is in the cache: its outputs would be restored, not rerun)"]
        case .mustRun: return ev.reasons
        }
    }
}

extension FileHasher {
    package static func hashIfExists(_ url: URL) throws -> Digest? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try hash(url: url)
    }
}
