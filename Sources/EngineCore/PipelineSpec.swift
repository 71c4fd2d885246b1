import StageAPI
import ProcessSpawn
/// pipeline.yaml after parsing and matrix expansion: concrete stages, each
/// with the source locations its errors will point at.
public struct PipelineSpec: Sendable {
    public var file: String
    public var stages: [StageSpec]
    /// The `executor:` block (see `SlurmConfig`), empty if absent.
    public var executor: Value.Object = .init()
    public var executorLocation: SourceLocation?
    /// The `remote:` block (read by the registered `PipelineBlockType`), empty if absent.
    public var remote: Value.Object = .init()
    public var remoteLocation: SourceLocation?
    /// Where each key of the `executor:` and `remote:` blocks is ("remote.url").
    public var blockKeys: [String: SourceLocation] = [:]
    /// The `sandbox:` setting for `shell` stages.
    public var sandbox: SandboxPolicy = .standard
    /// `host_inputs:` directories outside the project that a dep may be a
    /// symlink into (by default, none: see `DepPaths`).
    public var hostInputs: [String] = []
}

public struct StageSpec: Sendable {
    /// Unique name; matrix instances are `base@var=value,...`.
    public var name: String
    /// The `stages:` entry it came from (equal to `name` without a matrix).
    public var baseName: String
    public var kind: String
    public var params: Value.Object
    public var deps: [String]
    public var outs: [String]
    public var description: String?
    /// Scheduler resources (`resources:`), used by the Slurm executor.
    public var resources: Value.Object = .init()
    public var locations: Locations

    public struct Locations: Sendable {
        public var stage: SourceLocation
        public var kind: SourceLocation?
        public var params: SourceLocation?
        /// Dotted parameter path ("target.mu", "seeds[1]") to the key's location.
        public var paramKeys: [String: SourceLocation] = [:]
        public var deps: [SourceLocation] = []
        public var outs: [SourceLocation] = []
    }

    /// The best location for an error about parameter `key`: the key itself,
    /// else its nearest enclosing key, else `params:`.
    public func location(ofParam key: String) -> SourceLocation {
        var k = key
        while !k.isEmpty {
            if let loc = locations.paramKeys[k] { return loc }
            if let cut = k.lastIndex(where: { $0 == "." || $0 == "[" }) { k = String(k[..<cut]) } else { break }
        }
        return locations.params ?? locations.stage
    }
}
