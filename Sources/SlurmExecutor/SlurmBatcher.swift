import Foundation
import Synchronization
import EngineCore
import StageAPI
import ProcessSpawn

/// One attempt at one stage, waiting for the batcher: what its task runs, the
/// caller's cancellation and progress, and where the answer goes.
final class SlurmRequest: Sendable {
    let stage: String
    /// The stage's place in the pipeline: an array's tasks are in this order.
    let order: Int
    let threads: Int
    let noSandbox: Bool
    let upstream: [String]
    let key: TaskKey
    let cancelled: @Sendable () -> Bool
    /// A state change of its task ("slurm job 12_3 running").
    let progress: @Sendable (String) -> Void
    /// Its task's job id, once submitted.
    let submitted: @Sendable (String) -> Void
    private let answer = Mutex<Result<SlurmAttempt, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(stage: String, order: Int, threads: Int, noSandbox: Bool, upstream: [String], key: TaskKey, cancelled: @escaping @Sendable () -> Bool,
         progress: @escaping @Sendable (String) -> Void, submitted: @escaping @Sendable (String) -> Void) {
        self.stage = stage
        self.order = order
        self.threads = threads
        self.noSandbox = noSandbox
        self.upstream = upstream
        self.key = key
        self.cancelled = cancelled
        self.progress = progress
        self.submitted = submitted
    }

    /// Wakes the caller (the first answer counts).
    func finish(_ r: Result<SlurmAttempt, any Error>) {
        let first = answer.withLock { a in
            guard a == nil else { return false }
            a = r
            return true
        }
        if first { done.signal() }
    }

    func wait() throws -> SlurmAttempt {
        done.wait()
        return try answer.withLock { $0! }.get()
    }
}

/// Where one attempt ran and how it ended.
struct SlurmAttempt: Sendable {
    /// `1234` for a plain job, `1234_5` for task 5 of an array.
    var jobID: String
    var state: SlurmTaskState
    var staging: URL
    var usage: URL
    var log: URL
    var submitted: Date
    var ended: Date
}

/// What the tasks of one submission share: the sbatch resources, the script's
/// command (before its `--index FILE`), and where jobs start.
struct SlurmJobShape: Hashable, Sendable {
    var resourceArgs: [String]
    var command: [String]
    var chdir: String
}

/// Turns the `execute` calls that arrive close together into job arrays. The
/// runner calls `execute` on one worker thread per ready stage; the first call
/// of a shape waits until no further one has arrived for `window` seconds (at
/// most 10 × `window` after it), then submits them all as one
/// `sbatch --array=0-(N-1)%K` — or as a plain job if it is alone — and one
/// monitor thread per job polls squeue and scontrol for every task and wakes
/// each caller with its task's result. Ctrl-C cancels each whole job with scancel.
final class SlurmBatcher: Sendable {
    let tools: SlurmTools
    /// 0 submits every call at once as its own job.
    let window: Double
    /// K in `%K`: tasks of one array running at once (the run's `-j`).
    let throttle: Int
    let pollSeconds: Double
    /// Where each submission gets its directory (script, index, logs, staging).
    let workDir: URL

    private struct Batch {
        var requests: [SlurmRequest]
        var first: Date
        var last: Date
    }
    private let pending = Mutex<[SlurmJobShape: Batch]>([:])
    private let sequence = Atomic<Int>(0)

    /// A task that left the queue but has no final record after this long is reported UNKNOWN.
    static let settleSeconds = 120.0
    /// After scancel, how long to wait for the job to leave the queue.
    static let cancelWaitSeconds = 10.0

    init(tools: SlurmTools, window: Double, throttle: Int, pollSeconds: Double, workDir: URL) {
        self.tools = tools
        self.window = window
        self.throttle = max(1, throttle)
        self.pollSeconds = pollSeconds
        self.workDir = workDir
    }

