import Foundation
import Synchronization

/// Child processes started by the stages of one run (the `shell` kind), so
/// that an interrupt can stop them: each runs in its own process group, and
/// `terminateAll` sends SIGTERM to every group, including any started later.
public final class ChildProcesses: Sendable {
    public init() {}
    private let pids = Mutex<Set<pid_t>>([])
    private let stopping = Atomic<Bool>(false)

    public func register(_ pid: pid_t) {
        pids.withLock { _ = $0.insert(pid) }
        if stopping.load(ordering: .acquiring) { kill(-pid, SIGTERM) }
    }

    public func unregister(_ pid: pid_t) { pids.withLock { _ = $0.remove(pid) } }

    public func terminateAll() {
        stopping.store(true, ordering: .releasing)
        for pid in pids.withLock({ Array($0) }) { kill(-pid, SIGTERM) }
    }
}
