import Foundation
import StageAPI
import Parallel

/// posix_spawn of a command in its own process group (so an interrupt can
/// stop it and its children, and whatever it leaves behind in that group is
/// killed when it exits), with stdout/stderr sent to files (or a pipe),
/// exactly the environment given, and no file descriptor of repro's but 0-2
/// (so no child ever holds repro's project lock or a cache file open).
/// Every child process repro starts goes through `spawn` here.
public enum Subprocess {
    /// Where the child's standard output and error go.
    package enum Output {
        case files(stdout: URL, stderr: URL)
        /// Both into the write end of a pipe.
        case pipe(Int32)
        /// Each into the write end of its own pipe.
        case pipes(stdout: Int32, stderr: Int32)
    }

    /// Runs to completion; returns the exit status (128 + signal if killed).
    public static func run(_ argv: [String], cwd: URL, env: [String: String], stdout: URL, stderr: URL,
                    processes: ChildProcesses) throws -> Int32 {
        let pid = try spawn(argv, cwd: cwd, env: env, output: .files(stdout: stdout, stderr: stderr))
        processes.register(pid)
        defer { processes.unregister(pid) }
        return try reap(pid)
    }

    /// Why `capture` stopped a command.
    public enum CaptureLimit: Error, Equatable {
        case time(seconds: Double)
        case output(bytes: Int)
    }

    /// Runs with stdout and stderr captured together; kills the command (its
    /// whole process group) and throws `CaptureLimit` if it runs longer than
    /// `seconds` or writes more than `maxBytes`.
    public static func capture(_ argv: [String], cwd: URL, env: [String: String], seconds: Double, maxBytes: Int,
                        processes: ChildProcesses) throws -> (status: Int32, output: Data) {
        var fds: [Int32] = [0, 0]
        // Other children close it anyway (closefrom(3) in every spawn).
        guard pipe(&fds) == 0 else { throw SpawnError.pipe(errno: errno) }
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

    /// What `collect` read: the exit status, and stdout and stderr apart.
    public struct Collected: Sendable {
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]
    }

    /// Runs with repro's own environment and working directory, reading stdout
    /// and stderr apart with poll() (reading one to its end first would
    /// deadlock once the child fills the other pipe, ~64 KiB); output beyond
    /// `maxBytes` a stream is dropped. For client tools (Slurm's).
    public static func collect(_ argv: [String], maxBytes: Int) throws -> Collected {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0 else { throw SpawnError.pipe(errno: errno) }
        guard pipe(&errPipe) == 0 else {
            let e = errno
            close(outPipe[0]); close(outPipe[1])
            throw SpawnError.pipe(errno: e)
        }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid: pid_t
        do { pid = try spawn(argv, cwd: nil, env: nil, output: .pipes(stdout: outPipe[1], stderr: errPipe[1])) } catch {
            for fd in outPipe + errPipe { close(fd) }
            throw error
        }
        close(outPipe[1]); close(errPipe[1])
        let (out, err) = drain(outPipe[0], errPipe[0], maxBytes: maxBytes)
        return Collected(status: try reap(pid), stdout: out, stderr: err)
    }

    /// Reads both descriptors until both reach end of file, then closes them.
    private static func drain(_ a: Int32, _ b: Int32, maxBytes: Int) -> ([UInt8], [UInt8]) {
        var fds = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
        var data: [[UInt8]] = [[], []]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while fds.contains(where: { $0.fd >= 0 }) {
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for k in 0..<2 where fds[k].fd >= 0 && fds[k].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[k].fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if data[k].count < maxBytes { data[k] += buffer[0..<n] }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fds[k].fd)
                    fds[k].fd = -1  // poll ignores negative descriptors
                }
            }
        }
        for f in fds where f.fd >= 0 { close(f.fd) }
        return (data[0], data[1])
    }

    /// The one place a child process is started. `cwd` nil: repro's own; `env`
    /// nil: repro's own environment (client tools), else exactly `env`.
    private static func spawn(_ argv: [String], cwd: URL?, env: [String: String]?, output: Output) throws -> pid_t {
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
        case .pipes(let out, let err):
            posix_spawn_file_actions_adddup2(&actions, out, 1)
            posix_spawn_file_actions_adddup2(&actions, err, 2)
        }
        if let cwd { _ = spawnAddChdir(&actions, cwd.path) }
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

        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc: Int32
        if let env {
            let cEnv = env.keys.sorted().map { strdup("\($0)=\(env[$0]!)") } + [nil]
            defer { cEnv.forEach { free($0) } }
            rc = posix_spawnp(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        } else {
            rc = posix_spawnp(&pid, argv[0], &actions, &attr, cArgs, environ)
        }
        guard rc == 0 else { throw SpawnError.cannotStart(program: argv[0], errno: rc) }
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
            guard errno == EINTR else { throw SpawnError.wait(errno: errno) }
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

/// Why a child process could not be started or waited for.
public enum SpawnError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotStart(program: String, errno: Int32)
    case pipe(errno: Int32)
    case wait(errno: Int32)

    public var description: String {
        switch self {
        case .cannotStart(let program, let e): "cannot start '\(program)': \(String(cString: strerror(e))) (is it installed and on PATH?)"
        case .pipe(let e): "cannot make a pipe: \(String(cString: strerror(e)))"
        case .wait(let e): "waitpid failed: \(String(cString: strerror(e)))"
        }
    }
}
