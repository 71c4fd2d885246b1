import Foundation
import Synchronization
import Dispatch

/// Makes installed outputs durable in batches rather than one stage at a
/// time (group commit). A stage renames its outputs into place and hands
/// their paths here; they are fsync'ed, with their directories, just before
/// the lock that names them is written: every 0.5 s on this committer's own
/// thread while stages run (so no stage waits for the disk), and once more at
/// the end of the run, before the final lock is written and fsync'ed. So a
/// `repro.lock` on disk never names an output that a power cut could take
/// back, and a stage's worker never waits for an fsync.
final class GroupCommit: Sendable {
    private let pending = Mutex<(files: [String], directories: Set<String>)>(([], []))
    private let queue = DispatchQueue(label: "repro.group-commit")
    private let busy = Atomic<Bool>(false)
    /// A background flush's failure, reported by `finish`.
    private let failure = Mutex<EngineError?>(nil)

    /// Outputs just renamed into place (paths), and their directories.
    func add(files: [String], directories: [String]) {
        pending.withLock {
            $0.files += files
            $0.directories.formUnion(directories)
        }
    }

    /// Whether a background commit is still under way.
    var isBusy: Bool { busy.load(ordering: .acquiring) }

    /// In the background: fsyncs what was added so far, then runs `write`
    /// (best effort: the end of the run writes the lock again, durably).
    func commitInBackground(_ write: @escaping @Sendable () -> Void) {
        busy.store(true, ordering: .releasing)
        queue.async { [self] in
            do { try flush() } catch let e as EngineError { failure.withLock { $0 = $0 ?? e } } catch {}
            write()
            busy.store(false, ordering: .releasing)
        }
    }

    /// Waits for a background commit, then fsyncs whatever is still pending.
    func finish() throws {
        queue.sync {}
        if let e = failure.withLock({ $0 }) { throw e }
        try flush()
    }

    /// fsyncs every pending file, then every pending directory (the renames).
    /// A file gone since (replaced or removed by someone else) is not ours to sync.
    func flush() throws {
        let (files, directories) = pending.withLock { p in
            defer { p = ([], []) }
            return (p.files, p.directories)
        }
        var failure: String?
        for f in files {
            let fd = open(f, O_RDONLY | O_CLOEXEC)
            if fd < 0 { continue }
            if fsync(fd) != 0, failure == nil { failure = "fsync failed on \(f): \(String(cString: strerror(errno)))" }
            close(fd)
        }
        for d in directories.sorted() { AtomicFile.syncDirectory(URL(fileURLWithPath: d)) }
        if let failure { throw EngineError.io(failure) }
    }
}