    /// Submits `request` (with whatever else arrives within the window) and
    /// waits for its task to end.
    func run(_ request: SlurmRequest, shape: SlurmJobShape) throws -> SlurmAttempt {
        guard window > 0 else {
            submit([request], shape: shape)
            return try request.wait()
        }
        let leads = pending.withLock { batches in
            let now = Date()
            if var b = batches[shape] {
                b.requests.append(request)
                b.last = now
                batches[shape] = b
                return false
            }
            batches[shape] = Batch(requests: [request], first: now, last: now)
            return true
        }
        if leads {
            while true {
                let (first, last, count) = pending.withLock { b in (b[shape]!.first, b[shape]!.last, b[shape]!.requests.count) }
                let due = min(last.addingTimeInterval(window), first.addingTimeInterval(10 * window))
                let wait = due.timeIntervalSinceNow
                if count >= throttle || wait <= 0 { break }
                usleep(UInt32(min(wait, 0.05) * 1_000_000) + 1000)
            }
            let batch = pending.withLock { $0.removeValue(forKey: shape)!.requests }
            submit(batch.sorted { $0.order < $1.order }, shape: shape)
        }
        return try request.wait()
    }

    /// One sbatch for `requests`, then a monitor thread; any failure to submit wakes them all with it.
    private func submit(_ requests: [SlurmRequest], shape: SlurmJobShape) {
        if requests.contains(where: { $0.cancelled() }) {
            for r in requests { r.finish(.failure(StageCancelled())) }
            return
        }
        do {
            let (job, paths) = try sbatch(requests, shape: shape)
            let isArray = requests.count > 1
            for (i, r) in requests.enumerated() { r.submitted(isArray ? "\(job)_\(i)" : job) }
            let submittedAt = Date()
            Thread.detachNewThread { [self] in
                monitor(job, isArray: isArray, requests: requests, paths: paths, submitted: submittedAt)
            }
        } catch {
            for r in requests { r.finish(.failure(error)) }
        }
    }

