import Foundation
import Synchronization

/// Runs a shell stage's `fingerprint:` commands (`[python3, --version]`,
/// `[pip, freeze]`) and turns each one's output into a platform fact. A
/// command's output is computed once per process: a pipeline of many stages
/// sharing an interpreter runs `python3 --version` once.
enum FingerprintCommands {
    private static let memo = Mutex<[[String]: Result<PlatformFact, FingerprintError>]>([:])

    struct FingerprintError: Error, CustomStringConvertible {
        var description: String
    }

    /// The facts for `commands`, in their declared order.
    static func facts(_ commands: [[String]], processes: ChildProcesses) throws -> [PlatformFact] {
        try commands.map { argv in
            if let known = memo.withLock({ $0[argv] }) { return try known.get() }
            let result: Result<PlatformFact, FingerprintError>
            do { result = .success(try run(argv, processes: processes)) } catch {
                result = .failure(FingerprintError(description: "\(error)"))
            }
            memo.withLock { $0[argv] = result }
            return try result.get()
        }
    }

    /// Runs one command with stdout and stderr captured; a short one-line
    /// output is the fact's value, a longer one (pip freeze) its digest.
    static func run(_ argv: [String], processes: ChildProcesses) throws -> PlatformFact {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("repro-fingerprint-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        // The same spawn path as the stage itself, so the fingerprint sees the stage's world.
        let status = try Subprocess.run(argv, cwd: dir, extraEnv: [], stdout: out, stderr: out, processes: processes)
        let text = (try? Data(contentsOf: out)) ?? Data()
        let name = "`\(argv.joined(separator: " "))`"
        guard status == 0 else {
            let shown = String(decoding: text.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw FingerprintError(description: "fingerprint command \(name) exited with status \(status)\(shown.isEmpty ? "" : ": \(shown)")")
        }
        let line = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !line.contains("\n"), line.count <= 80, line.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) {
            return PlatformFact(name: name, value: line)
        }
        let lines = line.split(separator: "\n").count
        return PlatformFact(name: name, value: "sha256:\(FileHasher.hash(data: Array(text)).prefix(16)) (\(lines) lines)")
    }
}
