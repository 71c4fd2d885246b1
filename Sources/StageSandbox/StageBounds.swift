import Foundation
import Synchronization
import StageAPI
import ProcessSpawn

/// Bounds on what one sandboxed command (a `shell` stage, or a fingerprint)
/// may take of the machine: at most `sandbox.max_processes` processes and
/// `sandbox.max_memory_mb` of memory. Where the kernel lets repro make a
/// cgroup (cgroup v2 with the pids and memory controllers delegated to
/// repro's cgroup, or the v1 pids and memory hierarchies writable, as for
/// root on most machines), the command runs in one of its own: `pids.max`
/// and `memory.max` (v1: `memory.limit_in_bytes`) bound it and every
/// descendant. Otherwise resource limits are set (util-linux `prlimit`):
/// `RLIMIT_AS` (address space, per process) and, for a user other than root
/// (for whom the kernel ignores it), `RLIMIT_NPROC`, which counts all of that
/// user's processes. The sandbox's /tmp is bounded separately (its tmpfs size).
package struct StageBounds {
    /// Put before the command's argv.
    package let prefix: [String]
    /// The cgroups it runs in (from `CgroupPool`), given back by `release`.
    let lease: CgroupPool.Lease?

    /// Gives the command's cgroups back to the pool. Its last processes may
    /// still be leaving (bwrap's init tears its namespaces down after bwrap
    /// exits): the pool hands a cgroup out again only once it is empty, so
    /// this never waits.
    package func release() {
        if let lease { CgroupPool.giveBack(lease) }
    }

    package static func make(_ policy: SandboxPolicy) -> StageBounds {
        let memoryBytes = Int64(policy.maxMemoryMB) * 1_048_576
        if let hierarchy = cgroupHierarchy {
            let limits = "pids \(policy.maxProcesses) memory \(memoryBytes)"
            if let lease = CgroupPool.take(limits: limits) ?? makeCgroups(hierarchy, policy: policy, memoryBytes: memoryBytes, limits: limits) {
                let procs = lease.dirs.map { $0 + "/cgroup.procs" }
                let script = procs.indices.map { "echo $$ > \"$\($0 + 1)\"" }.joined(separator: " && ") + " && shift \(procs.count) && exec \"$@\""
                return StageBounds(prefix: ["/bin/sh", "-c", script, "sh"] + procs, lease: lease)
            }
        }
        guard let prlimit else { return StageBounds(prefix: [], lease: nil) }
        return StageBounds(prefix: [prlimit, "--as=\(memoryBytes)"] + (getuid() == 0 ? [] : ["--nproc=\(policy.maxProcesses)"]) + ["--"],
                           lease: nil)
    }

    /// A new set of cgroups (one per hierarchy) with the policy's limits, or nil if one cannot be made.
    private static func makeCgroups(_ hierarchy: Hierarchy, policy: SandboxPolicy, memoryBytes: Int64, limits: String) -> CgroupPool.Lease? {
        let name = "repro-\(getpid())-\(counter.add(1, ordering: .relaxed).newValue)"
        var made: [String] = []
        for d in hierarchy.dirs {
            let dir = d.base + "/" + name
            guard mkdir(dir, 0o755) == 0 else { break }
            made.append(dir)
            guard d.files(processes: policy.maxProcesses, memory: memoryBytes).allSatisfy({ write($0.1, to: dir + "/" + $0.0) }) else { break }
        }
        guard made.count == hierarchy.dirs.count else {
            made.forEach { rmdir($0) }
            return nil
        }
        return CgroupPool.Lease(dirs: made, limits: limits)
    }

    /// What bounds this machine gets, for messages and the README's claims.
    package static var mechanism: String {
        cgroupHierarchy.map { "a cgroup per command (\($0.label))" } ?? (prlimit == nil ? "none (no cgroup, no prlimit)" : "resource limits (prlimit)")
    }

    private static let counter = Atomic<Int>(0)

    private static let prlimit: String? = ["/usr/bin/prlimit", "/bin/prlimit"].first { FileManager.default.isExecutableFile(atPath: $0) }

    private static func write(_ value: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return value.withCString { Glibc.write(fd, $0, strlen($0)) } >= 0
    }

    private struct Hierarchy: Sendable {
        var label: String
        var dirs: [Dir]
    }

    /// A directory under which a command's cgroup is made, and the names of its limit files.
    private struct Dir: Sendable {
        var base: String
        var pidsFile: String?
        var memoryFile: String?

        func files(processes: Int, memory: Int64) -> [(String, String)] {
            (pidsFile.map { [($0, "\(processes)")] } ?? []) + (memoryFile.map { [($0, "\(memory)")] } ?? [])
        }
    }

    /// The cgroup directories repro may make children in, found once (and tried with a probe).
    private static let cgroupHierarchy: Hierarchy? = {
        guard let cgroupFile = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
              let mountinfo = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        // (hierarchy root, mount point, fstype, super options) of each cgroup mount.
        let mounts: [(root: String, point: String, type: String, options: [Substring])] = mountinfo.split(separator: "\n").compactMap { line in
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { return nil }
            let f = halves[0].split(separator: " "), g = halves[1].split(separator: " ")
            guard f.count >= 5, g.count >= 3, g[0].hasPrefix("cgroup") else { return nil }
            return (String(f[3]), String(f[4]), String(g[0]), g[2].split(separator: ","))
        }
        let memberships = cgroupFile.split(separator: "\n").map { $0.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false) }
        func dir(mount: (root: String, point: String, type: String, options: [Substring]), path: Substring) -> String {
            var p = String(path)
            if mount.root != "/", p.hasPrefix(mount.root) { p = String(p.dropFirst(mount.root.count)) }
            return mount.point + (p == "/" ? "" : p)
        }
        func probe(_ h: Hierarchy) -> Hierarchy? {
            h.dirs.forEach { CgroupPool.sweepAbandoned(under: $0.base) }
            var made: [String] = []
            defer { made.forEach { rmdir($0) } }
            for dir in h.dirs {
                let d = dir.base + "/repro-probe-\(getpid())"
                guard mkdir(d, 0o755) == 0 else { return nil }
                made.append(d)
                for (file, value) in dir.files(processes: 4096, memory: 1 << 40) where !write(value, to: d + "/" + file) { return nil }
            }
            return h
        }
        // cgroup v2: pids and memory enabled for the children of repro's cgroup.
        if let v2 = mounts.first(where: { $0.type == "cgroup2" }), let m = memberships.first(where: { $0.count == 3 && $0[0] == "0" }) {
            let base = dir(mount: v2, path: m[2])
            let enabled = ((try? String(contentsOfFile: base + "/cgroup.subtree_control", encoding: .utf8)) ?? "").split(whereSeparator: \.isWhitespace)
            if enabled.contains("pids"), enabled.contains("memory"),
               let h = probe(Hierarchy(label: "cgroup v2", dirs: [Dir(base: base, pidsFile: "pids.max", memoryFile: "memory.max")])) {
                return h
            }
        }
        // cgroup v1: the pids and memory hierarchies.
        var dirs: [Dir] = []
        for (controller, pidsFile, memoryFile) in [("pids", "pids.max", nil), ("memory", nil, "memory.limit_in_bytes")] {
            guard let mount = mounts.first(where: { $0.type == "cgroup" && $0.options.contains(Substring(controller)) }),
                  let m = memberships.first(where: { $0.count == 3 && $0[1].split(separator: ",").contains(Substring(controller)) })
            else { return nil }
            dirs.append(Dir(base: dir(mount: mount, path: m[2]), pidsFile: pidsFile, memoryFile: memoryFile))
        }
        return probe(Hierarchy(label: "cgroup v1", dirs: dirs))
    }()
}
