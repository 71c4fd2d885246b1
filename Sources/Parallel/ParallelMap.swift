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
    // The caller's CPU account (a stage's): each worker adds its thread's time,
    // except on the calling thread, whose time the caller measures itself.
    guard let account = CPUAccount.current else {
        DispatchQueue.concurrentPerform(iterations: workers) { _ in work() }
        return try slots.values().map { try $0!.get() }
    }
    let caller = pthread_self()
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        let onCaller = pthread_equal(pthread_self(), caller) != 0
        let started = onCaller ? 0 : CPUAccount.threadNanoseconds()
        CPUAccount.$current.withValue(account) { work() }
        if !onCaller { account.add(nanoseconds: CPUAccount.threadNanoseconds() - started) }
    }
    return try slots.values().map { try $0!.get() }
}

/// One slot per index, each written by exactly one thread.
private final class Slots<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = Mutex(())
    init(_ n: Int) { storage = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ v: T) { lock.withLock { _ in storage[i] = v } }
    func values() -> [T?] { lock.withLock { _ in storage } }
}
