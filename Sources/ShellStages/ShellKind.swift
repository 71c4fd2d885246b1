import Foundation
import StageAPI
import StageSandbox
import ProcessSpawn

/// `kind: shell` — any command as a stage. `argv` is a list (no shell
/// string, so no quoting surprises); use `["sh", "-c", "..."]` when you want
/// a shell. The command runs in a bubblewrap sandbox (see `Sandbox`): its
/// working directory holds its declared deps, read-only at their project
/// paths, and nothing else of the project; it writes its declared outs there,
/// at their project paths; it has no network and a fixed environment. So a
/// stage that reads an undeclared file fails instead of silently escaping
/// the cache.
///
///     params:
///       argv: [python3, scripts/fit.py, data/in.csv, out/fit.json]
///       stdout: out/log.txt     # optional: one of outs, receives stdout
///       env: {OMP_NUM_THREADS: "1"}   # optional extra environment (part of the key)
///       fingerprint: [[python3, --version], [pip, freeze]]   # optional
///
/// Each `fingerprint` command runs whenever the stage's key is computed (also
/// for `status`, `why`, `verify`, `--dry-run`), in the stage's own sandbox,
/// for at most 10 s and 1 MB of output (`FingerprintCommands`); its output is
/// a key field (see `PlatformFact`), so an upgraded interpreter or package
/// reruns it. `env` names are letters, digits and `_`; the environment reaches
/// the command only, never bwrap. `sandbox:` in pipeline.yaml bounds /tmp,
/// processes and memory (`StageBounds`).
///
/// List the script itself under deps, so editing it reruns the stage.
public struct ShellKind: StageKind {
    public init() {}
    public let name = "shell"
    public var runsCommands: Bool { true }
    public let summary = "run a command (argv list) in a bubblewrap sandbox holding only its deps; it writes its outs there"
    /// A command is charged one CPU unless its stage declares `resources: {cpus_per_task: N}`.
    public var defaultCPUs: Int? { 1 }

    public struct Config: Sendable {
        var argv: [String]
        var stdout: String?
        var env: [(String, String)]
        var fingerprint: [[String]]
    }

    func config(_ p: Params, outs: [String]) throws -> Config {
        let argv = try p.strings("argv")
        guard !argv.isEmpty, !argv[0].isEmpty else { throw ParamError(key: "argv", "must name a command (a non-empty list)") }
        let stdout = p.has("stdout") ? try p.string("stdout") : nil
        if let stdout, !outs.contains(stdout) {
            throw ParamError(key: "stdout", "'\(stdout)' must be one of the stage's outs")
        }
        var env: [(String, String)] = []
        if p.has("env") {
            let e = try p.object("env")
            for k in e.object.keys {
                if let why = Self.envNameProblem(k) { throw ParamError(key: "env", "'\(Diagnostics.visible(k))' \(why)") }
                env.append((k, try e.string(k)))
            }
        }
        // What execve would refuse (one string over 128 KiB, or all over the
        // kernel's limit), refused here, before anything runs.
        let sizes = argv.map(\.utf8.count) + env.map { $0.0.utf8.count + $0.1.utf8.count + 1 }
        if let big = sizes.firstIndex(where: { $0 >= Self.maxWordBytes }) {
            throw ParamError(key: big < argv.count ? "argv" : "env",
                             "a word of \(sizes[big]) bytes is longer than a command may take (\(Self.maxWordBytes / 1024) KiB): put the data in a file and list it under deps")
        }
        if sizes.reduce(0, +) > Self.maxCommandBytes {
            throw ParamError(key: "argv", "argv and env take \(sizes.reduce(0, +)) bytes, more than \(Self.maxCommandBytes / 1024) KiB: put the data in a file and list it under deps")
        }
        return Config(argv: argv, stdout: stdout, env: env, fingerprint: try Self.fingerprint(p))
    }

    /// Linux's MAX_ARG_STRLEN, and a bound well under its total for argv and environment.
    static let maxWordBytes = 131_072
    static let maxCommandBytes = 1_048_576

    public func validate(_ params: Params, stage: StageInfo) throws -> Config {
        try config(params, outs: stage.outs)
    }

    public func platform(_ params: Params, stage: StageInfo) throws -> [PlatformFact] {
        let commands = try Self.fingerprint(params)
        if commands.isEmpty { return [] }
        return try FingerprintCommands.facts(commands, env: try config(params, outs: stage.outs).env, sandbox: stage.sandbox,
                                             projectRoot: stage.projectRoot, processes: ChildProcesses())
    }

    /// An environment variable's name: letters, digits and `_`, not starting
    /// with a digit (so no `A=B`, no empty name).
    static func envNameProblem(_ k: String) -> String? {
        guard let first = k.utf8.first else { return "is not a variable name (empty)" }
        let ok = k.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
        return ok && !(first >= 48 && first <= 57) ? nil : "is not a variable name (letters, digits and _, not starting with a digit)"
    }

    static func fingerprint(_ p: Params) throws -> [[String]] {
        guard let raw = p.raw("fingerprint") else { return [] }
        guard case .array(let commands) = raw else { throw ParamError(key: "fingerprint", "must be a list of commands, e.g. [[python3, --version]]") }
        return try commands.enumerated().map { i, c in
            guard case .array(let words) = c, !words.isEmpty else {
                throw ParamError(key: "fingerprint[\(i)]", "must be a command as a non-empty list, e.g. [python3, --version]")
            }
            return try words.map { w in
                guard case .string(let s) = w, !s.isEmpty else { throw ParamError(key: "fingerprint[\(i)]", "each word must be a non-empty string (quote words YAML reads as numbers or booleans: \"false\")") }
                return s
            }
        }
    }

