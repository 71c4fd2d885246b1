import Foundation

/// What an executor measured about one attempt at running a stage. The runner
/// turns each into a line of `.repro/runs.jsonl`; an executor that reports no
/// attempt (the local one) is measured by the runner itself.
public struct AttemptReport: Sendable, Equatable {
    /// 1 for the first submission; retries count up.
    public var attempt: Int
    /// The machine the stage's code ran on.
    public var host: String
    /// Start, seconds since the Unix epoch (UTC).
    public var start: Double
    public var wallSeconds: Double
    /// User + system CPU seconds of the stage's own process(es), if known.
    public var cpuSeconds: Double?
    /// Peak resident memory in KiB, if known.
    public var maxRSSKiB: Int?
    /// 0 on success; the exit status or a scheduler's code otherwise.
    public var exitStatus: Int
    /// The scheduler's final state (`COMPLETED`, `NODE_FAIL`, ...), if any.
    public var state: String?
    /// The scheduler's job id (`1234_5` for an array task), if any.
    public var jobID: String?
    /// Why this attempt ended as it did, or why it was retried.
    public var reason: String?

    public init(attempt: Int, host: String, start: Double, wallSeconds: Double, cpuSeconds: Double? = nil,
                maxRSSKiB: Int? = nil, exitStatus: Int, state: String? = nil, jobID: String? = nil, reason: String? = nil) {
        self.attempt = attempt
        self.host = host
        self.start = start
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.maxRSSKiB = maxRSSKiB
        self.exitStatus = exitStatus
        self.state = state
        self.jobID = jobID
        self.reason = reason
    }
}
