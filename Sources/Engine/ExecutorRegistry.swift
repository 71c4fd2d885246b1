import Foundation

/// One way of running stages (`local`, `slurm`): the keys its `executor:`
/// block may hold, and how it becomes a `StageExecutor` for a run.
public protocol ExecutorType: Sendable {
    /// `type:` in the executor block, and `--executor` on the command line.
    var name: String { get }
    /// The keys of the `executor:` block it reads (besides `type`).
    var keys: [String] { get }
    /// Checks the block (throws `ParamError` naming the key).
    func validate(_ block: Params) throws
    /// The executor, with the run's default `-j` and threads per stage.
    func make(_ block: Params, context: ExecutorContext) throws -> (executor: any StageExecutor, jobs: Int?, threadsPerStage: Int?)
}

/// What an executor may need to know about the run that starts it.
public struct ExecutorContext: Sendable {
    public var pipelineFile: String
    public var noSandbox: Bool
    /// The run's `-j`, if given.
    public var jobs: Int?
    public init(pipelineFile: String, noSandbox: Bool, jobs: Int? = nil) {
        self.pipelineFile = pipelineFile
        self.noSandbox = noSandbox
        self.jobs = jobs
    }
}

/// The executor types a `repro` binary knows, by name (like `KindRegistry`).
public struct ExecutorRegistry: Sendable {
    private let types: [any ExecutorType]

    public init(_ types: [any ExecutorType]) { self.types = types }

    public static let standard = ExecutorRegistry([LocalExecutorType(), SlurmExecutorType()])

    public var names: [String] { types.map(\.name) }
    public subscript(name: String) -> (any ExecutorType)? { types.first { $0.name == name } }

    /// The executor a run uses: `--executor`, else the block's `type`, else local.
    public func chosen(_ override: String?, block: Value.Object) -> String {
        override ?? block["type"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? "local"
    }

    /// Problems with an `executor:` block, as (message, dotted key path, hint): an unknown
    /// type, keys that type does not read, a bad value. A block without `type:`
    /// holds settings for whichever executor `--executor` picks: its keys may be
    /// any known type's, each checked by the types that read it.
    func problems(_ block: Value.Object) -> [(message: String, key: String?, hint: String?)] {
        let explicit = block["type"] != nil
        let name = chosen(nil, block: block)
        guard let named = self[name] else {
            return [("executor: unknown type '\(name)'", "executor.type", "known types: \(names.joined(separator: ", "))")]
        }
        let candidates = explicit ? [named] : types
        var out: [(String, String?, String?)] = []
        for k in block.keys where k != "type" && !candidates.contains(where: { $0.keys.contains(k) }) {
            let allowed = Set(["type"] + candidates.flatMap(\.keys)).sorted().joined(separator: ", ")
            out.append(("unknown key '\(k)' in executor", "executor.\(k)", explicit ? "allowed keys for type \(name): \(allowed)" : "allowed keys: \(allowed)"))
        }
        for type in candidates where explicit || block.keys.contains(where: { type.keys.contains($0) }) {
            do { try type.validate(Params(block, path: "executor")) } catch let e as ParamError {
                out.append(("executor: \(e.message) (\(e.key))", e.key, nil))
            } catch {
                out.append(("executor: \(error)", nil, nil))
            }
        }
        return out
    }
}

/// In this process (the default).
public struct LocalExecutorType: ExecutorType {
    public init() {}
    public let name = "local"
    public let keys: [String] = []
    public func validate(_ block: Params) throws { _ = try block.string("type", default: "local") }
    public func make(_ block: Params, context: ExecutorContext) throws -> (executor: any StageExecutor, jobs: Int?, threadsPerStage: Int?) {
        (LocalExecutor(), nil, nil)
    }
}

/// Stages as Slurm jobs and job arrays (see `SlurmExecutor`).
public struct SlurmExecutorType: ExecutorType {
    public init() {}
    public let name = "slurm"
    /// Tasks in the queue at once unless `-j` says otherwise.
    public static let defaultJobs = 64
    public var keys: [String] { SlurmConfig.keys.filter { $0 != "type" } }
    public func validate(_ block: Params) throws { _ = try SlurmConfig(block) }
    public func make(_ block: Params, context: ExecutorContext) throws -> (executor: any StageExecutor, jobs: Int?, threadsPerStage: Int?) {
        let config = try SlurmConfig(block)
        let jobs = context.jobs ?? Self.defaultJobs
        return (SlurmExecutor(config: config, pipelineFile: context.pipelineFile, noSandbox: context.noSandbox, arrayThrottle: jobs),
                Self.defaultJobs, config.cpusPerTask ?? 1)
    }
}
