import Foundation

/// `kind: shell` — any command as a stage. `argv` is a list (no shell
/// string, so no quoting surprises); use `["sh", "-c", "..."]` when you want
/// a shell. The command runs in a fresh directory holding its declared deps
/// (as symlinks, at their project paths) and nothing else, and must write its
/// declared outs there, at their project paths. So a stage that reads an
/// undeclared file fails instead of silently escaping the cache.
///
///     params:
///       argv: [python3, scripts/fit.py, data/in.csv, out/fit.json]
///       stdout: out/log.txt     # optional: one of outs, receives stdout
///       env: {OMP_NUM_THREADS: "1"}   # optional extra environment
///
/// List the script itself under deps, so editing it reruns the stage.
public struct ShellKind: StageKind {
    public init() {}
    public let name = "shell"
    public let summary = "run a command (argv list) in a sandbox dir holding its deps; it writes its outs there"
    public let codePaths = ["Sources/Engine/ShellKind.swift", "Sources/Engine/Subprocess.swift"]

    public struct Config: Sendable {
        var argv: [String]
        var stdout: String?
        var env: [(String, String)]
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
            for k in e.object.keys { env.append((k, try e.string(k))) }
        }
        return Config(argv: argv, stdout: stdout, env: env)
    }

    public func validate(_ params: Params, stage: StageInfo) throws -> Config {
        try config(params, outs: stage.outs)
    }

    public func run(_ cfg: Config, in ctx: StageContext) throws {
        let fm = FileManager.default
        for d in ctx.info.deps {
            let link = ctx.staging.appendingPathComponent(d)
            try fm.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.createSymbolicLink(at: link, withDestinationURL: try ctx.input(d))
        }
        for o in ctx.info.outs { _ = try ctx.output(o) }  // creates the parent directories
        let log = ctx.staging.deletingLastPathComponent().appendingPathComponent(ctx.staging.lastPathComponent + ".log")
        defer { try? fm.removeItem(at: log) }
        let stdoutFile = try cfg.stdout.map { try ctx.output($0) } ?? log
        let status = try Subprocess.run(cfg.argv, cwd: ctx.staging, extraEnv: cfg.env, stdout: stdoutFile, stderr: log,
                                        processes: ctx.processes)
        if ctx.isCancelled { throw StageCancelled() }
        guard status == 0 else {
            let tail = (try? String(contentsOf: log, encoding: .utf8)).map { Self.tail($0, lines: 15) } ?? ""
            throw StageFailure("command \(cfg.argv.joined(separator: " ")) \(status > 128 ? "was killed by signal \(status - 128)" : "exited with status \(status)")"
                               + (tail.isEmpty ? "" : "; its last output:\n" + tail))
        }
        // Deps were links for the command only; they are not outputs.
        for d in ctx.info.deps where !ctx.info.outs.contains(d) {
            try? fm.removeItem(at: ctx.staging.appendingPathComponent(d))
        }
    }

    static func tail(_ s: String, lines: Int) -> String {
        s.split(separator: "\n").suffix(lines).map { "    | " + $0 }.joined(separator: "\n")
    }
}
