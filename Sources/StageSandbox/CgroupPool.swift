import Foundation
import Synchronization

/// Cgroups made for sandboxed commands, kept for the next command rather
/// than made and removed for each one: on this project's machine (cgroup v1,
/// pids + memory) a fresh pair costs about 3 ms of a stage's wall time
/// (mkdir, limits, rmdir, which can answer EBUSY for a while after the last
/// process left), a kept one a read of `cgroup.procs`.
///
/// A set is handed out only when every one of its cgroups has no process
/// left; removing one (past `kept`) happens in the background, never on the
/// stage's path. Kept sets are removed when the process exits (`atexit`,
/// retrying while their last processes leave); those of a killed repro are
/// removed by the next one (`sweepAbandoned`).
enum CgroupPool {
    /// One command's cgroups (one per hierarchy) and the limits written into them.
    struct Lease: Sendable {
        var dirs: [String]
        var limits: String
    }

    private static let idle = Mutex<[Lease]>([])
    private static let registered = Atomic<Bool>(false)

    /// A kept set with these limits and no process left, else nil (the caller makes one).
    static func take(limits: String) -> Lease? {
        idle.withLock { sets in
            guard let i = sets.firstIndex(where: { $0.limits == limits && $0.dirs.allSatisfy(isEmpty) }) else { return nil }
            return sets.remove(at: i)
        }
    }

    /// At most this many sets are kept; more are removed (in the background).
    static let kept = 32

    /// Keeps `lease` for a later command. Its last processes may still be
    /// leaving (bwrap's outer process exits before the sandbox's init has
    /// finished tearing down its namespaces), so it is checked when taken.
    static func giveBack(_ lease: Lease) {
        if !registered.exchange(true, ordering: .acquiringAndReleasing) {
            atexit { CgroupPool.removeIdle() }
        }
        let surplus: Lease? = idle.withLock { sets in
            sets.append(lease)
            return sets.count > kept ? sets.removeFirst() : nil
        }
        if let surplus { removeInBackground(surplus.dirs) }
    }

    /// No process in the cgroup (its `cgroup.procs` is empty or gone).
    static func isEmpty(_ dir: String) -> Bool {
        let fd = open(dir + "/cgroup.procs", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var byte: UInt8 = 0
        return read(fd, &byte, 1) == 0
    }

    static func removeIdle() {
        for lease in idle.withLock({ sets in defer { sets = [] }; return sets }) {
            for d in lease.dirs { removeWaiting(d, tries: 50) }
        }
    }

    /// rmdir, retried every 10 ms while the kernel answers EBUSY (processes still leaving).
    static func removeWaiting(_ dir: String, tries: Int) {
        for _ in 0..<tries {
            if rmdir(dir) == 0 || errno != EBUSY { return }
            usleep(10_000)
        }
    }

    /// Removes cgroups whose processes are still leaving (the kernel answers
    /// EBUSY until they are gone), retrying for up to 2 s off the stage's path.
    static func removeInBackground(_ dirs: [String]) {
        DispatchQueue.global(qos: .utility).async {
            for d in dirs { removeWaiting(d, tries: 200) }
        }
    }

    /// Removes the empty cgroups named `repro-PID-N` under `base` whose repro
    /// (PID) is no longer running: what a killed run left.
    static func sweepAbandoned(under base: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return }
        for name in names where name.hasPrefix("repro-") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, let pid = pid_t(parts[1]), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { rmdir(base + "/" + name) }
        }
    }
}
