import Foundation
import StageAPI
import ProcessSpawn

/// Decides, for one stage, whether it is up to date, restorable from the
/// cache, or must run — and why. Shared by runs, dry runs and `status`.
struct Planner {
    let project: Project
    let hasher: FileHasher
    let force: Bool
    /// `--no-sandbox`: fingerprint commands run unconfined, as the stage will.
    var noSandbox = false

    enum Decision: Sendable {
        case upToDate([(path: String, output: LockFile.Output)])
        case restorable([(path: String, output: LockFile.Output)])
        case mustRun
        /// An upstream stage must run first, so this stage's key is not known yet.
        case afterUpstream(String)
        case missingInput(String)
    }

    /// A stage whose key and outputs this run already knows.
    struct Known: Sendable {
        var key: String
        var outs: [(path: String, output: LockFile.Output)]
    }

    struct Evaluation: Sendable {
        var fields: KeyFields?
        var key: String?
        var decision: Decision
        var reasons: [String]
    }

    /// - Parameters:
    ///   - known: upstream stages of this run, already done: their outputs'
    ///     digests are used as is (other deps are hashed on disk).
    ///   - lock: the lock, for the previous entry and upstream keys not in `known`.
    func evaluate(_ i: Int, known: [Int: Known], lock: LockFile) -> Evaluation {
        let stage = project.pipeline.stages[i]
        let previous = lock.stages[stage.name]
        let fields: KeyFields
        switch keyFields(i, known: known, lock: lock) {
        case .success(let f): fields = f
        case .failure(let why): return Evaluation(decision: why.decision, reasons: [])
        }
        return decide(i, fields: fields, previous: previous)
    }

    /// Why a stage's key cannot be computed yet.
    struct Unkeyable: Error {
        var decision: Decision
        var message: String {
            switch decision {
            case .missingInput(let m), .afterUpstream(let m): return m
            default: return "\(decision)"
            }
        }
    }

    /// The fields of stage `i`'s key: its deps' digests (from `known`, else
    /// the disk), code, params, platform, and upstream keys (from
    /// `upstreamKeys`, `known` or `lock`, for provenance-recording kinds).
    func keyFields(_ i: Int, known: [Int: Known], lock: LockFile, upstreamKeys: [String: String] = [:]) -> Result<KeyFields, Unkeyable> {
        let stage = project.pipeline.stages[i]
        var deps: [KeyFields.Dep] = []
        for (d, p) in zip(stage.spec.deps, stage.producers) {
            if let p, let o = known[p]?.outs.first(where: { $0.path == d }) { deps.append(.init(path: d, sha256: o.output.sha256)); continue }
            if let why = ProjectPaths.depProblem(d, root: project.root, hostInputs: project.pipeline.hostInputs) {
                return .failure(Unkeyable(decision: .missingInput(why)))
            }
            let digest: FileHasher.Digest?
            do { digest = try hasher.digest(atPath: project.path(d)) } catch {
                return .failure(Unkeyable(decision: .missingInput("cannot read input '\(d)': \(error)")))
            }
            guard let digest else {
                let hint = p.map { " (it is produced by stage '\(project.pipeline.stages[$0].name)': `repro run \(project.pipeline.stages[$0].name)`)" } ?? ""
                return .failure(Unkeyable(decision: .missingInput("input '\(d)' is missing\(hint)")))
            }
            deps.append(.init(path: d, sha256: digest.sha256))
        }
        var fields = KeyFields(kind: stage.spec.kind, code: project.codeDigest(stage: i), params: stage.canonicalParams,
                               deps: deps, outs: stage.spec.outs)
        do { fields.platform = try stage.kind.platform(Params(stage.spec.params), stage: project.keyTimeInfo(stage, noSandbox: noSandbox)) } catch {
            return .failure(Unkeyable(decision: .missingInput("\(error)")))
        }
        if stage.kind.recordsProvenance {
            for u in stage.upstream {
                let name = project.pipeline.stages[u].name
                guard let key = upstreamKeys[name] ?? known[u]?.key ?? lock.stages[name]?.key else {
                    return .failure(Unkeyable(decision: .afterUpstream("upstream stage '\(name)' has no key yet: run it first")))
                }
                fields.upstream.append(.init(path: name, sha256: key))
            }
        }
        return .success(fields)
    }

