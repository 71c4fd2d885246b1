import Foundation
import EngineCore
import StageAPI
import ProcessSpawn

/// What `repro exec-stage` measured on the node: written beside the task's
/// staging directory, read back by the coordinator for its `AttemptReport`.
/// The file comes from another machine, so reading it trusts nothing: a
/// bounded size, known fields of the right types, plausible values.
public struct SlurmUsage: Sendable, Equatable {
    public var host: String
    /// Seconds since the Unix epoch (UTC).
    public var start: Double
    public var wallSeconds: Double
    /// User + system CPU of exec-stage and the children it waited for.
    public var cpuSeconds: Double
    public var maxRSSKiB: Int

    public init(host: String, start: Double, wallSeconds: Double, cpuSeconds: Double, maxRSSKiB: Int) {
        self.host = host
        self.start = start
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.maxRSSKiB = maxRSSKiB
    }

    static let maxBytes = 4096

    /// This process's usage since `start` (getrusage of itself and its waited-for children).
    public static func measure(since start: Date) -> SlurmUsage {
        var me = rusage(), children = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &me)
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &children)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let cpu = seconds(me.ru_utime) + seconds(me.ru_stime) + seconds(children.ru_utime) + seconds(children.ru_stime)
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count - 1) == 0 ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
        // Linux reports ru_maxrss in KiB; the children's is the largest single child's.
        return SlurmUsage(host: host, start: start.timeIntervalSince1970, wallSeconds: Date().timeIntervalSince(start),
                          cpuSeconds: cpu, maxRSSKiB: Int(max(me.ru_maxrss, children.ru_maxrss)))
    }

    public func write(to url: URL) throws {
        let text = "{\"cpu_seconds\": \(cpuSeconds), \"host\": \(Value.string(host).canonicalJSON), \"max_rss_kib\": \(maxRSSKiB), "
            + "\"start\": \(start), \"wall_seconds\": \(wallSeconds)}\n"
        try AtomicFile.write(Data(text.utf8), to: url, durable: false)
    }

    /// The usage file at `url` if it exists and is well formed; nil otherwise.
    static func read(_ url: URL) -> SlurmUsage? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxBytes + 1), data.count <= maxBytes,
              let text = String(data: data, encoding: .utf8),
              case .object(let o)? = try? JSONReader.parse(text) else { return nil }
        guard Set(o.keys) == ["cpu_seconds", "host", "max_rss_kib", "start", "wall_seconds"],
              case .string(let host)? = o["host"], Self.plausibleHost(host),
              let start = o["start"]?.asDouble, start > 0, start < 1e11,
              let wall = o["wall_seconds"]?.asDouble, wall >= 0, wall < 1e8,
              let cpu = o["cpu_seconds"]?.asDouble, cpu >= 0, cpu < 1e10,
              let rss = o["max_rss_kib"]?.asInt, rss >= 0, rss < 1 << 40 else { return nil }
        return SlurmUsage(host: host, start: start, wallSeconds: wall, cpuSeconds: cpu, maxRSSKiB: rss)
    }

    /// A host name as gethostname gives it: 1-255 printable ASCII characters, no spaces.
    static func plausibleHost(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 255 && s.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }
    }
}
