/// Every exit status a `repro` command ends with, in one place: the commands
/// throw these, and `repro --help` lists them from here.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    case stageFailed = 1
    case outOfDate = 2
    case outputsDiffer = 3
    case notDeterministic = 4
    case keyMismatch = 5
    case differences = 6
    case claimFlipped = 7
    case usage = 64
    case invalidInput = 65
    case interrupted = 130

    /// One line for the help text.
    public var meaning: String {
        switch self {
        case .success: "success (status: everything up to date)"
        case .stageFailed: "a stage failed (push/pull: a stage was not transferred)"
        case .outOfDate: "status: something is out of date"
        case .outputsDiffer: "verify: outputs on disk differ from repro.lock"
        case .notDeterministic: "check --rebuild: a stage is not deterministic"
        case .keyMismatch: "exec-stage: the task's key is not the stage's key here; nothing ran"
        case .differences: "diff: differences (no claim flipped)"
        case .claimFlipped: "diff: a claim flipped"
        case .usage: "usage error (unknown stage, stale binary, bad option)"
        case .invalidInput: "invalid input (pipeline.yaml: errors name file:line:column)"
        case .interrupted: "interrupted (Ctrl-C); finished stages are kept, the rest untouched"
        }
    }

    /// The help text's table.
    public static var table: String {
        allCases.map { "  " + String($0.rawValue).padding(toLength: 4, withPad: " ", startingAt: 0) + $0.meaning }.joined(separator: "\n")
    }
}
