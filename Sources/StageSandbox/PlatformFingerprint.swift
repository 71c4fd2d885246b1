import Foundation
import Synchronization
import StageAPI
import ProcessSpawn

/// Runs a shell stage's `fingerprint:` commands (`[python3, --version]`,
/// `[pip, freeze]`) and turns each one's output into a platform fact. They
/// run at key time (also for `status`, `why`, `verify`, `--dry-run`), so they
/// run in the sandbox the stage itself gets (system directories read-only, no
/// project, no network, a private /tmp, the fixed environment), for at most
/// `timeLimit` seconds and `outputLimit` bytes of output. Only with
/// `sandbox: none` (or `--no-sandbox`) do they run unconfined, and repro says
/// so once. A command's output is computed once per process: a pipeline of
/// many stages sharing an interpreter runs `python3 --version` once.
package enum FingerprintCommands {
    package static let timeLimit: Double = 10
    package static let outputLimit = 1_048_576

    private static let memo = Mutex<[[String]: Result<PlatformFact, FingerprintError>]>([:])  // key: mode, env pairs, "--", argv
    private static let saidUnconfined = Atomic<Bool>(false)

    package struct FingerprintError: Error, CustomStringConvertible {
        package var description: String
    }

    /// The facts for `commands`, in their declared order.
    /// - Parameters:
    ///   - env: the stage's declared `env`, added to the fixed environment stages get.
    ///   - sandbox: the stage's sandbox; `projectRoot` is hidden from it.
    package static func facts(_ commands: [[String]], env: [(String, String)], sandbox: SandboxPolicy, projectRoot: String,
                      processes: ChildProcesses) throws -> [PlatformFact] {
        try commands.map { argv in
            let memoKey = [sandbox.mode.rawValue] + sandbox.readOnly + env.flatMap { [$0.0, $0.1] } + ["--"] + argv
            if let known = memo.withLock({ $0[memoKey] }) { return try known.get() }
            let result: Result<PlatformFact, FingerprintError>
            do { result = .success(try run(argv, env: env, sandbox: sandbox, projectRoot: projectRoot, processes: processes)) } catch let e as FingerprintError {
                result = .failure(e)
            } catch {
                result = .failure(FingerprintError(description: "fingerprint command `\(argv.joined(separator: " "))`: \(error)"))
            }
            memo.withLock { $0[memoKey] = result }
            return try result.get()
        }
    }

    /// Runs one command with stdout and stderr captured; a short one-line
    /// output is the fact's value, a longer one (pip freeze) its digest.
    package static func run(_ argv: [String], env: [(String, String)], sandbox: SandboxPolicy, projectRoot: String,
                    processes: ChildProcesses) throws -> PlatformFact {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("repro-fingerprint-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        let name = "`\(argv.joined(separator: " "))`"
        let command: [String]
        let spawnEnv: [String: String]
        var bounds: StageBounds?
        defer { bounds?.release() }
        switch sandbox.mode {
        case .bubblewrap:
            bounds = StageBounds.make(sandbox)
            // An empty working directory, nothing of the project: the same sandbox as the stage's.
            let work = dir.appendingPathComponent("build")
            try fm.createDirectory(at: work, withIntermediateDirectories: true)
            command = bounds!.prefix + [try Sandbox.bubblewrap()]
                + (try Sandbox.arguments(policy: sandbox, projectRoot: projectRoot, staging: work.path, deps: [],
                                         env: ShellEnvironment.fixed(home: Sandbox.home, extra: env)))
                + ["--"] + argv
            spawnEnv = [:]
        case .none:
            if !saidUnconfined.exchange(true, ordering: .acquiringAndReleasing) {
                FileHandle.standardError.write(Data("repro: fingerprint commands ran unconfined, on the host (sandbox: none or --no-sandbox): \(name)\n".utf8))
            }
            command = argv
            spawnEnv = ShellEnvironment.fixed(home: dir.path, extra: env)
        }
        let status: Int32, text: Data
        do {
            (status, text) = try Subprocess.capture(command, cwd: dir, env: spawnEnv, seconds: timeLimit, maxBytes: outputLimit,
                                                    processes: processes)
        } catch let limit as Subprocess.CaptureLimit {
            switch limit {
            case .time(let s):
                throw FingerprintError(description: "fingerprint command \(name) ran longer than \(Int(s)) s and was stopped: a fingerprint must be quick (e.g. `--version`)")
            case .output(let bytes):
                throw FingerprintError(description: "fingerprint command \(name) printed more than \(bytes / 1_048_576) MB and was stopped: a fingerprint must print a short description")
            }
        }
        guard status == 0 else {
            let shown = String(decoding: text.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw FingerprintError(description: "fingerprint command \(name) exited with status \(status)"
                                   + (sandbox.mode == .bubblewrap ? " (in the stage's sandbox)" : "") + (shown.isEmpty ? "" : ": \(shown)"))
        }
        let line = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !line.contains("\n"), line.count <= 80, line.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) {
            return PlatformFact(name: name, value: line)
        }
        let lines = line.split(separator: "\n").count
        return PlatformFact(name: name, value: "sha256:\(SHA256Hex.of(Array(text)).prefix(16)) (\(lines) lines)")
    }
}
