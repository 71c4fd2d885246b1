import Foundation
import StageAPI
import ProcessSpawn

/// The bubblewrap sandbox of a `shell` stage: a fresh mount namespace whose
/// root is an empty, read-only tmpfs holding
///
///   - the system directories, read-only (`/usr`, `/bin`, `/sbin`, `/lib*`,
///     `/etc`, `/opt`), plus the pipeline's `sandbox.read_only` directories;
///   - the stage's staging directory at `/build`, writable, its working
///     directory: outputs are written there at their project paths;
///   - each declared dep, read-only, at `/build/<its project path>` (a dep that
///     is a symlink is bound by its content);
///   - a private empty `/tmp` (with `HOME=/tmp/home`), a minimal `/dev`, a
///     private `/proc`;
///
/// and no network (its own network namespace has only a loopback), its own
/// pid, IPC and UTS namespaces, a new session (no controlling terminal),
/// `--die-with-parent`: if repro dies, the whole sandbox is killed with it,
/// and no capabilities (`--cap-drop ALL`): a command run by root cannot
/// remount a read-only bind writable. Its environment is set by bwrap
/// (`--clearenv`, `--setenv`) for the command only: bwrap itself starts with
/// an empty environment, so no `LD_PRELOAD` of a stage's reaches the host.
/// The project directory itself is not visible, by any name. The working
/// directory is the same path on every machine, so nothing about where the
/// project lives can reach an output.
package enum Sandbox {
    package static let workDir = "/build"
    package static let home = "/tmp/home"
    package static let systemDirs = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"]

    /// bubblewrap's MAX_ARGS: it refuses a command line (with `--args`, too) of more.
    package static let maxArguments = 9000

    /// bwrap's arguments (without the program and without `--` and the command,
    /// whose `commandWords` count against bwrap's limit).
    package static func arguments(policy: SandboxPolicy, projectRoot: String, staging: String,
                          deps: [(path: String, host: String)], env: [String: String], commandWords: Int = 1) throws -> [String] {
        var args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv"]
        for k in env.keys.sorted() { args += ["--setenv", k, env[k]!] }
        let fm = FileManager.default
        var exposed: [String] = []
        for dir in systemDirs {
            if let target = try? fm.destinationOfSymbolicLink(atPath: dir) {
                args += ["--symlink", target, dir]        // merged /usr: /bin -> usr/bin
            } else if fm.fileExists(atPath: dir) {
                args += ["--ro-bind", dir, dir]
                exposed.append(dir)
            }
        }
        args += ["--proc", "/proc", "--dev", "/dev", "--size", String(policy.tmpSizeMB * 1_048_576), "--tmpfs", "/tmp", "--dir", home]
        for dir in policy.readOnly {
            // Checked as the directory it really is (`/a//b`, `/a/b/.`, a symlink to the project's parent).
            guard let real = SandboxPolicy.realPath(dir) else {
                throw StageFailure("sandbox.read_only '\(dir)' does not exist on this machine: install it there or remove it from pipeline.yaml")
            }
            if let why = SandboxPolicy.readOnlyProblem(real, projectRoot: SandboxPolicy.realPath(projectRoot) ?? projectRoot) {
                throw StageFailure("sandbox.read_only '\(dir)'\(real == dir ? "" : " (really \(real))") \(why)")
            }
            args += ["--ro-bind", real, dir]
            exposed.append(dir)
        }
        // A project that lives under an exposed directory (say /opt/papers/x) is hidden again.
        if exposed.contains(where: { projectRoot.hasPrefix($0 + "/") }) { args += ["--tmpfs", projectRoot] }
        args += ["--bind", staging, workDir]
        // bwrap refuses more than 9000 arguments (options and command together), with a message of its own after the
        // run has started; said here instead, in terms of the stage. Each dep is one bind (3 arguments).
        let room = (maxArguments - args.count - 12 - commandWords) / 3  // 12: bwrap itself, --remount-ro / --chdir DIR, --, and a margin
        if deps.count > room {
            throw StageFailure("it declares \(deps.count) deps, and its sandbox can bind at most \(room) (bubblewrap takes at most "
                               + "\(maxArguments) arguments, 3 per dep; each bind also costs time, quadratic in their number): "
                               + "gather its inputs into fewer files with a stage before it (a `concat` or `shell` stage), "
                               + "or run it unsandboxed (`sandbox: none`, or --no-sandbox)")
        }
        for d in deps {
            // Parent directories are made here, with normal permissions (bwrap would make them 0700).
            try fm.createDirectory(atPath: (staging + "/" + d.path as NSString).deletingLastPathComponent,
                                   withIntermediateDirectories: true)
            args += ["--ro-bind", d.host, workDir + "/" + d.path]
        }
        args += ["--remount-ro", "/", "--chdir", workDir]
        return args
    }

    /// The bwrap binary, once checked to work on this machine; else a message
    /// naming the fix.
    package static func bubblewrap() throws -> String {
        switch probe {
        case .success(let path): return path
        case .failure(let f): throw f
        }
    }

    private static let probe: Result<String, StageFailure> = {
        let optOut = "or run without a sandbox: `sandbox: none` in pipeline.yaml, or --no-sandbox"
        // REPRO_BWRAP names a bwrap outside the usual places (and lets the tests take it away).
        let env = ProcessInfo.processInfo.environment
        let candidates = env["REPRO_BWRAP"].map { [$0] }
            ?? (["/usr/bin", "/bin", "/usr/local/bin"] + (env["PATH"] ?? "").split(separator: ":").map(String.init)).map { $0 + "/bwrap" }
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return .failure(StageFailure("shell stages run in a bubblewrap sandbox, and bwrap is not installed: "
                                         + "install it (`apt-get install bubblewrap`, or scripts/ensure-system-deps.sh), " + optOut))
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("repro-sandbox-probe-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let args = try arguments(policy: .standard, projectRoot: "/nonexistent", staging: scratch.path, deps: [],
                                     env: ShellEnvironment.fixed(home: home, extra: []))
            let err = scratch.appendingPathComponent("stderr")
            let status = try Subprocess.run([path] + args + ["--", "true"], cwd: scratch, env: [:],
                                            stdout: URL(fileURLWithPath: "/dev/null"), stderr: err, processes: ChildProcesses())
            if status == 0 { return .success(path) }
            let why = ((try? String(contentsOf: err, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return .failure(StageFailure("shell stages run in a bubblewrap sandbox, and bwrap cannot make one on this machine"
                                         + (why.isEmpty ? "" : " (\(why))") + ": user namespaces may be disabled "
                                         + "(sysctl kernel.unprivileged_userns_clone=1, or run in a container that allows them), " + optOut))
        } catch {
            return .failure(StageFailure("cannot try the bubblewrap sandbox: \(error); " + optOut))
        }
    }()
}

/// The whole environment of a `shell` stage's command: nothing of the
/// caller's leaks in (it is not part of the key); the stage's declared `env`
/// (which is) comes on top.
package enum ShellEnvironment {
    package static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    package static func fixed(home: String, extra: [(String, String)]) -> [String: String] {
        var env = ["PATH": path, "HOME": home, "LANG": "C.UTF-8", "TZ": "UTC", "SOURCE_DATE_EPOCH": "0"]
        for (k, v) in extra { env[k] = v }
        return env
    }
}
