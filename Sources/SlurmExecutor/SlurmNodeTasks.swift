import EngineCore
import Foundation
import StageAPI

/// The node side of the Slurm executor: `repro exec-stage --index FILE` picks
/// its task by `SLURM_ARRAY_TASK_ID` (0 for a plain job), and leaves its
/// `SlurmUsage` beside the staging directory when it ends.
public struct SlurmNodeTasks: NodeTaskSource {
    public init() {}

    public func task(index: URL, number: Int?, project: Project) throws -> NodeTask {
        let env = ProcessInfo.processInfo.environment["SLURM_ARRAY_TASK_ID"]
        guard let n = number ?? (env.map { Int($0) } ?? 0) else {
            throw NodeTaskError("SLURM_ARRAY_TASK_ID is '\(env ?? "")', not a task number")
        }
        let spec: SlurmTask
        do { spec = try SlurmIndex.task(n, in: index) } catch { throw NodeTaskError("\(error)") }
        // The index file is on a shared filesystem: trust no path in it.
        let staging = try Self.inside(project, spec.staging, what: "the staging directory")
        let usage = spec.usage.isEmpty ? nil : try Self.inside(project, spec.usage, what: "the usage file")
        // STAGE=KEY: a key has no '=', a matrix stage's name may.
        let upstream = spec.upstream.compactMap { arg -> KeyFields.Dep? in
            guard let eq = arg.lastIndex(of: "=") else { return nil }
            return KeyFields.Dep(path: String(arg[..<eq]), sha256: String(arg[arg.index(after: eq)...]))
        }
        return NodeTask(stage: spec.stage, staging: staging.path, threads: spec.threads, noSandbox: spec.noSandbox,
                        upstream: upstream, key: spec.key,
                        finish: { start in if let usage { try? SlurmUsage.measure(since: start).write(to: usage) } })
    }

    /// `path`, which must lie inside the project's .repro/.
    static func inside(_ project: Project, _ path: String, what: String) throws -> URL {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard url.path.hasPrefix(project.reproDir.path + "/") else {
            throw NodeTaskError("\(what) must be inside \(project.reproDir.path)")
        }
        return url
    }
}
