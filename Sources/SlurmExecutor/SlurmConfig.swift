import Foundation
import EngineCore
import StageAPI
import ProcessSpawn

/// Settings of the Slurm executor: the `executor:` block of pipeline.yaml,
///
///     executor:
///       type: slurm              # or pass --executor slurm
///       partition: debug
///       time: "00:30:00"
///       cpus_per_task: 2
///       mem: 4G
///       sbatch_args: ["--qos=short"]
///       poll_seconds: 1
///       retries: 2               # resubmit after NODE_FAIL, PREEMPTED, BOOT_FAIL
///       retry_on: [timeout]      # also after TIMEOUT (or failed, out_of_memory)
///       arrays: true             # stages ready together go as one job array
///       array_window: 0.2        # seconds to wait for more ready stages
///
/// and per-stage overrides in a stage's `resources:` (cpus_per_task, mem, time,
/// partition, retries, retry_on).
public struct SlurmConfig: Sendable, Equatable {
    public var partition: String?
    public var time: String?
    public var cpusPerTask: Int?
    public var mem: String?
    public var sbatchArgs: [String] = []
    public var pollSeconds: Double = 1
    /// The repro binary the jobs run (default: this one; must be reachable from the nodes).
    public var binary: String?
    /// How many times a task that ended in a retryable state is resubmitted.
    public var retries = 0
    /// States retried besides the node failures (`SlurmRetryPolicy`).
    public var retryOn: [String] = []
    /// Submit the stages that become ready together as one job array.
    public var arrays = true
    /// A batch is submitted once no further stage arrived for this long (or 10× this after its first).
    public var arrayWindow = 0.2

    public init() {}

    static let keys = ["array_window", "arrays", "binary", "cpus_per_task", "mem", "partition", "poll_seconds",
                       "retries", "retry_on", "sbatch_args", "time", "type"]

    /// Reads the `executor:` block (already checked for unknown keys by the parser).
    public init(_ p: Params) throws {
        _ = try p.string("type", default: "slurm")
        partition = p.has("partition") ? try p.string("partition") : nil
        time = p.has("time") ? try p.string("time") : nil
        cpusPerTask = p.has("cpus_per_task") ? try p.check("cpus_per_task", try p.int("cpus_per_task"), "must be ≥ 1") { $0 >= 1 } : nil
        mem = p.has("mem") ? try p.string("mem") : nil
        sbatchArgs = try p.strings("sbatch_args", default: [])
        pollSeconds = try p.check("poll_seconds", try p.double("poll_seconds", default: 1), "must be > 0") { $0 > 0 }
        binary = p.has("binary") ? try p.string("binary") : nil
        try readRetries(p)
        arrays = try p.bool("arrays", default: true)
        arrayWindow = try p.check("array_window", try p.double("array_window", default: 0.2), "must be between 0 and 60 seconds") {
            $0 >= 0 && $0 <= 60
        }
    }

    private mutating func readRetries(_ p: Params) throws {
        if p.has("retries") { retries = try p.check("retries", try p.int("retries"), "must be between 0 and 100") { $0 >= 0 && $0 <= 100 } }
        if p.has("retry_on") {
            retryOn = try p.strings("retry_on")
            for s in retryOn where !SlurmRetryPolicy.optional.keys.contains(s) {
                throw ParamError(key: p.fullKey("retry_on"),
                                 "entries must be one of \(SlurmRetryPolicy.optional.keys.sorted().joined(separator: ", ")), got '\(s)'")
            }
        }
    }

    /// The stage's `resources:` on top of these defaults.
    func merged(with resources: Value.Object) throws -> SlurmConfig {
        var c = self
        let p = Params(resources, path: "resources")
        if p.has("partition") { c.partition = try p.string("partition") }
        if p.has("time") { c.time = try p.string("time") }
        if p.has("cpus_per_task") { c.cpusPerTask = try p.check("cpus_per_task", try p.int("cpus_per_task"), "must be ≥ 1") { $0 >= 1 } }
        if p.has("mem") { c.mem = try p.string("mem") }
        try c.readRetries(p)
        return c
    }

    /// The sbatch options that set the job's resources: stages with equal ones may share an array.
    var resourceArgs: [String] {
        var args: [String] = []
        if let p = partition { args.append("--partition=\(p)") }
        if let t = time { args.append("--time=\(t)") }
        if let c = cpusPerTask { args.append("--cpus-per-task=\(c)") }
        if let m = mem { args.append("--mem=\(m)") }
        return args + sbatchArgs
    }

    var retryPolicy: SlurmRetryPolicy { SlurmRetryPolicy(retries: retries, extra: retryOn) }
}

/// Which final states send a task back to the queue. Node failures
/// (NODE_FAIL, PREEMPTED, BOOT_FAIL) say nothing about the stage, so they are
/// retried whenever `retries` allows; a stage's own failure (FAILED,
/// OUT_OF_MEMORY) or a TIMEOUT would likely happen again, so only if listed in `retry_on`.
struct SlurmRetryPolicy: Sendable, Equatable {
    static let always: Set<String> = ["NODE_FAIL", "PREEMPTED", "BOOT_FAIL"]
    static let optional: [String: String] = ["timeout": "TIMEOUT", "failed": "FAILED", "out_of_memory": "OUT_OF_MEMORY"]

    var retries: Int
    var extra: [String]

    func retries(_ state: String) -> Bool {
        Self.always.contains(state) || extra.contains { Self.optional[$0] == state }
    }
}