    public func run(_ cfg: Config, in ctx: StageContext) throws {
        let fm = FileManager.default
        for o in ctx.info.outs { _ = try ctx.output(o) }  // creates the parent directories
        let base = ctx.staging.deletingLastPathComponent().appendingPathComponent(ctx.staging.lastPathComponent)
        // Left in place: the engine keeps it as the stage's log (`StageLogs`), then removes it.
        let log = StageContext.commandLog(staging: ctx.staging)
        let privateHome = URL(fileURLWithPath: base.path + ".home")
        defer { try? fm.removeItem(at: privateHome) }
        let stdoutFile = try cfg.stdout.map { try ctx.output($0) } ?? log
        let argv: [String]
        let env: [String: String]
        var bounds: StageBounds?
        defer { bounds?.release() }
        switch ctx.sandbox.mode {
        case .bubblewrap:
            let deps = try ctx.info.deps.map { ($0, try ctx.input($0).path) }
            // The stage's environment reaches the command only (bwrap's --setenv);
            // bwrap itself starts with none, so no LD_PRELOAD runs on the host.
            bounds = StageBounds.make(ctx.sandbox)
            argv = bounds!.prefix + [try Sandbox.bubblewrap()]
                + (try Sandbox.arguments(policy: ctx.sandbox, projectRoot: ctx.root.path, staging: ctx.staging.path, deps: deps,
                                         env: ShellEnvironment.fixed(home: Sandbox.home, extra: cfg.env),
                                         commandWords: cfg.argv.count))
                + ["--"] + cfg.argv
            env = [:]
        case .none:
            // Unsandboxed (the user opted out): deps as symlinks, the same fixed
            // environment, and killed with repro if it dies.
            for d in ctx.info.deps {
                let link = ctx.staging.appendingPathComponent(d)
                try fm.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.createSymbolicLink(at: link, withDestinationURL: try ctx.input(d))
            }
            try fm.createDirectory(at: privateHome, withIntermediateDirectories: true)
            let stageEnv = ShellEnvironment.fixed(home: privateHome.path, extra: cfg.env)
            let command = Self.resolve(cfg.argv[0], path: stageEnv["PATH"] ?? ShellEnvironment.path)
            // setpriv and unshare start with an empty environment; `env -i` gives
            // the stage's to the supervisor and the command only.
            argv = (Self.setpriv.map { [$0, "--pdeathsig", "HUP", "--"] } ?? [])
                + (UnsandboxedSession.pidNamespace ?? [])
                + ["/usr/bin/env", "-i"] + stageEnv.keys.sorted().map { "\($0)=\(stageEnv[$0]!)" }
                + ["/bin/sh", "-c", Self.supervisor, "sh", command] + cfg.argv.dropFirst()
            env = [:]
        }
        let status = try Subprocess.run(argv, cwd: ctx.staging, env: env, stdout: stdoutFile, stderr: log,
                                        processes: ctx.processes)
        if ctx.isCancelled { throw StageCancelled() }
        guard status == 0 else {
            let tail = LogTail.tail(of: log, lines: 15)
            let isolation = ctx.sandbox.mode == .bubblewrap
                ? " (in its sandbox only its deps are visible, read-only, under its working directory; it may write only its outs there, and /tmp; no network;"
                    + " at most \(ctx.sandbox.maxProcesses) processes, \(ctx.sandbox.maxMemoryMB) MiB of memory and \(ctx.sandbox.tmpSizeMB) MiB in /tmp:"
                    + " sandbox.max_processes, max_memory_mb, tmp_size_mb)"
                : ""
            throw StageFailure("command \(cfg.argv.joined(separator: " ")) \(status > 128 ? "was killed by signal \(status - 128)" : "exited with status \(status)")"
                               + isolation + DiskSpace.note(for: ctx.staging) + (tail.isEmpty ? "" : "; its last output:\n" + tail))
        }
        // Deps were visible to the command only; they are not outputs.
        for d in ctx.info.deps where !ctx.info.outs.contains(d) {
            try? fm.removeItem(at: ctx.staging.appendingPathComponent(d))
        }
    }

    /// Without the sandbox's pid namespace, a parent-death signal (HUP, through
    /// setpriv) reaches this shell, which then kills the command's whole process
    /// group; SIGTERM is passed on, so a command still gets its grace period.
    static let supervisor = """
        trap 'kill -KILL 0' HUP
        trap 'kill -TERM "$child" 2>/dev/null' TERM INT
        "$@" & child=$!
        while :; do wait "$child"; rc=$?; kill -0 "$child" 2>/dev/null || exit "$rc"; done
        """

    /// util-linux's setpriv, to give an unsandboxed command a parent-death signal.
    static let setpriv: String? = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `name` as found on `path` (as the command's own environment would find it).
    static func resolve(_ name: String, path: String) -> String {
        if name.contains("/") { return name }
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return name
    }

    static func tail(_ s: String, lines: Int) -> String {
        s.split(separator: "\n").suffix(lines).map { "    | " + $0 }.joined(separator: "\n")
    }

}
