import Glibc
import Synchronization

/// The CPU time of one stage's work, summed over the threads that do it.
/// The engine binds one to the stage's thread (`CPUAccount.$current`);
/// `parallelMap` adds each worker thread's CPU time to the caller's account
/// (binding it on the workers, so nested maps count too), and child processes
/// add theirs when they are reaped. With two stages running at once, each
/// gets only its own threads' time, which a process-wide delta could not give.
public final class CPUAccount: Sendable {
    @TaskLocal public static var current: CPUAccount?

    private let nanoseconds = Atomic<Int>(0)
    private let childPeakKiB = Atomic<Int>(0)

    public init() {}

    /// CPU seconds added so far.
    public var seconds: Double { Double(nanoseconds.load(ordering: .relaxed)) / 1e9 }
    /// The largest peak resident set of a child process reaped so far, in KiB (0 if none).
    public var childPeakRSSKiB: Int { childPeakKiB.load(ordering: .relaxed) }

    public func add(nanoseconds n: Int) { nanoseconds.wrappingAdd(n, ordering: .relaxed) }

    public func addChild(cpuNanoseconds n: Int, peakRSSKiB kib: Int) {
        add(nanoseconds: n)
        var seen = childPeakKiB.load(ordering: .relaxed)
        while kib > seen {
            let (exchanged, now) = childPeakKiB.compareExchange(expected: seen, desired: kib, ordering: .relaxed)
            if exchanged { break }
            seen = now
        }
    }

    /// CPU time of the calling thread so far, in nanoseconds.
    public static func threadNanoseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return ts.tv_sec * 1_000_000_000 + ts.tv_nsec
    }
}
