import Foundation
import StageAPI
import ProcessSpawn

/// The key a cluster task is submitted with, with its fields, exactly as
/// `repro.lock` would record them: the node recomputes the key from what it
/// loads (pipeline file, deps, its own code, its platform) and refuses to
/// run when the two differ (`TaskKeyCheck`), so a job that waited in the
/// queue while pipeline.yaml, a dep or the binary changed, or that landed on
/// a node of another platform, never stores its outputs under the old key.
public struct TaskKey: Codable, Sendable, Equatable {
    public var key: String
    var kind: String
    var code: String
    var params: String
    /// [path, sha256] pairs, in declaration order.
    var deps: [[String]]
    var outs: [String]
    /// [stage, key] pairs.
    var upstream: [[String]]
    /// [name, value] pairs.
    var platform: [[String]]

    public init(key: String, fields: KeyFields) {
        self.key = key
        kind = fields.kind
        code = fields.code
        params = fields.params
        deps = fields.deps.map { [$0.path, $0.sha256] }
        outs = fields.outs
        upstream = fields.upstream.map { [$0.path, $0.sha256] }
        platform = fields.platform.map { [$0.name, $0.value] }
    }

    /// The fields, or nil if a pair is malformed (the index file is on a shared filesystem).
    var fields: KeyFields? {
        guard (deps + upstream + platform).allSatisfy({ $0.count == 2 }) else { return nil }
        var f = KeyFields(kind: kind, code: code, params: params, deps: deps.map { .init(path: $0[0], sha256: $0[1]) }, outs: outs)
        f.upstream = upstream.map { .init(path: $0[0], sha256: $0[1]) }
        f.platform = platform.map { PlatformFact(name: $0[0], value: $0[1]) }
        return f
    }
}

/// `exec-stage`'s check of a task's key against the key of what it loaded.
public enum TaskKeyCheck {
    /// The exit status of a task refused for a key mismatch (Slurm reports it as `FAILED`, exit 5).
    public static let exitStatus = ExitStatus.keyMismatch.rawValue
    /// How the refusal's line in the task's log starts (the coordinator looks for it).
    public static let marker = "repro exec-stage: key mismatch: "

    /// Why the node must not run stage `i` for `task`, or nil if its key here is the task's.
    public static func mismatch(_ project: Project, stage i: Int, task: TaskKey, noSandbox: Bool) -> String? {
        let name = project.pipeline.stages[i].name
        guard let submitted = task.fields, submitted.key == task.key else {
            return "stage '\(name)': the task's key fields do not make its key \(task.key.prefix(12)) (a tampered index file?); nothing was run"
        }
        let upstream = Dictionary(submitted.upstream.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        let planner = Planner(project: project, hasher: FileHasher(cacheFile: nil), force: false, noSandbox: noSandbox)
        let here: KeyFields
        switch planner.keyFields(i, known: [:], lock: LockFile(), upstreamKeys: upstream) {
        case .success(let f): here = f
        case .failure(let why):
            return "stage '\(name)' cannot be keyed on this node (\(why.message)), so it cannot be checked against the key it was "
                + "submitted with (\(task.key.prefix(12))); nothing was run"
        }
        if here.key == task.key { return nil }
        var changes = here.changes(since: submitted)
        if changes.isEmpty { changes = ["key format changed"] }
        return "stage '\(name)' was submitted with key \(task.key.prefix(12)), and here its key is \(here.key.prefix(12)): "
            + changes.joined(separator: "; ")
            + " (it changed while the job waited, or this node's platform differs); nothing was run or stored: rerun to compute the new key"
    }
}
