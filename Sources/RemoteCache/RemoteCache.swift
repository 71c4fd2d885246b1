import Foundation
import Synchronization
import EngineCore
import StageAPI

/// The local store's shared counterpart: read through on a local miss,
/// written on success (`push: on-success`) or by `repro push`. Everything a
/// remote returns is verified before it reaches the local store; a remote
/// that is down, slow or wrong costs a warning and a local computation,
/// never a corrupted file or (without `required`) a failed run.
public final class RemoteCache: SharedCache {
    public let config: RemoteConfig
    let backend: any RemoteBackend
    let warn: @Sendable (String) -> Void
    private let state = Mutex(State())

    struct State {
        /// Set when the remote failed beyond retrying: the rest of the run computes locally.
        var down: String?
        /// Objects found corrupted on the remote: pushed again even though present.
        var badObjects: Set<String> = []
        var stats = RemoteStats()
        /// Run records fetched (and checked against the declared outs) before the run, by key.
        var prefetched: [String: [(path: String, output: LockFile.Output)]] = [:]
        /// Keys the prefetch has yet to finish: `fetch` waits for them instead of asking twice.
        var pending: [String: DispatchGroup] = [:]
    }

    public init(config: RemoteConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
                warn: @escaping @Sendable (String) -> Void) {
        self.config = config
        if config.url.lowercased().hasPrefix("file:") {
            backend = DirectoryRemote(root: URL(fileURLWithPath: URLComponents(string: config.url)!.path), display: config.url)
        } else {
            let http = HTTPRemote(config: config, environment: environment)
            if let note = http.credentials.withheld { warn("warning: remote \(http.display): \(note)") }
            if let note = http.credentials.notice { warn(note) }
            backend = http
        }
        self.warn = warn
    }

    /// Stops the transfers in flight within a second (Ctrl-C); the rest of the run computes nothing more from the remote.
    public func cancel() {
        state.withLock { if $0.down == nil { $0.down = "interrupted" } }
        (backend as? HTTPRemote)?.cancel()
    }

    /// A cache over a given transport (tests use a scripted one).
    init(config: RemoteConfig, backend: any RemoteBackend, warn: @escaping @Sendable (String) -> Void) {
        self.config = config
        self.backend = backend
        self.warn = warn
    }

    public var display: String { backend.display }
    public var pushesOnSuccess: Bool { config.push == .onSuccess }
    public var stats: RemoteStats { state.withLock { $0.stats } }

    /// Fails unless the remote answers (for `--remote-required`, before any work).
    public func probe() throws {
        do { try retrying { try backend.probe() } } catch { throw EngineError.io("\(error)") }
    }

    // MARK: - Retries and the "down" switch

    /// Runs `body`, retrying transient failures with exponential backoff.
    func retrying<T>(_ body: () throws -> T) throws -> T {
        var delay = 0.1
        for attempt in 1... {
            do { return try body() } catch let e as RemoteError where e.isTransient && attempt < 4 {
                usleep(UInt32(delay * 1_000_000))
                delay *= 3
            }
        }
        fatalError("unreachable")
    }

    /// Runs a remote operation; a failure beyond retrying marks the remote
    /// down for the rest of the run (one warning) unless it is required.
    func guarded<T>(_ body: () throws -> T) throws -> T? {
        if let down = state.withLock({ $0.down }) {
            if config.required { throw EngineError.io(down) }
            return nil
        }
        do {
            return try retrying(body)
        } catch {
            let message = "\(error)"
            let first = state.withLock { s -> Bool in
                defer { if s.down == nil { s.down = message } }
                return s.down == nil
            }
            state.withLock { if $0.stats.failure == nil { $0.stats.failure = message } }
            if config.required { throw EngineError.io("remote cache required (--remote-required) but unusable: \(message)") }
            if first { warn("warning: remote cache \(display) is unusable (\(message)); computing locally for the rest of this run") }
            return nil
        }
    }

