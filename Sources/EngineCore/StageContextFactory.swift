import Foundation
import StageAPI
import ProcessSpawn

extension Project {
    /// The context one stage runs in, wherever it runs (a run, `check
    /// --rebuild`, `exec-stage` on a Slurm node): built in this one place, so
    /// the three cannot drift apart.
    public func context(for i: Int, staging: URL, parallelism: Int, processes: ChildProcesses = ChildProcesses(),
                        upstream: [UpstreamStage] = [], noSandbox: Bool,
                        reporter: @escaping @Sendable (StageEvent) -> Void,
                        cancelled: @escaping @Sendable () -> Bool) -> StageContext {
        let stage = pipeline.stages[i]
        return StageContext(info: stage.info, params: Params(stage.spec.params), root: root, staging: staging,
                            parallelism: parallelism, processes: processes,
                            upstream: stage.kind.recordsProvenance ? upstream : [],
                            reporter: reporter, cancelled: cancelled, sandbox: sandbox(noSandbox: noSandbox))
    }
}

extension Pipeline.Stage {
    /// The stage's name as one file-name component: letters, digits, `-` and
    /// `_` kept, anything else `_`, and then (to keep distinct names distinct)
    /// the first 8 hex digits of the name's SHA-256.
    public var fileSafeName: String {
        let kept = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return kept == name ? name : kept + "-" + FileHasher.hash(data: Array(name.utf8)).prefix(8)
    }
}
