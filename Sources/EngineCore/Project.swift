import Foundation
import StageAPI
import ProcessSpawn

/// A project directory: pipeline.yaml, repro.lock, and the `.repro/` state
/// (cache, temp dirs, stat cache, process lock).
public struct Project: Sendable {
    public let root: URL
    public let pipeline: Pipeline
    public let registry: KindRegistry
    public let code: CodeDigests
    /// The code digest of each stage (by pipeline index).
    private let stageCode: [String]

    /// Absolute path of a project-relative path (string concatenation: URL's
    /// path operations dominate a no-op run's profile otherwise).
    public func path(_ relative: String) -> String { rootPath + "/" + relative }
    private var rootPath: String { root.path }

    public var reproDir: URL { root.appendingPathComponent(".repro") }
    public var tmpDir: URL { reproDir.appendingPathComponent("tmp") }
    /// The lock of this pipeline file: `repro.lock` for pipeline.yaml, else
    /// `F.lock` beside F (`other.yaml` → `other.lock`), so that running another
    /// pipeline file never drops pipeline.yaml's entries from repro.lock.
    public let lockName: String
    /// The pipeline file (relative to `root`) and `--max-stages`, as loaded.
    public let pipelineFile: String
    public let maxStages: Int
    /// When loading began (ns since the epoch, CLOCK_REALTIME): a file changed
    /// less than 2 s before it may have been read in either state (`NoOpProof`).
    public let loadStarted: Int64
    public var lockURL: URL { root.appendingPathComponent(lockName) }
    public var store: Store { Store(root: cacheRoot ?? reproDir.appendingPathComponent("cache")) }
    /// Another project's cache to share (an experiment's workspace uses the
    /// project's `.repro/cache`); nil: this project's own.
    public var cacheRoot: URL? = nil
    public var statCacheURL: URL { reproDir.appendingPathComponent("statcache") }
    public var processLockURL: URL { reproDir.appendingPathComponent("lock") }

    public init(root: URL, pipelineFile: String = "pipeline.yaml", registry: KindRegistry, code: CodeDigests,
                maxStages: Int = SpecParser.defaultMaxStages) throws {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        self.loadStarted = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        self.pipelineFile = pipelineFile
        self.maxStages = maxStages
        self.root = root.standardizedFileURL
        self.lockName = LockFile.name(forPipeline: pipelineFile)
        if let why = LockFile.nameProblem(forPipeline: pipelineFile, root: root) {
            throw PipelineErrors([PipelineError("pipeline file '\(pipelineFile)': \(why)", at: nil, file: pipelineFile)])
        }
        self.registry = registry
        self.code = code
        let pipeline = try Pipeline.load(root: self.root, file: pipelineFile, registry: registry, code: code, maxStages: maxStages)
        self.pipeline = pipeline
        // Every stage's code must be among this binary's sources.
        var errors: [PipelineError] = []
        var memo: [String: String] = [:]
        var stageCode: [String] = []
        for s in pipeline.stages {
            let target = s.kind.codeTarget
            if let d = memo[target] { stageCode.append(d); continue }
            guard let d = code.digest(forTarget: target) else {
                errors.append(PipelineError("stage '\(s.name)' (kind '\(s.spec.kind)'): its code, target '\(target)', is not among this binary's sources",
                                            at: s.spec.locations.stage, hint: "a kind must be declared in a target of this package"))
                stageCode.append("")
                continue
            }
            memo[target] = d
            stageCode.append(d)
        }
        self.stageCode = stageCode
        if !errors.isEmpty { throw PipelineErrors(errors) }
    }

    /// What a provenance-recording stage is shown of the stages it reads from.
    public func upstreamInfo(_ i: Int, keys: [KeyFields.Dep]) -> [UpstreamStage] {
        let byName = Dictionary(keys.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        return pipeline.stages[i].upstream.map { u in
            let s = pipeline.stages[u]
            return UpstreamStage(name: s.name, kind: s.spec.kind, key: byName[s.name] ?? "", params: s.canonicalParams, outs: s.spec.outs)
        }
    }

    /// The sandbox `shell` stages get: pipeline.yaml's `sandbox:`, unless `--no-sandbox`.
    public func sandbox(noSandbox: Bool) -> SandboxPolicy { noSandbox ? .disabled : pipeline.sandbox }

    /// A stage's info as its key is computed: with the sandbox its
    /// fingerprint commands run in (the stage's own).
    func keyTimeInfo(_ stage: Pipeline.Stage, noSandbox: Bool = false) -> StageInfo {
        var info = stage.info
        info.sandbox = sandbox(noSandbox: noSandbox)
        info.projectRoot = root.path
        return info
    }

    /// The code digest of a stage.
    public func codeDigest(stage i: Int) -> String { stageCode[i] }

    /// Source files of the kinds used by `stages` that differ on disk from the
    /// ones this binary was built from.
    public func staleSources(for stages: [Int]) -> [String] {
        let paths = Set(stages.flatMap { code.scope(of: pipeline.stages[$0].kind.codeTarget) ?? [] }).sorted()
        return code.staleFiles(under: paths, root: root)
    }
}

/// An exclusive `flock` on `.repro/lock`, held for a whole run. The kernel
/// releases it when the process dies, so a killed repro never blocks the next;
/// the descriptor is close-on-exec (and children get none of ours), so no
/// stage's process can keep holding it after repro is gone.
public final class ProcessLock: Sendable {
    private let fd: Int32

    /// Takes the lock, calling `waiting` once if another process holds it.
    /// While waiting, `cancelled` is polled: Ctrl-C or SIGTERM ends the wait
    /// at once with `EngineError.interrupted`.
    public init(url: URL, cancelled: () -> Bool, waiting: (String) -> Void) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw EngineError.io("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            waiting("another repro\(holder.isEmpty ? "" : " (pid \(holder))") is running in this project; waiting for it to finish (Ctrl-C to give up)…")
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                guard errno == EWOULDBLOCK || errno == EINTR else {
                    let msg = String(cString: strerror(errno))
                    close(fd)
                    throw EngineError.io("cannot lock \(url.path): \(msg)")
                }
                if cancelled() {
                    close(fd)
                    throw EngineError.interrupted
                }
                usleep(20_000)
            }
        }
        Self.sayHolder(fd)
    }

    private init(holding fd: Int32) { self.fd = fd }

    /// The lock if no other process holds it now; nil (without waiting) if one does.
    public static func attempt(url: URL) -> ProcessLock? {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { close(fd); return nil }
        sayHolder(fd)
        return ProcessLock(holding: fd)
    }

    /// Our pid in the lock file, for the message of a repro that waits.
    private static func sayHolder(_ fd: Int32) {
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { Foundation.pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