    // MARK: - Fetch


    /// Brings the run record of `key` and its objects into the local store,
    /// verifying every byte. Throws only when the remote is required.
    public func fetch(key: String, stage: String, declaredOuts: [String], into store: Store) throws -> SharedCacheFetch {
        // Keys come from a lock file too (`pull`): only a digest may become a remote path.
        guard RemoteRecord.isDigest(key) else { return .rejected("its key '\(RemoteRecord.printable(key))' is not a SHA-256 digest") }
        let tmpDir = store.root.appendingPathComponent("tmp")
        try? FileManager.default.createDirectory(at: tmpDir, withIntermediateDirectories: true)
        let outs: [(path: String, output: LockFile.Output)]
        state.withLock { $0.pending[key] }?.wait()
        if let memo = state.withLock({ $0.prefetched.removeValue(forKey: key) }), memo.map(\.path) == declaredOuts {
            outs = memo
        } else {
            switch try fetchRecord(key: key, declaredOuts: declaredOuts, tmpDir: tmpDir) {
            case nil: return .absent
            case .success(let o): outs = o
            case .failure(let error):
                let why = "remote run record ac/\(key.prefix(12))… refused: it \(error)"
                warn("warning: \(stage): \(why); running the stage")
                state.withLock { $0.stats.rejected += 1 }
                return .rejected(why)
            }
        }
        let missing = outs.filter { !store.hasObject($0.output.sha256) }
        let meter = TransferMeter(label: "\(stage): downloading", objects: missing.count, bytes: missing.reduce(0) { $0 + $1.output.size }, report: warn)
        let results = parallel(missing, limit: config.transfers) { o -> String? in
            do {
                return try self.fetchObject(o.output, path: o.path, into: store, tmpDir: tmpDir, meter: meter)
            } catch {
                return "\(error)"
            }
        }
        meter.finish()
        if let problem = results.compactMap({ $0 }).first {
            state.withLock { $0.stats.rejected += 1 }
            warn("warning: \(stage): \(problem); running the stage")
            return .rejected(problem)
        }
        try store.recordRun(key: key, outs: outs)
        state.withLock { $0.stats.fetchedRecords += 1 }
        return .found(outs)
    }

