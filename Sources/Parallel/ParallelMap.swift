import Dispatch
import Glibc
import Synchronization

/// Runs `body(i)` for i in 0..<count on up to `threads` threads and returns
/// the results in index order, so the output never depends on scheduling.
/// Errors: the one of the lowest failing index is thrown (deterministic too).
public func parallelMap<T: Sendable>(count: Int, threads: Int, cancelled: @Sendable () -> Bool = { false },
                                     completed: @Sendable (Int) -> Void = { _ in },
                                     _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let slots = Slots<Result<T, Error>>(count)
    let next = Atomic<Int>(0), done = Atomic<Int>(0)
    let workers = max(1, min(threads, count))
    @Sendable func work() {
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= count { return }
            if cancelled() {
                slots.set(i, .failure(CancellationError()))
                continue
            }
            slots.set(i, Result { try body(i) })
            completed(done.wrappingAdd(1, ordering: .relaxed).newValue)
        }
    }
    accountedConcurrentPerform(iterations: workers) { _ in work() }
    return try slots.values().map { try $0!.get() }
}

/// `DispatchQueue.concurrentPerform`, with the CPU time of the threads it
/// borrows added to the caller's account (a stage's: `CPUAccount.current`),
/// and the account bound on them, so nested parallel work counts too. The
/// calling thread's own time is the caller's to measure. Every thread a
/// stage's work runs on must come through here or `parallelMap`.
public func accountedConcurrentPerform(iterations: Int, _ body: @Sendable (Int) -> Void) {
    guard let account = CPUAccount.current else {
        DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
        return
    }
    let caller = pthread_self()
    DispatchQueue.concurrentPerform(iterations: iterations) { i in
        let onCaller = pthread_equal(pthread_self(), caller) != 0
        let started = onCaller ? 0 : CPUAccount.threadNanoseconds()
        CPUAccount.$current.withValue(account) { body(i) }
        if !onCaller { account.add(nanoseconds: CPUAccount.threadNanoseconds() - started) }
    }
}

/// One slot per index, each written by exactly one thread.
private final class Slots<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = Mutex(())
    init(_ n: Int) { storage = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ v: T) { lock.withLock { _ in storage[i] = v } }
    func values() -> [T?] { lock.withLock { _ in storage } }
}
