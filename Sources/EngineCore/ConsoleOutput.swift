import Foundation
import Synchronization
import StageAPI
import ProcessSpawn

/// Writes to stdout/stderr that can never crash or stop repro: a full disk
/// (`> /dev/full`) or a closed pipe (`| head`, with SIGPIPE ignored) only ends
/// that stream's output, and the run goes on to finish or stop cleanly.
/// (FileHandle.write traps on such errors.)
public enum ConsoleOutput {
    private static let closed = Mutex<Set<Int32>>([])

    public static func out(_ s: String) { write(s, to: STDOUT_FILENO) }
    public static func err(_ s: String) { write(s, to: STDERR_FILENO) }

    static func write(_ s: String, to fd: Int32) {
        if closed.withLock({ $0.contains(fd) }) { return }
        var bytes = Array(s.utf8)
        let ok = bytes.withUnsafeMutableBytes { AtomicFile.writeAll(fd, UnsafeRawBufferPointer($0)) }
        if !ok, errno == EPIPE || errno == EBADF { closed.withLock { _ = $0.insert(fd) } }
    }

    /// Called once at start-up: a write to a closed pipe must fail with EPIPE, not kill repro.
    public static func ignoreSIGPIPE() { signal(SIGPIPE, SIG_IGN) }
}
