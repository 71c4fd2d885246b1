import Foundation
import Parallel

/// posix_spawn of a command in its own process group (so an interrupt can
/// stop it and its children), with stdout/stderr sent to files, exactly the
/// environment given, and no file descriptor of repro's but 0-2 (so no child
/// ever holds repro's project lock or a cache file open).
enum Subprocess {
    /// Runs to completion; returns the exit status (128 + signal if killed).
    static func run(_ argv: [String], cwd: URL, env: [String: String], stdout: URL, stderr: URL,
                    processes: ChildProcesses) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        _ = spawnAddChdir(&actions, cwd.path)
        _ = spawnAddCloseFrom(&actions, 3)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attr, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)

        let envStrings = env.keys.sorted().map { "\($0)=\(env[$0]!)" }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = envStrings.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }

        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        guard rc == 0 else {
            throw StageFailure("cannot start '\(argv[0])': \(String(cString: strerror(rc))) (is it installed and on PATH?)")
        }
        processes.register(pid)
        defer { processes.unregister(pid) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw StageFailure("waitpid failed: \(String(cString: strerror(errno)))") }
        }
        // The child's CPU and peak memory (with its reaped descendants) belong to the running stage.
        func ns(_ t: timeval) -> Int { t.tv_sec * 1_000_000_000 + t.tv_usec * 1000 }
        CPUAccount.current?.addChild(cpuNanoseconds: ns(usage.ru_utime) + ns(usage.ru_stime), peakRSSKiB: usage.ru_maxrss)
        let termsig = status & 0x7f
        return termsig == 0 ? (status >> 8) & 0xff : 128 + termsig
    }
}

/// glibc's posix_spawn_file_actions_addchdir_np (2.29+), which Swift's Glibc
/// module does not import (it is behind _GNU_SOURCE).
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnAddChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+): close every
/// descriptor from `from` on in the child.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
