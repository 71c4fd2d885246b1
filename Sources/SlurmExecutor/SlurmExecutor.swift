import Foundation
import Synchronization
import EngineCore
import StageAPI
import ProcessSpawn

/// Hands each stage that must run to Slurm as a task running
/// `repro exec-stage` on a node, against the shared project directory. The
/// coordinating repro submits a stage only once its inputs exist (so cache
/// hits never reach the cluster), gathers stages that become ready together
/// into job arrays (`SlurmBatcher`), resubmits tasks lost to a node
/// (`SlurmRetryPolicy`), cancels with `scancel` on Ctrl-C, and alone verifies
/// outputs and writes the lock.
public struct SlurmExecutor: StageExecutor {
    public let name = "slurm"
    public let config: SlurmConfig
    public let pipelineFile: String
    /// `--no-sandbox`, passed on to `exec-stage` on the node.
    public let noSandbox: Bool
    let tools: SlurmTools
    /// K of `--array=0-N%K`: the run's `-j`.
    let arrayThrottle: Int
    private let batchers = SlurmBatchers()

    public init(config: SlurmConfig, pipelineFile: String, noSandbox: Bool = false, arrayThrottle: Int = 64,
                tools: SlurmTools = SlurmTools()) {
        self.config = config
        self.pipelineFile = pipelineFile
        self.noSandbox = noSandbox
        self.arrayThrottle = arrayThrottle
        self.tools = tools
    }

    public func execute(_ stage: Pipeline.Stage, context ctx: StageContext, key: TaskKey, project: Project) throws {
        let cfg = try config.merged(with: stage.spec.resources)
        let logs = project.reproDir.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let log = logs.appendingPathComponent("\(stage.fileSafeName).slurm.log")
        try? FileManager.default.removeItem(at: log)
        let batcher = batchers.batcher(for: project.tmpDir.appendingPathComponent("slurm")) {
            SlurmBatcher(tools: tools, window: config.arrays ? config.arrayWindow : 0, throttle: arrayThrottle,
                         pollSeconds: config.pollSeconds, workDir: $0)
        }
        let shape = SlurmJobShape(
            resourceArgs: cfg.resourceArgs,
            command: [cfg.binary ?? Self.currentBinary(), "exec-stage", "--executor", SlurmExecutorType().name, "-C", project.root.path, "--file", pipelineFile],
            chdir: project.root.path)
        let policy = cfg.retryPolicy
        for attempt in 1...(policy.retries + 1) {
            let request = SlurmRequest(
                stage: stage.name, order: project.pipeline.index(of: stage.name) ?? 0, threads: cfg.cpusPerTask ?? 1, noSandbox: noSandbox,
                // A provenance-recording kind is shown its upstream keys on the node exactly as it would be here.
                upstream: ctx.upstream.map { "\($0.name)=\($0.key)" }, key: key,
                cancelled: { ctx.isCancelled },
                progress: { ctx.progress(0, $0) },
                submitted: { ctx.log("submitted as Slurm job \($0)" + (attempt > 1 ? " (attempt \(attempt))" : "") + " (log: \(log.path))") })
            let a = try batcher.run(request, shape: shape)
            try? FileManager.default.removeItem(at: log)
            try? FileManager.default.copyItem(at: a.log, to: log)
            let usage = SlurmUsage.read(a.usage)
            let host = usage?.host ?? a.state.host ?? "unknown"
            // The node refused the task for a key mismatch: the stage changed while its job waited (never retried).
            let refusal = a.state.exitStatus == Int(TaskKeyCheck.exitStatus)
                ? LogTail.lastLines(of: a.log, count: 50).first { $0.hasPrefix(TaskKeyCheck.marker) } : nil
            let retry = refusal == nil && !a.state.succeeded && attempt <= policy.retries && policy.retries(a.state.state)
            ctx.reportAttempt(AttemptReport(
                attempt: attempt, host: host, start: usage?.start ?? a.submitted.timeIntervalSince1970,
                wallSeconds: usage?.wallSeconds ?? a.ended.timeIntervalSince(a.submitted), cpuSeconds: usage?.cpuSeconds,
                maxRSSKiB: usage?.maxRSSKiB, exitStatus: a.state.exitStatus, state: a.state.state, jobID: a.jobID,
                reason: a.state.succeeded ? nil : retry ? "\(a.state.state): resubmitted" : a.state.reason))
            if a.state.succeeded {
                try Self.moveOutputs(stage.spec.outs, from: a.staging, to: ctx.staging)
                return
            }
            if let refusal {
                throw StageFailure("Slurm job \(a.jobID) refused to run it: " + refusal.dropFirst(TaskKeyCheck.marker.count))
            }
            if retry {
                ctx.log("Slurm job \(a.jobID) ended \(a.state.state) on \(host) (attempt \(attempt) of \(policy.retries + 1)): resubmitting"
                        + " in a fresh staging directory")
                continue
            }
            let tail = LogTail.tail(of: log, lines: 15)
            let tries = attempt > 1 ? " on attempt \(attempt) of \(policy.retries + 1)" : ""
            let hint = policy.retries > 0 && !policy.retries(a.state.state) && a.state.state != "CANCELLED"
                ? " (not retried: \(a.state.state) is retried only if listed in retry_on)" : ""
            throw StageFailure("Slurm job \(a.jobID) ended \(a.state.state) (exit \(a.state.exitCode))\(tries)\(hint); log \(log.path)"
                               + (tail.isEmpty ? "" : ":\n" + tail))
        }
    }

    /// Moves the declared outputs an attempt wrote into the runner's staging
    /// directory (which then checks them); a missing one is left for that check to name.
    static func moveOutputs(_ outs: [String], from src: URL, to dst: URL) throws {
        for out in outs {
            let from = src.appendingPathComponent(out), to = dst.appendingPathComponent(out)
            var st = stat()
            guard lstat(from.path, &st) == 0 else { continue }
            try FileManager.default.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard rename(from.path, to.path) == 0 else {
                throw StageFailure("cannot move the output '\(out)' out of \(src.path): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func currentBinary() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// One batcher per project work directory, made on first use (an executor is
/// made before the project it runs is known).
final class SlurmBatchers: Sendable {
    // Keyed by path: equal file URLs need not hash alike.
    private let byDir = Mutex<[String: SlurmBatcher]>([:])
    func batcher(for dir: URL, _ make: (URL) -> SlurmBatcher) -> SlurmBatcher {
        byDir.withLock { m in
            if let b = m[dir.path] { return b }
            let b = make(dir)
            m[dir.path] = b
            return b
        }
    }
}