    /// The run record of `key`, checked against the declared outs: nil if the
    /// remote has none (or is unusable, warned), a failure if it is malformed.
    func fetchRecord(key: String, declaredOuts: [String], tmpDir: URL) throws
        -> Result<[(path: String, output: LockFile.Output)], RemoteRecord.Invalid>? {
        let recordFile = tmpDir.appendingPathComponent("ac-\(key)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: recordFile) }
        guard let found = try guarded({ try backend.get("ac/\(key)", to: recordFile, limit: Int64(RemoteRecord.maxBytes), progress: { _ in }) }),
              found else { return nil }
        do {
            return .success(try RemoteRecord.decode(try Data(contentsOf: recordFile), declaredOuts: declaredOuts))
        } catch let e as RemoteRecord.Invalid {
            return .failure(e)
        } catch {
            return .failure(RemoteRecord.Invalid(description: "cannot be read back: \(error)"))
        }
    }

    /// Keeps a checked run record for `fetch` (see `prefetch`).
    func remember(key: String, outs: [(path: String, output: LockFile.Output)]) {
        state.withLock { $0.prefetched[key] = outs }
    }

    /// Marks `keys` as being prefetched: `fetch` of one waits until `finished(key:)`.
    func willPrefetch(_ keys: [String]) {
        state.withLock { s in
            for k in keys where s.pending[k] == nil {
                let g = DispatchGroup()
                g.enter()
                s.pending[k] = g
            }
        }
    }

    func finished(key: String) {
        state.withLock { $0.pending.removeValue(forKey: key) }?.leave()
    }

    /// Downloads one object into a temp file, checks its size and SHA-256,
    /// then renames it into the store. Returns a problem, or nil.
    func fetchObject(_ out: LockFile.Output, path: String, into store: Store, tmpDir: URL, meter: TransferMeter) throws -> String? {
        let tmp = tmpDir.appendingPathComponent("cas-\(out.sha256)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: tmp) }
        guard let found = try guarded({ try backend.get("cas/\(out.sha256)", to: tmp, limit: out.size, progress: { meter.add(bytes: $0) }) }) else {
            return "remote cache became unusable while downloading \(path)"
        }
        guard found else { return "remote object for \(path) (cas/\(out.sha256.prefix(12))…) is missing on the remote" }
        let d = try FileHasher.hash(url: tmp)
        guard d.sha256 == out.sha256, d.size == out.size else {
            state.withLock { _ = $0.badObjects.insert(out.sha256) }
            return "remote object cas/\(out.sha256.prefix(12))… for \(path) is corrupted (its content hashes to \(d.sha256.prefix(12))…, \(d.size) bytes): rejected"
        }
        let dest = store.objectURL(out.sha256)
        try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard rename(tmp.path, dest.path) == 0 else {
            throw EngineError.io("cannot store \(path) in the cache: \(String(cString: strerror(errno)))")
        }
        meter.add(objects: 1)
        state.withLock { $0.stats.downloadedObjects += 1; $0.stats.downloadedBytes += out.size }
        return nil
    }

    // MARK: - Push

    /// Uploads the objects of `outs` the remote lacks (from the local store),
    /// then the run record: a record on the remote always names objects that
    /// are there. Returns false if the remote could not be written (warned).
    @discardableResult
    public func push(key: String, stage: String, outs: [(path: String, output: LockFile.Output)], from store: Store) throws -> Bool {
        guard RemoteRecord.isDigest(key), outs.allSatisfy({ RemoteRecord.isDigest($0.output.sha256) && RemoteRecord.pathProblem($0.path) == nil }) else {
            throw EngineError.io("\(stage): its key or output digests in \(LockFile.fileName) are malformed; run the stage again")
        }
        let meter = TransferMeter(label: "\(stage): uploading", objects: outs.count, bytes: outs.reduce(0) { $0 + $1.output.size }, report: warn)
        defer { meter.finish() }
        let results = parallel(outs, limit: config.transfers) { o -> Result<Bool, any Error> in
            Result {
                let sha = o.output.sha256
                let resend = self.state.withLock { $0.badObjects.contains(sha) }
                guard let present = try self.guarded({ try resend ? false : self.backend.exists("cas/\(sha)") }) else {
                    self.state.withLock { $0.stats.failedObjects += 1 }
                    return false
                }
                if present {
                    self.state.withLock { $0.stats.presentObjects += 1 }
                } else {
                    guard store.hasObject(sha) else { throw EngineError.io("\(o.path) is not in the local cache; run the stage first") }
                    guard try self.guarded({ try self.backend.put("cas/\(sha)", from: store.objectURL(sha)) }) != nil else {
                        self.state.withLock { $0.stats.failedObjects += 1 }
                        return false
                    }
                    self.state.withLock { $0.stats.uploadedObjects += 1; $0.stats.uploadedBytes += o.output.size; $0.badObjects.remove(sha) }
                }
                meter.add(objects: 1, bytes: o.output.size)
                return true
            }
        }
        for r in results { guard try r.get() else { return false } }
        let tmp = store.root.appendingPathComponent("tmp/ac-push-\(key)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: tmp.deletingLastPathComponent(), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        try RemoteRecord.encode(outs).write(to: tmp)
        guard try guarded({ try backend.put("ac/\(key)", from: tmp) }) != nil else { return false }
        state.withLock { $0.stats.pushedRecords += 1 }
        return true
    }
}

/// What a run moved to and from the remote, for the closing line.
public struct RemoteStats: Sendable, Equatable {
    public var fetchedRecords = 0
    public var downloadedObjects = 0
    public var downloadedBytes: Int64 = 0
    public var pushedRecords = 0
    public var uploadedObjects = 0
    public var uploadedBytes: Int64 = 0
    /// Objects a push found on the remote already.
    public var presentObjects = 0
    /// Objects a push could not upload (or could not check), and the first reason the remote failed.
    public var failedObjects = 0
    public var failure: String?
    public var rejected = 0

    /// What a push did with its objects, for `repro push`'s closing line.
    public var pushedObjects: String {
        var line = "\(uploadedObjects) objects uploaded (\(Self.bytes(uploadedBytes))), \(presentObjects) already there"
        if failedObjects > 0 { line += ", \(failedObjects) not uploaded (\(failure ?? "the remote failed"))" }
        return line
    }

    public var summary: String? {
        var parts: [String] = []
        if fetchedRecords > 0 { parts.append("restored \(fetchedRecords) stage(s) from it (\(downloadedObjects) objects, \(Self.bytes(downloadedBytes)))") }
        if pushedRecords > 0 { parts.append("pushed \(pushedRecords) stage(s) (\(uploadedObjects) new objects, \(Self.bytes(uploadedBytes)))") }
        if failedObjects > 0 { parts.append("\(failedObjects) object(s) not uploaded (\(failure ?? "the remote failed"))") }
        if rejected > 0 { parts.append("rejected \(rejected) bad record(s) or object(s)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    public static func bytes(_ n: Int64) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return "\((Double(n) / 1024 * 10).rounded() / 10) KB" }
        return "\((Double(n) / 1048576 * 10).rounded() / 10) MB"
    }
}

/// Runs `body` over `items` on up to `limit` threads; results in item order.
/// Threads of their own: the global dispatch queue adds a thread for blocked
/// workers only every ~0.5 s, so 32 transfers waiting on the network would
/// take 15 s to all be under way (measured: 3 to 10 connections in 11 s).
func parallel<T: Sendable, R: Sendable>(_ items: [T], limit: Int, _ body: @escaping @Sendable (T) -> R) -> [R] {
    if items.count <= 1 { return items.map(body) }
    let results = Mutex<[Int: R]>([:])
    let next = Atomic<Int>(0)
    let workers = min(limit, items.count)
    let finished = DispatchSemaphore(value: 0)
    for _ in 0..<workers {
        Thread.detachNewThread {
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < items.count else { break }
                let r = body(items[i])
                results.withLock { $0[i] = r }
            }
            finished.signal()
        }
    }
    for _ in 0..<workers { finished.wait() }
    return results.withLock { r in items.indices.map { r[$0]! } }
}

/// Progress of a long transfer: after two seconds, a line at most every two
/// seconds with objects and bytes done.
final class TransferMeter: Sendable {
    let label: String
    let objects: Int
    let bytes: Int64
    let report: @Sendable (String) -> Void
    private let start = Date()
    private let done = Mutex((objects: 0, bytes: Int64(0), lastPrint: Date(), printed: false))

    init(label: String, objects: Int, bytes: Int64, report: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.objects = objects
        self.bytes = bytes
        self.report = report
    }

    func add(objects n: Int = 0, bytes b: Int64 = 0) {
        let now = Date()
        let line: String? = done.withLock { d in
            d.objects += n
            d.bytes += b
            guard now.timeIntervalSince(start) >= 2, now.timeIntervalSince(d.lastPrint) >= 2 else { return nil }
            d.lastPrint = now
            d.printed = true
            return "  \(label): \(d.objects)/\(objects) objects, \(RemoteStats.bytes(d.bytes)) of \(RemoteStats.bytes(bytes))"
        }
        if let line { report(line) }
    }

    func finish() {
        let line: String? = done.withLock { d in
            d.printed ? "  \(label): \(d.objects)/\(objects) objects, \(RemoteStats.bytes(d.bytes)) in \((Date().timeIntervalSince(start) * 10).rounded() / 10) s" : nil
        }
        if let line { report(line) }
    }
}
