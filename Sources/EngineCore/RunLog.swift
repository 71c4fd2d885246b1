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

    /// `2026-12-07T20:56:48.306Z`: what ISO8601DateFormatter writes with
    /// `.withInternetDateTime, .withFractionalSeconds` in UTC, without making
    /// one per record (a formatter costs more than the rest of a record).
    static func iso8601(_ seconds: Double) -> String {
        var ms = Int64((seconds * 1000).rounded())  // to the nearest millisecond, as ISO8601DateFormatter does
        var whole = time_t(ms / 1000)
        ms -= Int64(whole) * 1000
        if ms < 0 { ms += 1000; whole -= 1 }
        var t = tm()
        gmtime_r(&whole, &t)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(t.tm_year + 1900, 4))-\(pad(t.tm_mon + 1, 2))-\(pad(t.tm_mday, 2))T\(pad(t.tm_hour, 2)):\(pad(t.tm_min, 2)):\(pad(t.tm_sec, 2))"
            + ".\(pad(Int32(ms), 3))Z"
    }

    /// Reads what `iso8601` writes (and the same without fractional seconds);
    /// anything else goes to ISO8601DateFormatter.
    static func parseISO8601(_ s: String) -> Double? {
        if let fast = parseUTC(s) { return fast }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d.timeIntervalSince1970 }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)?.timeIntervalSince1970
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff]Z` exactly, else nil.
    private static func parseUTC(_ s: String) -> Double? {
        let b = Array(s.utf8)
        guard b.count == 20 || b.count == 24, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b.last == 90 else { return nil }
        func num(_ from: Int, _ n: Int) -> Int? {
            var v = 0
            for c in b[from..<from + n] {
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let year = num(0, 4), let month = num(5, 2), let day = num(8, 2), let hour = num(11, 2), let minute = num(14, 2),
              let second = num(17, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var millis = 0
        if b.count == 24 {
            guard b[19] == 46, let m = num(20, 3) else { return nil }
            millis = m
        }
        var t = tm()
        t.tm_year = Int32(year - 1900); t.tm_mon = Int32(month - 1); t.tm_mday = Int32(day)
        t.tm_hour = Int32(hour); t.tm_min = Int32(minute); t.tm_sec = Int32(second)
        let whole = timegm(&t)
        guard t.tm_mday == Int32(day) else { return nil }  // 31 February: timegm normalised it
        return Double(whole) + Double(millis) / 1000
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
