import Foundation
import Synchronization

/// Child processes started by the stages of one run (the `shell` kind), so
/// that an interrupt can stop them: each runs in its own process group, and
/// `terminateAll` sends SIGTERM to every group, including any started later,
/// then SIGKILL to those still alive after a grace period. `killAll` (a second
/// Ctrl-C) does not wait. If repro itself dies, the sandbox's --die-with-parent
/// (or, unsandboxed, a parent-death signal) takes the children with it.
public final class ChildProcesses: Sendable {
    /// Time a stage's command gets to exit after SIGTERM before SIGKILL.
    public static let gracePeriod: Double = 3

    public init() {}
    private let pids = Mutex<Set<pid_t>>([])
    private let stopping = Atomic<Bool>(false)

    public func register(_ pid: pid_t) {
        pids.withLock { _ = $0.insert(pid) }
        if stopping.load(ordering: .acquiring) { kill(-pid, SIGTERM) }
    }

    public func unregister(_ pid: pid_t) { pids.withLock { _ = $0.remove(pid) } }

    public func terminateAll() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let first = pids.withLock { Array($0) }
        for pid in first { kill(-pid, SIGTERM) }
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.gracePeriod) { [self] in
            // Only groups that were already being stopped (and still run) get SIGKILL.
            for pid in pids.withLock({ Array($0) }) { kill(-pid, SIGKILL) }
        }
    }

    public func killAll() {
        stopping.store(true, ordering: .releasing)
        for pid in pids.withLock({ Array($0) }) { kill(-pid, SIGKILL) }
    }
}
