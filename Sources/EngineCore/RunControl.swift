import StageAPI
import Synchronization

/// Stopping one run (or one `check --rebuild`): a flag its loops poll, and the
/// child processes its stages started. Ctrl-C cancels (SIGTERM, then SIGKILL
/// after the grace period); a second Ctrl-C kills.
public final class RunControl: Sendable {
    public let processes = ChildProcesses()
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// No new stage starts; running ones are told to stop; finished work is kept.
    public func cancel() {
        flag.store(true, ordering: .releasing)
        processes.terminateAll()
    }

    /// The stages' processes are killed without grace.
    public func kill() {
        flag.store(true, ordering: .releasing)
        processes.killAll()
    }

    public var isCancelled: Bool { flag.load(ordering: .acquiring) }
}
