import Foundation
import StageAPI
import ProcessSpawn

/// Where a stage's code runs. The engine decides *whether* a stage runs
/// (cache hits are resolved before an executor sees anything) and installs
/// the outputs afterwards; an executor only makes the declared outputs appear
/// in the context's staging directory, or throws.
public protocol StageExecutor: Sendable {
    var name: String { get }
    /// `key` is the key (and its fields) the engine computed for this run of
    /// the stage: an executor that runs it elsewhere hands it on, to be checked there.
    func execute(_ stage: Pipeline.Stage, context: StageContext, key: TaskKey, project: Project) throws
}

/// Runs the kind in this process (the default).
public struct LocalExecutor: StageExecutor {
    public init() {}
    public let name = "local"
    public func execute(_ stage: Pipeline.Stage, context: StageContext, key: TaskKey, project: Project) throws {
        try stage.run(context)
    }
}

extension Pipeline.Stage {
    /// Runs the stage's kind on the config its validation produced.
    public func run(_ context: StageContext) throws {
        try kind.run(validated: config, in: context)
    }
}
