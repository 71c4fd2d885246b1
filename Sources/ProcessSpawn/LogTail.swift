import Foundation

/// The end of a process's log, read cheaply: a command that wrote 200 MB on
/// one line costs neither memory nor a screenful.
public enum LogTail {
    /// The last lines of a command's log, read from its last 16 KiB only, each
    /// line cut to 300 characters: a command that wrote 200 MB on one line
    /// costs neither memory nor a screenful.
    public static func tail(of log: URL, lines: Int) -> String {
        lastLines(of: log, count: lines).map { line in
            "    | " + (line.count > 300 ? line.prefix(300) + " … (\(line.utf8.count) bytes)" : line)
        }.joined(separator: "\n")
    }

    /// The last `count` lines of a file, from its last 16 KiB only.
    public static func lastLines(of file: URL, count: Int) -> [Substring] {
        guard let h = try? FileHandle(forReadingFrom: file) else { return [] }
        defer { try? h.close() }
        let window: UInt64 = 16_384
        let end = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: end > window ? end - window : 0)
        let bytes = (try? h.readToEnd()) ?? Data()
        var text = Substring(String(decoding: bytes, as: UTF8.self))
        if end > window, let nl = text.firstIndex(of: "\n") { text = text[text.index(after: nl)...] }
        return Array(text.split(separator: "\n").suffix(count))
    }
}
