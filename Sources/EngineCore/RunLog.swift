import Foundation
import StageAPI
import ProcessSpawn

/// `.repro/runs.jsonl`: one JSON line per attempt at running a stage (ran,
/// failed or cancelled; never for restored or up-to-date stages). It is the
/// machine's own history: never committed, never part of the lock or of any
/// stage's output. Lines are appended with one `write` to an `O_APPEND`
/// descriptor, so concurrent writers (two stages, two repro processes) never
/// interleave inside a line.
public struct RunRecord: Sendable, Equatable {
    public var stage: String
    public var key: String
    public var executor: String
    /// "ran", "failed" or "cancelled".
    public var outcome: String
    public var attempt: AttemptReport
    /// CPUs it was charged against `-j` (local runs).
    public var cpus: Int?
    /// What `maxRSSKiB` covers: "children" (the peak of the stage's child
    /// processes) or "process" (the whole repro process's peak, shared with any
    /// stage that ran beside it); nil when an executor reported it.
    public var rssScope: String?

    public init(stage: String, key: String, executor: String, outcome: String, attempt: AttemptReport, cpus: Int? = nil, rssScope: String? = nil) {
        self.stage = stage
        self.key = key
        self.executor = executor
        self.outcome = outcome
        self.attempt = attempt
        self.cpus = cpus
        self.rssScope = rssScope
    }

    /// The record as one line of JSON (sorted keys, no newline inside).
    public var jsonLine: String {
        var o = Value.Object()
        let a = attempt
        o["stage"] = .string(stage)
        o["key"] = .string(key)
        o["executor"] = .string(executor)
        o["outcome"] = .string(outcome)
        o["host"] = .string(a.host)
        o["start"] = .string(Self.iso8601(a.start))
        o["wall_seconds"] = .double(Self.rounded(a.wallSeconds))
        if let c = a.cpuSeconds { o["cpu_seconds"] = .double(Self.rounded(c)) }
        if let m = a.maxRSSKiB { o["max_rss_kib"] = .int(m) }
        if let s = rssScope { o["rss_scope"] = .string(s) }
        o["exit_status"] = .int(a.exitStatus)
        o["attempt"] = .int(a.attempt)
        if let c = cpus { o["cpus"] = .int(c) }
        if let s = a.state { o["state"] = .string(s) }
        if let j = a.jobID { o["job_id"] = .string(j) }
        if let r = a.reason { o["reason"] = .string(r) }
        return Value.object(o).canonicalJSON
    }

    /// Parses one line; nil if it is not a record.
    public init?(jsonLine line: String) {
        guard case .object(let o)? = try? JSONReader.parse(line) else { return nil }
        func str(_ k: String) -> String? { if case .string(let s)? = o[k] { s } else { nil } }
        func num(_ k: String) -> Double? {
            switch o[k] {
            case .double(let d)?: d
            case .int(let i)?: Double(i)
            default: nil
            }
        }
        func int(_ k: String) -> Int? { if case .int(let i)? = o[k] { i } else { nil } }
        guard let stage = str("stage"), let key = str("key"), let executor = str("executor"), let outcome = str("outcome"),
              let host = str("host"), let startText = str("start"), let start = Self.parseISO8601(startText),
              let wall = num("wall_seconds"), let exit = int("exit_status"), let attempt = int("attempt") else { return nil }
        self.init(stage: stage, key: key, executor: executor, outcome: outcome,
                  attempt: AttemptReport(attempt: attempt, host: host, start: start, wallSeconds: wall, cpuSeconds: num("cpu_seconds"),
                                         maxRSSKiB: int("max_rss_kib"), exitStatus: exit, state: str("state"), jobID: str("job_id"),
                                         reason: str("reason")),
                  cpus: int("cpus"), rssScope: str("rss_scope"))
    }

    /// Milliseconds are all a run log needs (and keep lines short).
    static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    static func iso8601(_ seconds: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func parseISO8601(_ s: String) -> Double? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d.timeIntervalSince1970 }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)?.timeIntervalSince1970
    }
}

/// Appends and reads `.repro/runs.jsonl`.
public enum RunLog {
    public static let fileName = "runs.jsonl"

    public static func url(in project: Project) -> URL { project.reproDir.appendingPathComponent(fileName) }

    /// Appends one line with a single `write(2)` on an `O_APPEND` descriptor.
    public static func append(_ record: RunRecord, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw EngineError.io("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((record.jsonLine + "\n").utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw EngineError.io("cannot append to \(url.path): \(written < 0 ? String(cString: strerror(errno)) : "short write")")
        }
    }

    /// The records in file order, and the lines (1-based) that are not records.
    public static func read(_ url: URL) throws -> (records: [(line: Int, record: RunRecord)], malformed: [Int]) {
        guard FileManager.default.fileExists(atPath: url.path) else { return ([], []) }
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        var records: [(Int, RunRecord)] = [], malformed: [Int] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            if let r = RunRecord(jsonLine: String(line)) { records.append((n + 1, r)) } else { malformed.append(n + 1) }
        }
        return (records, malformed)
    }
}
