import Foundation

/// A kind of stage (`ode`, `figure`, `shell`, ...): the code that turns a
/// stage's params and inputs into its outputs. Kinds are registered by name in
/// a `KindRegistry`; the engine knows nothing else about them.
///
/// `validate` reads the params once into a typed `Config`; the engine keeps
/// that value and hands it to `run`, so what was checked is exactly what runs
/// (a param cannot be read one way at validation and another way at run time).
///
/// Contract: `run` must be a pure function of (config, input bytes, the
/// kind's code): same inputs, same output bytes, whatever the machine load,
/// `-j`, or time of day. It writes only the paths `context.output(_:)` gives.
public protocol StageKind: Sendable {
    /// What `validate` makes of a stage's params and `run` receives.
    associatedtype Config: Sendable
    /// The name used as `kind:` in pipeline.yaml.
    var name: String { get }
    /// One line for `repro kinds` and error messages.
    var summary: String { get }
    /// The package target whose code determines this kind's outputs. The kind's
    /// code scope is that target's sources and those of every target it depends
    /// on, read off the package graph the build embeds (`CodeDigests`); their
    /// digest is part of every key of this kind, so editing any of them reruns
    /// this kind's stages and only theirs. Default: the module the conforming
    /// type is declared in; no kind lists files.
    var codeTarget: String { get }
    /// Reads and checks every parameter before any stage runs, bounding what the
    /// stage will allocate; throws `ParamError` naming the parameter. Parameters
    /// it never reads are reported as unknown.
    func validate(_ params: Params, stage: StageInfo) throws -> Config
    /// Produces the declared outputs from what `validate` returned for this stage.
    func run(_ config: Config, in context: StageContext) throws
    /// Whether the stage is shown the keys and params of the stages it reads
    /// from (`StageContext.upstream`), e.g. to print provenance. Those keys
    /// then become part of its own key. Default: false.
    var recordsProvenance: Bool { get }
    /// Extra checks `repro verify` runs on the stage's committed outputs
    /// (e.g. claims that must hold), with paths relative to the project
    /// `root`; returns problems, empty if none.
    func verify(root: URL, stage: StageInfo, params: Params) throws -> [String]
    /// What the outputs depend on beyond code, params and inputs: facts about
    /// the platform (the GSL version, the instruction-set level the binary is
    /// built for, an interpreter's version). They are key fields, so a cache
    /// shared between machines never mixes platforms. Default: none.
    func platform(_ params: Params, stage: StageInfo) throws -> [PlatformFact]
    /// The CPUs a stage of this kind is charged against `-j` when its
    /// `resources:` declare no `cpus_per_task`: nil for all of `-j` (kinds
    /// that spread their own work over `context.parallelism` threads), else
    /// that many (a kind that runs on one thread). Default: nil.
    var defaultCPUs: Int? { get }
    /// Files the stage reads that its params name (paths, or stages whose outputs
    /// they are: see `StageOutputs`), added to its declared deps. Default: none.
    func derivedDeps(_ params: Params, outputs: StageOutputs) throws -> [String]
    /// How to write the kind's params, for `repro kinds NAME` (empty: see its first code file).
    var help: String { get }
    /// See the default in the extension below.
    var runsCommands: Bool { get }
}

extension StageKind {
    public var codeTarget: String { Self.module }
    /// The module `Self` is declared in (a Swift module is its SwiftPM target).
    public static var module: String {
        String(String(reflecting: Self.self).prefix { $0 != "." })
    }
    /// Whether its stages run host commands that the sandbox confines (`shell`):
    /// a run that lets them out unsandboxed says so in its summary. Default: false.
    public var runsCommands: Bool { false }
    public var recordsProvenance: Bool { false }
    public func verify(root: URL, stage: StageInfo, params: Params) throws -> [String] { [] }
    public func platform(_ params: Params, stage: StageInfo) throws -> [PlatformFact] { [] }
    public var defaultCPUs: Int? { nil }
    public func derivedDeps(_ params: Params, outputs: StageOutputs) throws -> [String] { [] }
    public var help: String { "" }

    /// `run` for a config that arrives type-erased, as the registry holds kinds
    /// as existentials: it must be what this kind's `validate` returned.
    public func run(validated config: any Sendable, in context: StageContext) throws {
        guard let config = config as? Config else {
            throw StageFailure("internal error: stage '\(context.name)' was not validated by kind '\(name)'")
        }
        try run(config, in: context)
    }

    /// Validates the context's params and runs with the result, for callers
    /// that hold no validated pipeline (tests, one-off tools).
    public func validateAndRun(_ context: StageContext) throws {
        try run(try validate(context.params, stage: context.info), in: context)
    }
}