    /// Up to date, restorable or must run, for a stage whose key fields are known.
    private func decide(_ i: Int, fields: KeyFields, previous: LockFile.Entry?) -> Evaluation {
        let stage = project.pipeline.stages[i]
        let key = fields.key
        var reasons: [String]
        if force {
            reasons = ["--force"]
        } else if let previous, previous.key == key, !Store.matches(previous.outs, declared: stage.spec.outs) {
            reasons = ["\(project.lockName)'s entry does not list exactly the declared outs: ignored"]
        } else if let previous, previous.key == key {
            var problems: [String] = []
            for (path, out) in previous.outs {
                let onDisk = try? hasher.digest(atPath: project.path(path))
                if onDisk == nil { problems.append("output \(path) is missing") } else if onDisk?.sha256 != out.sha256 || onDisk?.size != out.size { problems.append("output \(path) was modified") }
            }
            if problems.isEmpty { return Evaluation(fields: fields, key: key, decision: .upToDate(previous.outs), reasons: []) }
            reasons = problems
        } else if let previous {
            reasons = fields.changes(since: previous.fields)
            if reasons.isEmpty { reasons = ["key format changed"] }
        } else {
            reasons = ["new stage (not in \(project.lockName))"]
        }
        if !force, let run = project.store.run(for: key) {
            if !Store.matches(run, declared: stage.spec.outs) {
                // Treated as absent; the rerun overwrites it, so this is said once.
                reasons.append("ignored a cache record for this key that does not name exactly the declared outs")
            } else if run.allSatisfy({ project.store.hasObject($0.output.sha256) }) {
                return Evaluation(fields: fields, key: key, decision: .restorable(run), reasons: reasons)
            }
        }
        return Evaluation(fields: fields, key: key, decision: .mustRun, reasons: reasons)
    }

    struct PlanItem {
        var index: Int
        var outcome: Outcome
        var reasons: [String]
    }

    /// What a run of `selection` would do, without doing it.
    func plan(_ selection: [Int]) throws -> [PlanItem] {
        let lock = try LockFile.load(from: project.lockURL)
        let selected = Set(selection)
        var known: [Int: Known] = [:]
        var willRun: [Int: String] = [:]  // stage -> name of the stage that makes it run
        var items: [PlanItem] = []
        for i in selection {
            let stage = project.pipeline.stages[i]
            if let up = stage.upstream.first(where: { selected.contains($0) && willRun[$0] != nil }) {
                willRun[i] = project.pipeline.stages[up].name
                items.append(PlanItem(index: i, outcome: .wouldRun, reasons: ["upstream stage '\(project.pipeline.stages[up].name)' will run"]))
                continue
            }
            let ev = evaluate(i, known: known, lock: lock)
            switch ev.decision {
            case .upToDate(let outs):
                known[i] = Known(key: ev.key!, outs: outs)
                items.append(PlanItem(index: i, outcome: .upToDate, reasons: []))
            case .restorable(let outs):
                known[i] = Known(key: ev.key!, outs: outs)
                items.append(PlanItem(index: i, outcome: .wouldRestore, reasons: ev.reasons))
            case .mustRun:
                willRun[i] = stage.name
                items.append(PlanItem(index: i, outcome: .wouldRun, reasons: ev.reasons))
            case .afterUpstream(let up):
                willRun[i] = up
                items.append(PlanItem(index: i, outcome: .wouldRun, reasons: ["upstream stage '\(up)' will run"]))
            case .missingInput(let msg):
                willRun[i] = stage.name
                items.append(PlanItem(index: i, outcome: .failed(msg), reasons: [msg]))
            }
        }
        return items
    }
}
