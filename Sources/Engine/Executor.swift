import Foundation

/// Where a stage's code runs. The engine decides *whether* a stage runs
/// (cache hits are resolved before an executor sees anything) and installs
/// the outputs afterwards; an executor only makes the declared outputs appear
/// in the context's staging directory, or throws.
public protocol StageExecutor: Sendable {
    var name: String { get }
    func execute(_ stage: Pipeline.Stage, context: StageContext, project: Project) throws
}

/// Runs the kind in this process (the default).
public struct LocalExecutor: StageExecutor {
    public init() {}
    public let name = "local"
    public func execute(_ stage: Pipeline.Stage, context: StageContext, project: Project) throws {
        try stage.run(context)
    }
}
