import Foundation
import Synchronization

/// Runs a shell stage's `fingerprint:` commands (`[python3, --version]`,
/// `[pip, freeze]`) and turns each one's output into a platform fact. A
/// command's output is computed once per process: a pipeline of many stages
/// sharing an interpreter runs `python3 --version` once.
enum FingerprintCommands {
    private static let memo = Mutex<[[String]: Result<PlatformFact, FingerprintError>]>([:])  // key: env pairs, "--", argv

    struct FingerprintError: Error, CustomStringConvertible {
        var description: String
    }

    /// The facts for `commands`, in their declared order.
    /// - Parameter env: the stage's declared `env`, added to the fixed environment stages get.
    static func facts(_ commands: [[String]], env: [(String, String)], processes: ChildProcesses) throws -> [PlatformFact] {
        try commands.map { argv in
            let memoKey = env.flatMap { [$0.0, $0.1] } + ["--"] + argv
            if let known = memo.withLock({ $0[memoKey] }) { return try known.get() }
            let result: Result<PlatformFact, FingerprintError>
            do { result = .success(try run(argv, env: env, processes: processes)) } catch {
                result = .failure(FingerprintError(description: "\(error)"))
            }
            memo.withLock { $0[memoKey] = result }
            return try result.get()
        }
    }

    /// Runs one command with stdout and stderr captured; a short one-line
    /// output is the fact's value, a longer one (pip freeze) its digest.
    static func run(_ argv: [String], env: [(String, String)], processes: ChildProcesses) throws -> PlatformFact {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("repro-fingerprint-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        // The stage's fixed environment and spawn path, so the fingerprint sees
        // the interpreter the stage will (not yet inside its bubblewrap sandbox).
        let status = try Subprocess.run(argv, cwd: dir, env: ShellEnvironment.fixed(home: dir.path, extra: env),
                                        stdout: out, stderr: out, processes: processes)
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
