import StageAPI
import ProcessSpawn
/// Options of `repro all` / `repro run`.
public struct RunOptions: Sendable {
    public var jobs: Int
    public var keepGoing: Bool
    public var force: Bool
    public var dryRun: Bool
    public var allowStale: Bool
    public var executor: any StageExecutor
    /// Threads a stage may use for its own parallel work (default: `jobs`).
    public var threadsPerStage: Int?
    /// The shared cache read on a local miss (and written with `push: on-success`), if any.
    public var remote: (any SharedCache)?
    /// `--no-sandbox`: run `shell` stages unsandboxed whatever pipeline.yaml says.
    public var noSandbox = false

    public init(jobs: Int = 1, keepGoing: Bool = false, force: Bool = false, dryRun: Bool = false, allowStale: Bool = false,
                executor: any StageExecutor = LocalExecutor(), threadsPerStage: Int? = nil) {
        self.executor = executor
        self.threadsPerStage = threadsPerStage
        self.jobs = max(1, jobs)
        self.keepGoing = keepGoing
        self.force = force
        self.dryRun = dryRun
        self.allowStale = allowStale
    }
}

/// What happened to one stage.
public enum Outcome: Sendable, Equatable {
    /// Key and outputs match the lock: nothing to do.
    case upToDate
    /// Key seen before: outputs copied back from the cache.
    case restored
    /// Key found on the remote cache: outputs downloaded, verified, installed.
    case restoredRemote
    /// Ran the stage's code.
    case ran
    case failed(String)
    /// Not attempted because an upstream stage failed.
    case skipped(String)
    case cancelled
    /// Dry run: would be restored from the cache.
    case wouldRestore
    /// Dry run: would run.
    case wouldRun

    public var label: String {
        switch self {
        case .upToDate: "up to date"
        case .restored: "restored"
        case .restoredRemote: "restored (remote)"
        case .ran: "ran"
        case .failed: "FAILED"
        case .skipped: "skipped"
        case .cancelled: "cancelled"
        case .wouldRestore: "would restore"
        case .wouldRun: "would run"
        }
    }

    public var isFailure: Bool {
        switch self {
        case .failed, .skipped, .cancelled: true
        default: false
        }
    }
}

public struct StageResult: Sendable {
    public var name: String
    public var outcome: Outcome
    /// Why it was not up to date ("params changed: d: 10 -> 100", ...).
    public var reasons: [String]
    /// Wall time, for the summary only (never written to an output).
    public var seconds: Double
}

/// Receives the events of a run, possibly from several threads at once.
public protocol RunReporter: Sendable {
    func started(_ name: String, restoring: Bool, reasons: [String], position: Int, total: Int)
    func progress(_ name: String, fraction: Double, note: String)
    func log(_ name: String, _ line: String)
    func finished(_ result: StageResult, position: Int, total: Int)
    func message(_ text: String)
}

public struct RunSummary: Sendable {
    public var results: [StageResult]
    public var seconds: Double
    public var interrupted: Bool
    /// Stages that ran commands without the sandbox (`sandbox: none` or `--no-sandbox`).
    public var unsandboxed: [String] = []
    public var failed: Bool { interrupted || results.contains { $0.outcome.isFailure } }
    public func count(_ f: (Outcome) -> Bool) -> Int { results.filter { f($0.outcome) }.count }
}

extension RunSummary {
    /// A run in which all `n` stages were found up to date (`NoOpProof`'s shortcut).
    public static func upToDate(stages n: Int, seconds: Double) -> RunSummary {
        RunSummary(results: Array(repeating: StageResult(name: "", outcome: .upToDate, reasons: [], seconds: 0), count: n),
                   seconds: seconds, interrupted: false)
    }
}
