import Foundation

/// Decides, for one stage, whether it is up to date, restorable from the
/// cache, or must run — and why. Shared by runs, dry runs and `status`.
struct Planner {
    let project: Project
    let hasher: FileHasher
    let force: Bool

    enum Decision {
        case upToDate([(path: String, output: LockFile.Output)])
        case restorable([(path: String, output: LockFile.Output)])
        case mustRun
        /// An upstream stage must run first, so this stage's key is not known yet.
        case afterUpstream(String)
        case missingInput(String)
    }

    struct Evaluation {
        var fields: KeyFields?
        var key: String?
        var decision: Decision
        var reasons: [String]
    }

    /// - Parameter produced: digests of deps produced by stages of this run (others are hashed on disk).
    func evaluate(_ i: Int, code: String, produced: [String: LockFile.Output], previous: LockFile.Entry?) -> Evaluation {
        let stage = project.pipeline.stages[i]
        var deps: [KeyFields.Dep] = []
        for (d, p) in zip(stage.spec.deps, stage.producers) {
            if let o = produced[d] { deps.append(.init(path: d, sha256: o.sha256)); continue }
            let digest: FileHasher.Digest?
            do { digest = try hasher.digest(atPath: project.path(d)) } catch {
                return Evaluation(decision: .missingInput("cannot read input '\(d)': \(error)"), reasons: [])
            }
            guard let digest else {
                let hint = p.map { " (it is produced by stage '\(project.pipeline.stages[$0].name)': `repro run \(project.pipeline.stages[$0].name)`)" } ?? ""
                return Evaluation(decision: .missingInput("input '\(d)' is missing\(hint)"), reasons: [])
            }
            deps.append(.init(path: d, sha256: digest.sha256))
        }
        let fields = KeyFields(kind: stage.spec.kind, code: code, params: stage.canonicalParams,
                               deps: deps, outs: stage.spec.outs)
        let key = fields.key
        var reasons: [String]
        if force {
            reasons = ["--force"]
        } else if let previous, previous.key == key {
            var problems: [String] = []
            for (path, out) in previous.outs {
                let onDisk = try? hasher.digest(atPath: project.path(path))
                if onDisk == nil { problems.append("output \(path) is missing") } else if onDisk?.sha256 != out.sha256 { problems.append("output \(path) was modified") }
            }
            if problems.isEmpty { return Evaluation(fields: fields, key: key, decision: .upToDate(previous.outs), reasons: []) }
            reasons = problems
        } else if let previous {
            reasons = fields.changes(since: previous.fields)
            if reasons.isEmpty { reasons = ["key format changed"] }
        } else {
            reasons = ["new stage (not in \(LockFile.fileName))"]
        }
        if !force, let run = project.store.run(for: key), run.allSatisfy({ project.store.hasObject($0.output.sha256) }) {
            return Evaluation(fields: fields, key: key, decision: .restorable(run), reasons: reasons)
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
        var known: [Int: [(path: String, output: LockFile.Output)]] = [:]
        var willRun: [Int: String] = [:]  // stage -> name of the stage that makes it run
        var items: [PlanItem] = []
        for i in selection {
            let stage = project.pipeline.stages[i]
            if let up = stage.upstream.first(where: { selected.contains($0) && willRun[$0] != nil }) {
                willRun[i] = project.pipeline.stages[up].name
                items.append(PlanItem(index: i, outcome: .wouldRun, reasons: ["upstream stage '\(project.pipeline.stages[up].name)' will run"]))
                continue
            }
            var produced: [String: LockFile.Output] = [:]
            for (d, p) in zip(stage.spec.deps, stage.producers) {
                if let p, let o = known[p]?.first(where: { $0.path == d }) { produced[d] = o.output }
            }
            let ev = evaluate(i, code: project.codeDigest(stage.kind), produced: produced, previous: lock.stages[stage.name])
            switch ev.decision {
            case .upToDate(let outs):
                known[i] = outs
                items.append(PlanItem(index: i, outcome: .upToDate, reasons: []))
            case .restorable(let outs):
                known[i] = outs
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
