import StageAPI

/// What a `repro` binary knows, registered by its CLI: stage kinds by name,
/// the executor types a run may use, and the shared cache that reads the
/// pipeline's `remote:` block. The engine knows each only through its protocol.
public struct KindRegistry: Sendable {
    private var byName: [String: any StageKind] = [:]
    /// `executor:` types; by default only `local`.
    public var executors = ExecutorRegistry([LocalExecutorType()])
    /// The reader of `remote:`, if the binary has a shared cache.
    public var remote: (any PipelineBlockType)?

    public init(_ kinds: [any StageKind] = [], executors: ExecutorRegistry? = nil, remote: (any PipelineBlockType)? = nil) {
        for k in kinds { register(k) }
        if let executors { self.executors = executors }
        self.remote = remote
    }

    public mutating func register(_ kind: any StageKind) {
        precondition(byName[kind.name] == nil, "stage kind '\(kind.name)' registered twice")
        byName[kind.name] = kind
    }

    public subscript(name: String) -> (any StageKind)? { byName[name] }

    /// Kind names, sorted.
    public var names: [String] { byName.keys.sorted() }
}

/// A top-level block of pipeline.yaml that a plug-in reads (the shared
/// cache's `remote:`): its keys, and a check that throws `ParamError`.
public protocol PipelineBlockType: Sendable {
    var keys: [String] { get }
    /// Appended to the "allowed keys" hint (e.g. where credentials go).
    var hint: String { get }
    func validate(_ block: Params) throws
}
