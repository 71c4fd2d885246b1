import Foundation
import Parallel
import Synchronization
import StageAPI
import ProcessSpawn

/// Measures one attempt at running a stage, for `.repro/runs.jsonl`, and
/// collects the attempts its executor reports (`StageContext.reportAttempt`).
///
/// Locally it measures: wall time; CPU time of the threads doing the stage's
/// work — the stage's own thread, the `parallelMap` workers it starts (through
/// `CPUAccount`), and its child processes (user + system, from `wait4`),
/// never another stage's; peak memory — the largest peak resident set of its
/// child processes when it has any (`rss_scope: children`), else the repro
/// process's peak so far (`rss_scope: process`, an upper bound shared with
/// the stages that ran beside it; threads have no memory of their own).
final class AttemptMeter: Sendable {
    let account = CPUAccount()
    let start = Date()
    private let reported = Mutex<[AttemptReport]>([])

    func report(_ a: AttemptReport) { reported.withLock { $0.append(a) } }

    /// Runs `body` on this thread with the stage's CPU account bound.
    func measure<T>(_ body: () throws -> T) throws -> T {
        let t0 = CPUAccount.threadNanoseconds()
        defer { account.add(nanoseconds: CPUAccount.threadNanoseconds() - t0) }
        return try CPUAccount.$current.withValue(account) { try body() }
    }

    /// The records of this attempt: those the executor reported, else one
    /// measured here (CPU and memory only for the local executor, whose
    /// threads do the work).
    func records(stage: String, key: String, executor: String, local: Bool, outcome: Outcome, cpus: Int?) -> [RunRecord] {
        let (label, exit): (String, Int) = switch outcome {
        case .ran: ("ran", 0)
        case .cancelled: ("cancelled", 130)
        default: ("failed", 1)
        }
        let reports = reported.withLock { $0 }
        if !reports.isEmpty {
            return reports.map { RunRecord(stage: stage, key: key, executor: executor, outcome: label, attempt: $0, cpus: cpus) }
        }
        let wall = Date().timeIntervalSince(start)
        var a = AttemptReport(attempt: 1, host: Self.host, start: start.timeIntervalSince1970, wallSeconds: wall, exitStatus: exit)
        var scope: String?
        if local {
            a.cpuSeconds = account.seconds
            if account.childPeakRSSKiB > 0 {
                a.maxRSSKiB = account.childPeakRSSKiB
                scope = "children"
            } else {
                var u = rusage()
                getrusage(RUSAGE_SELF.rawValue, &u)
                a.maxRSSKiB = u.ru_maxrss
                scope = "process"
            }
        }
        return [RunRecord(stage: stage, key: key, executor: executor, outcome: label, attempt: a, cpus: cpus, rssScope: scope)]
    }

    static let host: String = {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count) == 0 else { return "localhost" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}