/// A stage this one reads from, as shown to kinds that record provenance.
public struct UpstreamStage: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var key: String
    /// Canonical JSON.
    public var params: String
    public var outs: [String]
    public init(name: String, kind: String, key: String, params: String, outs: [String]) {
        self.name = name
        self.kind = kind
        self.key = key
        self.params = params
        self.outs = outs
    }
}

/// What a kind may know about a stage at validation time.
public struct StageInfo: Sendable {
    public let name: String
    public let deps: [String]
    public let outs: [String]
    /// Every stage's outputs, for params that name a stage instead of a file (at validation).
    public let outputs: StageOutputs
    /// The sandbox commands run in at key time (`shell`'s fingerprints), and
    /// the project directory it hides.
    public var sandbox: SandboxPolicy = .standard
    public var projectRoot: String = "/nonexistent"
    public init(name: String, deps: [String], outs: [String], outputs: StageOutputs = StageOutputs()) {
        self.name = name
        self.deps = deps
        self.outs = outs
        self.outputs = outputs
    }
}

/// The world of one running stage: its params, where to read inputs and
/// write outputs, and a channel for progress and log lines.
public final class StageContext: Sendable {
    public let info: StageInfo
    public let params: Params
    /// Project root: inputs are read relative to it.
    public let root: URL
    /// Staging directory: outputs are written here and moved into place only
    /// when the stage succeeds.
    public let staging: URL
    /// Worker threads the stage may use for its own parallel work: the CPUs
    /// it is charged against `-j` (see `StageKind.defaultCPUs`). Results must
    /// not depend on it.
    public let parallelism: Int
    /// Child processes of this run, stopped on interrupt (see `ShellKind`).
    public let processes: ChildProcesses
    /// The stages this one reads from (filled only for kinds with `recordsProvenance`).
    public let upstream: [UpstreamStage]
    /// How `shell` commands are isolated (the pipeline's `sandbox:`, or `--no-sandbox`).
    public let sandbox: SandboxPolicy
    private let reporter: @Sendable (StageEvent) -> Void
    private let cancelled: @Sendable () -> Bool

    public init(info: StageInfo, params: Params, root: URL, staging: URL, parallelism: Int,
                processes: ChildProcesses = ChildProcesses(), upstream: [UpstreamStage] = [],
                reporter: @escaping @Sendable (StageEvent) -> Void,
                cancelled: @escaping @Sendable () -> Bool, sandbox: SandboxPolicy = .standard) {
        self.info = info
        self.params = params
        self.root = root
        self.staging = staging
        self.parallelism = max(1, parallelism)
        self.processes = processes
        self.upstream = upstream
        self.sandbox = sandbox
        self.reporter = reporter
        self.cancelled = cancelled
    }

    public var name: String { info.name }

    /// Where a command a stage runs writes its output (beside the staging
    /// directory, not in it): the engine keeps it in the stage's log.
    public static func commandLog(staging: URL) -> URL {
        URL(fileURLWithPath: staging.deletingLastPathComponent().appendingPathComponent(staging.lastPathComponent).path + ".log")
    }

    /// The file to read for a declared dependency.
    public func input(_ path: String) throws -> URL {
        guard info.deps.contains(path) else {
            throw StageFailure("reads '\(path)', which is not among its deps: declare it in pipeline.yaml")
        }
        return root.appendingPathComponent(path)
    }

    /// The file to write for a declared output (its directory is created).
    public func output(_ path: String) throws -> URL {
        guard info.outs.contains(path) else {
            throw StageFailure("writes '\(path)', which is not among its outs: declare it in pipeline.yaml")
        }
        let url = staging.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        return url
    }

    /// Progress of a long stage, 0...1, with an optional short note.
    public func progress(_ fraction: Double, _ note: String = "") {
        reporter(.progress(fraction: min(max(fraction, 0), 1), note: note))
    }

    /// A line for the stage's log (shown prefixed by the stage name).
    public func log(_ line: String) { reporter(.log(line)) }

    /// An executor's account of one attempt (host, CPU, memory, state), for `.repro/runs.jsonl`.
    public func reportAttempt(_ report: AttemptReport) { reporter(.attempt(report)) }

    public var isCancelled: Bool { cancelled() }

    /// Throws `StageCancelled` if the run is being interrupted (Ctrl-C).
    public func checkCancellation() throws {
        if cancelled() { throw StageCancelled() }
    }
}

public enum StageEvent: Sendable {
    case progress(fraction: Double, note: String)
    case log(String)
    case attempt(AttemptReport)
}

/// A stage failed for a reason its kind explains (no file/line: the engine
/// adds the stage name).
public struct StageFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct StageCancelled: Error, Sendable {
    public init() {}
}
