import StageAPI
import ProcessSpawn
/// CPUs on the local machine: each stage that runs is charged its CPU count
/// against `-j`, so `-j 2` never runs more than two CPUs' worth of threads.
///
/// A stage's count is its `resources: {cpus_per_task: N}` if declared (the
/// same key the Slurm executor asks for), else its kind's `defaultCPUs`
/// (nil: all of `-j`), never more than `-j`. It is also the
/// `context.parallelism` the stage is given. Restoring from the cache is
/// charged one CPU.
extension Pipeline.Stage {
    /// The CPUs this stage is charged when it runs with `-j jobs`.
    public func cpus(jobs: Int) -> Int {
        max(1, min(jobs, StageResources.cpusPerTask(spec.resources) ?? kind.defaultCPUs ?? jobs))
    }
}

enum StageResources {
    /// `cpus_per_task` of a stage's `resources:`, if it is a positive integer
    /// (anything else is refused when the pipeline is read).
    static func cpusPerTask(_ resources: Value.Object) -> Int? {
        if case .int(let n)? = resources["cpus_per_task"], n >= 1 { return n }
        return nil
    }

    /// Why a `resources:` value cannot be used, if it cannot.
    static func problem(_ resources: Value.Object) -> (key: String, message: String)? {
        if let v = resources["cpus_per_task"], cpusPerTask(resources) == nil {
            return ("cpus_per_task", "must be an integer ≥ 1, got \(v.canonicalJSON)")
        }
        return nil
    }
}
