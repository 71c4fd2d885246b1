import Foundation
import Synchronization

/// SIGINT and SIGTERM, received on a thread of their own. They are blocked in
/// every thread (the mask is set in `main`, before any thread exists, and
/// inherited) and taken by `sigwait` here, so an interrupt is answered at once
/// even while every worker thread computes (a dispatch signal source needs a
/// free thread of the global pool, and a sweep on all cores leaves none).
///
/// With no handler installed, an interrupt ends repro at once (exit 130), as
/// the default action would. `InterruptHandler` installs the run's.
enum Interrupts {
    private static let handler = Mutex<(first: @Sendable () -> Void, second: @Sendable () -> Void)?>(nil)
    private static let count = Atomic<Int>(0)

    /// Called first thing in `main`.
    static func start() {
        var set = signals
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let thread = Thread {
            var set = signals
            while true {
                var sig: Int32 = 0
                guard sigwait(&set, &sig) == 0 else { continue }
                let n = count.wrappingAdd(1, ordering: .relaxed).newValue
                guard let h = handler.withLock({ $0 }) else { _exit(130) }
                if n == 1 {
                    printError("\ninterrupted: stopping running stages (Ctrl-C again to quit at once)…")
                    h.first()
                } else {
                    h.second()
                    _exit(130)
                }
            }
        }
        thread.name = "repro-signals"
        thread.start()
    }

    static func install(first: @escaping @Sendable () -> Void, second: @escaping @Sendable () -> Void) {
        handler.withLock { $0 = (first, second) }
    }

    static func remove() { handler.withLock { $0 = nil } }

    private static var signals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        return set
    }
}

/// First Ctrl-C (or SIGTERM): stop cleanly (no new stages, running ones told
/// to stop, SIGKILL after a grace period, finished work kept). Second: kill the
/// stages' processes and leave at once; outputs and lock are still intact,
/// because they are only ever replaced by rename. Active while it lives.
final class InterruptHandler {
    init(onFirst: @escaping @Sendable () -> Void, onSecond: @escaping @Sendable () -> Void) {
        Interrupts.install(first: onFirst, second: onSecond)
    }
    deinit { Interrupts.remove() }
}
