import Foundation
import Parallel

/// posix_spawn of a command in its own process group (so an interrupt can
/// stop it and its children, and whatever it leaves behind in that group is
/// killed when it exits), with stdout/stderr sent to files (or a pipe),
/// exactly the environment given, and no file descriptor of repro's but 0-2
/// (so no child ever holds repro's project lock or a cache file open).
enum Subprocess {
    /// Where the child's standard output and error go.
    enum Output {
        case files(stdout: URL, stderr: URL)
        /// Both into the write end of a pipe.
        case pipe(Int32)
    }

    /// Runs to completion; returns the exit status (128 + signal if killed).
    static func run(_ argv: [String], cwd: URL, env: [String: String], stdout: URL, stderr: URL,
                    processes: ChildProcesses) throws -> Int32 {
        let pid = try spawn(argv, cwd: cwd, env: env, output: .files(stdout: stdout, stderr: stderr))
        processes.register(pid)
        defer { processes.unregister(pid) }
        return try reap(pid)
    }

    /// Why `capture` stopped a command.
    enum CaptureLimit: Error, Equatable {
        case time(seconds: Double)
        case output(bytes: Int)
    }

    /// Runs with stdout and stderr captured together; kills the command (its
    /// whole process group) and throws `CaptureLimit` if it runs longer than
    /// `seconds` or writes more than `maxBytes`.
    static func capture(_ argv: [String], cwd: URL, env: [String: String], seconds: Double, maxBytes: Int,
                        processes: ChildProcesses) throws -> (status: Int32, output: Data) {
        var fds: [Int32] = [0, 0]
        // Other children close it anyway (closefrom(3) in every spawn).
        guard pipe(&fds) == 0 else { throw StageFailure("cannot make a pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        let pid: pid_t
        do { pid = try spawn(argv, cwd: cwd, env: env, output: .pipe(fds[1])) } catch {
            close(fds[0]); close(fds[1])
            throw error
        }
        close(fds[1])
        defer { close(fds[0]) }
        processes.register(pid)
        defer { processes.unregister(pid) }
        let deadline = Date().addingTimeInterval(seconds)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var limit: CaptureLimit?
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { limit = .time(seconds: seconds); break }
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(min(left * 1000, 1000).rounded(.up)))
            if r < 0 { if errno == EINTR { continue }; break }
            if r == 0 { continue }
            let n = read(fds[0], &buffer, buffer.count)
            if n < 0 { if errno == EINTR || errno == EAGAIN { continue }; break }
            if n == 0 { break }  // every writer has closed it
            data.append(contentsOf: buffer[0..<n])
            if data.count > maxBytes { limit = .output(bytes: maxBytes); break }
        }
        if let limit {
            kill(-pid, SIGKILL)
            _ = try? reap(pid)
            throw limit
        }
        return (try reap(pid), data)
    }

    private static func spawn(_ argv: [String], cwd: URL, env: [String: String], output: Output) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        switch output {
        case .files(let stdout, let stderr):
            posix_spawn_file_actions_addopen(&actions, 1, stdout.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if stderr == stdout {
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            } else {
                posix_spawn_file_actions_addopen(&actions, 2, stderr.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            }
        case .pipe(let fd):
            posix_spawn_file_actions_adddup2(&actions, fd, 1)
            posix_spawn_file_actions_adddup2(&actions, fd, 2)
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
        return pid
    }

    /// Waits for the command; returns its exit status (128 + signal if killed).
    private static func reap(_ pid: pid_t) throws -> Int32 {
        // When the command itself has exited (not yet reaped, so its pid and
        // process group cannot be reused), whatever it left running in its
        // group (`sleep &`) is killed: nothing of a stage outlives it.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 {
            guard errno == EINTR else { break }
        }
        kill(-pid, SIGKILL)
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
