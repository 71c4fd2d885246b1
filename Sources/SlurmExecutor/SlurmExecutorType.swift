import EngineCore
import StageAPI

/// Stages as Slurm jobs and job arrays (see `SlurmExecutor`).
public struct SlurmExecutorType: ExecutorType {
    public init() {}
    public let name = "slurm"
    /// Tasks in the queue at once unless `-j` says otherwise.
    public static let defaultJobs = 64
    public var keys: [String] { SlurmConfig.keys.filter { $0 != "type" } }
    public var nodeTasks: (any NodeTaskSource)? { SlurmNodeTasks() }
    public func validate(_ block: Params) throws { _ = try SlurmConfig(block) }
    public func make(_ block: Params, context: ExecutorContext) throws -> (executor: any StageExecutor, jobs: Int?, threadsPerStage: Int?) {
        let config = try SlurmConfig(block)
        let jobs = context.jobs ?? Self.defaultJobs
        return (SlurmExecutor(config: config, pipelineFile: context.pipelineFile, noSandbox: context.noSandbox, arrayThrottle: jobs),
                Self.defaultJobs, config.cpusPerTask ?? 1)
    }
}
