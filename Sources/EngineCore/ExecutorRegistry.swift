import Foundation
import StageAPI
import ProcessSpawn

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
    /// How `repro exec-stage` reads this executor's tasks on the node that runs
    /// them (each executor owns its task format); nil if it runs none elsewhere.
    var nodeTasks: (any NodeTaskSource)? { get }
}

extension ExecutorType {
    public var nodeTasks: (any NodeTaskSource)? { nil }
}

/// One stage to run on a node, as the coordinating repro described it.
public struct NodeTask: Sendable {
    public var stage: String
    /// Where the outputs go (inside the project's .repro/).
    public var staging: String
    public var threads: Int
    public var noSandbox: Bool
    /// The upstream stages' keys, for kinds that record provenance.
    public var upstream: [KeyFields.Dep]
    /// The key the coordinator computed (checked here: `TaskKeyCheck`).
    public var key: TaskKey
    /// Called once when the task ends, also when it fails: leaves what it cost
    /// (since the given start) where the coordinator reads it.
    public var finish: @Sendable (Date) -> Void
    public init(stage: String, staging: String, threads: Int, noSandbox: Bool, upstream: [KeyFields.Dep], key: TaskKey,
                finish: @escaping @Sendable (Date) -> Void = { _ in }) {
        self.finish = finish
        self.stage = stage
        self.staging = staging
        self.threads = threads
        self.noSandbox = noSandbox
        self.upstream = upstream
        self.key = key
    }
}

/// An executor's node side: finds the task this process was started for, and
/// leaves what it cost where the coordinator reads it.
public protocol NodeTaskSource: Sendable {
    /// Task `number` of the task file `index` (nil: the number the executor's
    /// environment gives, e.g. Slurm's array task id). Throws `NodeTaskError`.
    func task(index: URL, number: Int?, project: Project) throws -> NodeTask
}

/// Why a node cannot run its task; all are usage errors (exit 64).
public struct NodeTaskError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
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
    public let types: [any ExecutorType]

    public init(_ types: [any ExecutorType]) { self.types = types }

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
    public func problems(_ block: Value.Object) -> [(message: String, key: String?, hint: String?)] {
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

