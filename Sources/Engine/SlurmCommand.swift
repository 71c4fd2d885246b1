import Foundation

/// Runs Slurm's client commands (sbatch, squeue, scontrol, scancel, sacct)
/// and collects what they print.
public struct SlurmTools: Sendable {
    /// Where the commands are: nil finds them on PATH; a directory holds
    /// stand-ins (the tests' fake sbatch and squeue).
    public var directory: String?

    public init(directory: String? = nil) { self.directory = directory }

    struct Result: Sendable {
        var status: Int32
        var out: String
        var err: String
        var errLine: String { err.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Output beyond this is dropped (scontrol for a 1 000-task array prints ~2 MB).
    static let maxOutput = 64 << 20

    func run(_ name: String, _ args: [String]) throws -> Result {
        let path = directory.map { $0 + "/" + name } ?? name
        return try Self.capture([path] + args)
    }

    /// Spawns `argv` in its own process group (a Ctrl-C meant for repro must
    /// not kill an sbatch half-way through submitting) and reads its stdout
    /// and stderr together with poll(): reading one to its end first would
    /// deadlock once the child fills the other pipe (~64 KiB).
    static func capture(_ argv: [String]) throws -> Result {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0 else { throw StageFailure("cannot create a pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw StageFailure("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Nothing else of repro's (the pipe ends, the project lock, another command's pipes) reaches the child.
        _ = slurmSpawnAddCloseFrom(&actions, 3)
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
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }

        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attr, cArgs, environ)
        close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw StageFailure("cannot run \(argv[0]): \(String(cString: strerror(rc))) (is Slurm installed on this machine?)")
        }
        let (out, err) = drain(outPipe[0], errPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw StageFailure("waitpid failed: \(String(cString: strerror(errno)))") }
        }
        let termsig = status & 0x7f
        return Result(status: termsig == 0 ? (status >> 8) & 0xff : 128 + termsig,
                      out: String(decoding: out, as: UTF8.self), err: String(decoding: err, as: UTF8.self))
    }

    /// Reads both descriptors until both reach end of file, then closes them.
    private static func drain(_ a: Int32, _ b: Int32) -> ([UInt8], [UInt8]) {
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
                    if data[k].count < maxOutput { data[k] += buffer[0..<n] }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fds[k].fd)
                    fds[k].fd = -1  // poll ignores negative descriptors
                }
            }
        }
        for f in fds where f.fd >= 0 { close(f.fd) }
        return (data[0], data[1])
    }
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+): close every
/// descriptor from `from` on in the child.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func slurmSpawnAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
