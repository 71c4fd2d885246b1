import BuildInfo
import ConcatStages
import EngineCore
import RemoteCache
import ShellStages
import SlurmExecutor
import Stages

/// What this binary plugs into the engine: the stage kinds, the executor
/// types and the shared cache. The engine knows each only by its protocol;
/// adding an executor is a target and a line here.
enum Plugins {
    static let executors = ExecutorRegistry([LocalExecutorType(), SlurmExecutorType()])

    /// The sources this binary was built from and the package graph: every kind's code scope.
    static let code = CodeDigests(files: BuildInfo.sourceDigests, targets: BuildInfo.targets)

    static var registry: KindRegistry {
        KindRegistry([ShellKind(), CSVConcatKind()] + StageKinds.all, executors: executors, remote: RemoteBlock())
    }
}
