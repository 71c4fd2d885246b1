/// The stage kinds a `repro` binary knows, by name.
public struct KindRegistry: Sendable {
    private var byName: [String: any StageKind] = [:]

    public init(_ kinds: [any StageKind] = []) {
        for k in kinds { register(k) }
    }

    public mutating func register(_ kind: any StageKind) {
        precondition(byName[kind.name] == nil, "stage kind '\(kind.name)' registered twice")
        byName[kind.name] = kind
    }

    public subscript(name: String) -> (any StageKind)? { byName[name] }

    /// Kind names, sorted.
    public var names: [String] { byName.keys.sorted() }
}
