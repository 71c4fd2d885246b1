import Foundation
import EngineCore
import StageAPI

/// A run record as stored on a remote (`ac/<key>`): which outputs a key
/// produced. A header line, then one line per output, `sha256 size path`, in
/// the stage's declared order. Whatever a remote returns is checked against
/// the stage's declared outs before anything is written.
enum RemoteRecord {
    static let header = "repro-run-record v1"
    /// Far above any real record (one line per output); a bigger body is refused unread.
    static let maxBytes = 1 << 20

    static func encode(_ outs: [(path: String, output: LockFile.Output)]) -> Data {
        Data((header + "\n" + outs.map { "\($0.output.sha256) \($0.output.size) \($0.path)\n" }.joined()).utf8)
    }

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses and validates a record: every path plain and relative (no `..`,
    /// no absolute path, no control characters), digests 64 lowercase hex
    /// digits, and the paths exactly the declared outs, in declared order.
    static func decode(_ data: Data, declaredOuts: [String]) throws -> [(path: String, output: LockFile.Output)] {
        guard data.count <= maxBytes else { throw Invalid(description: "larger than \(maxBytes) bytes") }
        guard let text = String(data: data, encoding: .utf8) else { throw Invalid(description: "not UTF-8") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == Substring(header) else { throw Invalid(description: "does not start with '\(header)'") }
        guard lines.last == "" else { throw Invalid(description: "does not end with a newline") }
        lines = Array(lines.dropFirst().dropLast())
        var outs: [(path: String, output: LockFile.Output)] = []
        for (n, line) in lines.enumerated() {
            let f = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { throw Invalid(description: "line \(n + 2) is not 'sha256 size path'") }
            let sha = String(f[0]), path = String(f[2])
            guard isDigest(sha) else { throw Invalid(description: "line \(n + 2): '\(printable(sha))' is not a SHA-256 digest") }
            guard f[1].allSatisfy({ $0.isASCII && $0.isNumber }), f[1].count <= 18, let size = Int64(f[1]) else {
                throw Invalid(description: "line \(n + 2): bad size '\(printable(String(f[1])))'")
            }
            if let problem = pathProblem(path) { throw Invalid(description: "names the path '\(printable(path))', which \(problem)") }
            outs.append((path, LockFile.Output(sha256: sha, size: size)))
        }
        let paths = outs.map(\.path)
        guard paths == declaredOuts else {
            if Set(paths) == Set(declaredOuts) && paths.count == declaredOuts.count {
                throw Invalid(description: "lists the stage's outs in another order than declared")
            }
            let extra = paths.filter { !declaredOuts.contains($0) }
            let missing = declaredOuts.filter { !paths.contains($0) }
            var parts: [String] = []
            if !extra.isEmpty { parts.append("undeclared \(extra.prefix(3).map { "'\(printable($0))'" }.joined(separator: ", "))") }
            if !missing.isEmpty { parts.append("missing \(missing.prefix(3).map { "'\($0)'" }.joined(separator: ", "))") }
            if parts.isEmpty { parts.append("a path listed twice") }
            throw Invalid(description: "does not match the stage's declared outs (\(parts.joined(separator: "; ")))")
        }
        return outs
    }

    static func isDigest(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Why a path from a remote is unsafe to write, or nil.
    static func pathProblem(_ p: String) -> String? {
        if p.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || (0x80..<0xa0).contains($0.value) }) {
            return "contains control characters"
        }
        if p.contains("\\") { return "contains a backslash" }
        return Pipeline.pathProblem(p)
    }

    /// A path or token as it may be shown in a message: control characters escaped.
    static func printable(_ s: String) -> String {
        String(s.prefix(200).unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())
    }
}