    /// Writes the submission's directory (index, script) and submits it; the job id and each task's paths.
    private func sbatch(_ requests: [SlurmRequest], shape: SlurmJobShape) throws -> (String, [(staging: URL, usage: URL, log: URL)]) {
        let dir = workDir.appendingPathComponent("job-\(getpid())-\(sequence.add(1, ordering: .relaxed).newValue)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let n = requests.count
        // Not STAGING.log: a shell stage keeps its own output there (and deletes it).
        let paths = (0..<n).map { i in
            (staging: dir.appendingPathComponent("task-\(i)"), usage: dir.appendingPathComponent("usage-\(i).json"),
             log: dir.appendingPathComponent("slurm-\(i).log"))
        }
        let tasks = zip(requests, paths).map { r, p in
            SlurmTask(stage: r.stage, staging: p.staging.path, usage: p.usage.path, threads: r.threads, noSandbox: r.noSandbox, upstream: r.upstream,
                      key: r.key)
        }
        let index = dir.appendingPathComponent("index.json")
        let script = dir.appendingPathComponent("job.sbatch")
        try SlurmIndex.encode(tasks).write(to: index)
        try Data(SlurmIndex.script(shape.command + ["--index", index.path]).utf8).write(to: script)

        let name = n == 1 ? "repro:\(requests[0].stage)" : "repro:\(requests[0].stage)+\(n - 1)"
        var args = ["--parsable", "--no-requeue", "--job-name=\(name)",
                    "--output=" + dir.appendingPathComponent(n == 1 ? "slurm-0.log" : "slurm-%a.log").path, "--chdir=\(shape.chdir)"]
        if n > 1 { args.append("--array=0-\(n - 1)%\(throttle)") }
        args += shape.resourceArgs + [script.path]
        let r = try tools.run("sbatch", args)
        guard r.status == 0, let job = SlurmStates.parseSubmitted(r.out) else {
            throw StageFailure("sbatch failed (exit \(r.status)): \(r.errLine.isEmpty ? r.out.trimmingCharacters(in: .whitespacesAndNewlines) : r.errLine)")
        }
        return (job, paths)
    }

    /// Polls one job until every task has a final state (or the run is cancelled).
    private func monitor(_ job: String, isArray: Bool, requests: [SlurmRequest], paths: [(staging: URL, usage: URL, log: URL)], submitted: Date) {
        var remaining = Set(requests.indices)
        var shown: [Int: String] = [:]
        var unsettledSince: [Int: Date] = [:]
        var queueFailures = 0
        func id(_ t: Int) -> String { isArray ? "\(job)_\(t)" : job }
        func finish(_ t: Int, _ state: SlurmTaskState) {
            requests[t].finish(.success(SlurmAttempt(jobID: id(t), state: state, staging: paths[t].staging, usage: paths[t].usage,
                                                     log: paths[t].log, submitted: submitted, ended: Date())))
            remaining.remove(t)
        }
        while !remaining.isEmpty {
            if remaining.contains(where: { requests[$0].cancelled() }) {
                cancel(job)
                for t in remaining { requests[t].finish(.failure(StageCancelled())) }
                return
            }
            var queued: [Int: String] = [:]
            let q = try? tools.run("squeue", ["-h", "-r", "-j", job, "-o", "%i %T"])
            if let q, q.status == 0 {
                queued = SlurmStates.parseQueue(q.out, job: job)
                queueFailures = 0
            } else if q?.err.contains("Invalid job id") != true {
                // slurmctld busy or restarting: ask again, then let the records decide.
                queueFailures += 1
                if queueFailures < 30 { pause(remaining, requests); continue }
            }
            for (t, s) in queued.sorted(by: { $0.key < $1.key }) where remaining.contains(t) && shown[t] != s {
                requests[t].progress("slurm job \(id(t)) \(s.lowercased())")
                shown[t] = s
            }
            let left = remaining.filter { queued[$0] == nil }.sorted()
            if !left.isEmpty {
                let records = finalRecords(job)
                for t in left {
                    if let r = records[t], r.isFinal {
                        finish(t, r)
                    } else if Date().timeIntervalSince(unsettledSince[t, default: Date()]) > Self.settleSeconds {
                        finish(t, SlurmTaskState(state: "UNKNOWN", exitCode: "?", host: records[t]?.host,
                                                 reason: "left the queue without a final state in scontrol or sacct"))
                    } else if unsettledSince[t] == nil {
                        unsettledSince[t] = Date()
                    }
                }
            }
            if !remaining.isEmpty { pause(remaining, requests) }
        }
    }

    /// Sleeps one poll interval, waking early on Ctrl-C.
    private func pause(_ remaining: Set<Int>, _ requests: [SlurmRequest]) {
        let until = Date().addingTimeInterval(pollSeconds)
        while Date() < until {
            if remaining.contains(where: { requests[$0].cancelled() }) { return }
            usleep(UInt32(min(0.05, max(0.001, until.timeIntervalSinceNow)) * 1_000_000))
        }
    }

    /// Per task: scontrol's record, or accounting's once slurmctld has forgotten the job.
    private func finalRecords(_ job: String) -> [Int: SlurmTaskState] {
        if let r = try? tools.run("scontrol", ["-o", "show", "job", job]), r.status == 0 {
            let records = SlurmStates.parseRecords(r.out, job: job)
            if !records.isEmpty { return records }
        }
        if let r = try? tools.run("sacct", ["-n", "-P", "-X", "-j", job, "-o", "JobID,State,ExitCode,NodeList"]), r.status == 0 {
            return SlurmStates.parseAccounting(r.out, job: job)
        }
        return [:]
    }

    /// scancel of the whole job (every task of an array), then a short wait
    /// for it to leave the queue, so that nothing of this run is still running when repro exits.
    private func cancel(_ job: String) {
        _ = try? tools.run("scancel", [job])
        let deadline = Date().addingTimeInterval(Self.cancelWaitSeconds)
        while Date() < deadline {
            guard let q = try? tools.run("squeue", ["-h", "-r", "-j", job, "-o", "%i"]), q.status == 0,
                  !q.out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
            usleep(200_000)
        }
    }
}
